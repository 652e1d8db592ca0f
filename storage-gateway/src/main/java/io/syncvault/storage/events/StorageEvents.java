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
 * for the broker's acknowledgement (bounded) so events keep the order of the writes.
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

    public void stored(String store, ObjectInfo info, String origin, String actor) {
        publish(OBJECT_STORED, store, info, origin, actor);
    }

    public void deleted(String store, ObjectInfo info, String origin, String actor) {
        publish(OBJECT_DELETED, store, info, origin, actor);
    }

    private void publish(String type, String store, ObjectInfo info, String origin, String actor) {
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
            acked.get(5, TimeUnit.SECONDS);
        } catch (JsonProcessingException | RuntimeException | ExecutionException | TimeoutException e) {
            // the change itself is durable; a consumer that missed the event sees it in the next listing
            LOG.warnf("event %s for %s not confirmed by Kafka: %s", type, subject, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
