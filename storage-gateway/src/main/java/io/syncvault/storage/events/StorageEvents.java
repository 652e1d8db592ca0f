package io.syncvault.storage.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.config.EventsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * Publishes {@code io.syncvault.storage.object_stored|object_deleted} on storage.events,
 * subject {@code <store>/<key>}. The gateway keeps no database, so there is no outbox: an
 * event is sent only after the provider reported the change durable, and the request waits
 * for the broker's acknowledgement (bounded) so events keep the order of the writes. A batch
 * request collects the acknowledgements of all its changes in one {@link Acks} and waits for
 * them together before it answers, so its events travel to the broker in a few requests.
 */
@ApplicationScoped
public class StorageEvents {

    public static final String TOPIC = "storage.events";
    public static final String OBJECT_STORED = "io.syncvault.storage.object_stored";
    public static final String OBJECT_DELETED = "io.syncvault.storage.object_deleted";
    private static final Logger LOG = Logger.getLogger(StorageEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Emitter<String> emitter;
    private final URI source;

    public StorageEvents(@Channel("events") Emitter<String> emitter, EventsConfig config) {
        this.emitter = emitter;
        this.source = URI.create(config.source());
    }

    public void stored(String store, ObjectInfo info, String origin, String actor, Acks acks) {
        publish(OBJECT_STORED, store, info, origin, actor, acks);
    }

    public void deleted(String store, ObjectInfo info, String origin, String actor) {
        publish(OBJECT_DELETED, store, info, origin, actor, Acks.now());
    }

    private void publish(String type, String store, ObjectInfo info, String origin, String actor, Acks acks) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("store", store);
        data.put("key", info.key());
        data.put("versionTag", info.versionTag());
        data.put("size", info.size());
        data.put("sha256", info.sha256());
        data.put("origin", origin);
        data.put("actor", actor);
        String subject = store + "/" + info.key();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            emitter.send(CloudEventMessages.of(UUID.randomUUID().toString(), source, type, TOPIC, subject, Instant.now(),
                    JSON.writeValueAsString(data), acked));
        } catch (JsonProcessingException | RuntimeException e) {
            acked.completeExceptionally(e);
        }
        acks.add(type + " for " + subject, acked);
    }

    /**
     * The broker acknowledgements a request waits for: at once ({@link #now()}, one change) or
     * all together at its end ({@link #later()}, a batch). Waiting is bounded; an event that is
     * not confirmed is logged, since the change itself is durable and a consumer that missed
     * the event sees it in its next listing.
     */
    public static final class Acks {
        private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
        private final boolean immediate;
        private final Map<String, CompletableFuture<Void>> pending = new LinkedHashMap<>();

        private Acks(boolean immediate) {
            this.immediate = immediate;
        }

        public static Acks now() {
            return new Acks(true);
        }

        public static Acks later() {
            return new Acks(false);
        }

        void add(String what, CompletableFuture<Void> acked) {
            if (immediate) {
                await(what, acked, System.nanoTime() + WAIT_NANOS);
            } else {
                pending.put(what, acked);
            }
        }

        /** Waits (at most a few seconds in all) for every event added so far. */
        public void awaitAll() {
            long deadline = System.nanoTime() + WAIT_NANOS;
            pending.forEach((what, acked) -> await(what, acked, deadline));
            pending.clear();
        }

        private static void await(String what, CompletableFuture<Void> acked, long deadline) {
            try {
                acked.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warnf("event %s not confirmed by Kafka: %s", what, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
