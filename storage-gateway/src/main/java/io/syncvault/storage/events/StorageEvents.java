package io.syncvault.storage.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.platform.CloudEventMessages;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.config.EventsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes {@code io.syncvault.storage.object_stored|object_deleted} on storage.events,
 * subject {@code <store>/<key>}. An event is sent only after the provider reported the change
 * durable, and the request waits for the broker's acknowledgement (bounded) so events keep the
 * order of the writes. The gateway keeps no database: an event the broker refuses (or that finds
 * no room before its wait ends) is kept in the {@link EventSpool} and sent again from there; events on their way
 * are noted there too, so a crash of the process does not lose them. A batch
 * request collects the events of all its changes in one {@link Acks}, sends them in order once
 * its writes are durable together, and waits for them before it answers, so its events travel
 * to the broker in a few requests.
 */
@ApplicationScoped
public class StorageEvents {

    public static final String TOPIC = "storage.events";
    public static final String OBJECT_STORED = "io.syncvault.storage.object_stored";
    public static final String OBJECT_DELETED = "io.syncvault.storage.object_deleted";
    private static final Logger LOG = Logger.getLogger(StorageEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Events sent and not yet acknowledged, at most. The emitter refuses an event it has no room for (SRMSG00034):
     * two batches of 2,500 changes sent at once lost about a thousand events that way. A sender now waits for room,
     * within its request's wait for acknowledgements, and the emitter buffers as many as may be in flight.
     */
    static final int IN_FLIGHT = 1024;

    /** Kept events sent per round of {@link #resendKept()}, and how long each may wait for the broker. */
    static final int RESEND_PER_ROUND = 10_000;
    static final Duration RESEND_WAIT = Duration.ofSeconds(10);

    private final Emitter<String> emitter;
    private final URI source;
    private final EventSpool spool;
    private final Semaphore room = new Semaphore(IN_FLIGHT);
    /** The kept event last handed to the producer by {@link #resendKept()}. */
    private volatile CompletableFuture<Void> resending = CompletableFuture.completedFuture(null);

    public StorageEvents(@Channel("events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = IN_FLIGHT)
            Emitter<String> emitter, EventsConfig config, EventSpool spool, MeterRegistry meters) {
        this.emitter = emitter;
        this.source = URI.create(config.source());
        this.spool = spool;
        Gauge.builder("syncvault.events.kept", spool, EventSpool::size)
                .description("events the broker refused, kept by this gateway to be sent again").register(meters);
    }

    public void stored(String store, ObjectInfo info, String origin, String actor, Acks acks) {
        publish(OBJECT_STORED, store, info, origin, actor, acks);
    }

    public void deleted(String store, ObjectInfo info, String origin, String actor, Acks acks) {
        publish(OBJECT_DELETED, store, info, origin, actor, acks);
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
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        EventSpool.Spooled event = new EventSpool.Spooled(UUID.randomUUID().toString(), type, subject, Instant.now(), json);
        acks.add(type + " for " + subject, spool, event, deadline -> {
            CompletableFuture<Void> acked = new CompletableFuture<>();
            CompletableFuture<Void> settled = spool.keepIfRefused(acked, event);
            send(event, acked, deadline);
            return new Sent(acked, settled);
        });
    }

    /** An event handed to the producer: {@code acked} by the broker, {@code settled} once taken or kept in the spool. */
    record Sent(CompletableFuture<Void> acked, CompletableFuture<Void> settled) {
    }

    /** Sends {@code event}, completing {@code acked} with the broker's answer; fails it when no room comes free by {@code deadline}. */
    private void send(EventSpool.Spooled event, CompletableFuture<Void> acked, long deadline) {
        try {
            if (!room.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                acked.completeExceptionally(new TimeoutException(IN_FLIGHT + " events wait for the broker"));
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acked.completeExceptionally(e);
            return;
        }
        acked.whenComplete((done, failed) -> room.release());
        try {
            emitter.send(CloudEventMessages.of(event.id(), source, event.type(), TOPIC, event.subject(), event.time(),
                    event.data(), acked));
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
    }

    /**
     * Sends the events the broker refused before, oldest first, each under its own id; one the broker takes leaves
     * the spool, also when it takes it after the round stopped waiting. A round stops at the first that is not taken
     * in time (the broker is still away), and the next round starts only once the producer is done with that one,
     * so one kept event is never in the producer's hands twice. An event whose answer came too late may still
     * reach the broker twice, which its id tells consumers.
     */
    @Scheduled(every = "${syncvault.events.spool-retry:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resendKept() {
        if (!resending.isDone()) {
            return; // the last round's event is still with the producer
        }
        List<Path> kept;
        try {
            kept = spool.pending(RESEND_PER_ROUND);
        } catch (IOException e) {
            LOG.warnf("cannot read the event spool %s: %s", spool.dir(), e.toString());
            return;
        }
        int sent = 0;
        for (Path file : kept) {
            EventSpool.Spooled event;
            try {
                event = spool.read(file);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("kept event %s cannot be read (%s); set aside", file, e.toString());
                setAside(file);
                continue;
            }
            CompletableFuture<Void> acked = new CompletableFuture<>();
            resending = acked;
            acked.thenRun(() -> forget(file));
            long deadline = System.nanoTime() + RESEND_WAIT.toNanos();
            send(event, acked, deadline);
            try {
                acked.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                sent++;
            } catch (ExecutionException | TimeoutException e) {
                LOG.infof("kept events wait for Kafka (%s); %d sent this round", e.toString(), sent);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (sent > 0) {
            LOG.infof("%d kept event(s) sent to Kafka", sent);
        }
    }

    /** Removes a kept event the broker took. */
    private void forget(Path file) {
        try {
            spool.remove(file);
        } catch (IOException e) {
            LOG.warnf("kept event %s was sent but stays in the spool (%s); it will be sent again", file, e.toString());
        }
    }

    private void setAside(Path file) {
        try {
            spool.setAside(file);
        } catch (IOException e) {
            LOG.errorf("cannot set %s aside: %s", file, e.toString());
        }
    }

    /**
     * When a request's events are sent and their broker acknowledgements awaited: at once
     * ({@link #now()}, one change, durable when it is announced) or all together at the end
     * ({@link #later()}, a batch: {@link #awaitAll()} sends them in order, after the batch's
     * writes were made durable together, then waits). Waiting is bounded; an event that is not
     * confirmed is logged, since the change itself is durable and a consumer that missed the
     * event sees it in its next listing.
     */
    public static final class Acks {
        private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
        private final boolean immediate;
        /** Events not sent yet, in order (one key may be written twice in a batch: both are announced). */
        private final List<Unsent> unsent = new ArrayList<>();
        private EventSpool spool;

        /** An event to send: {@code send} is given the time (nanoTime) by which it must have found room. */
        private record Unsent(String what, EventSpool.Spooled event, LongFunction<Sent> send) {
        }

        private Acks(boolean immediate) {
            this.immediate = immediate;
        }

        public static Acks now() {
            return new Acks(true);
        }

        public static Acks later() {
            return new Acks(false);
        }

        void add(String what, EventSpool spool, EventSpool.Spooled event, LongFunction<Sent> send) {
            this.spool = spool;
            unsent.add(new Unsent(what, event, send));
            if (immediate) {
                awaitAll();
            }
        }

        /**
         * Sends every event added so far, in order (each as room comes free), then waits for them: at most a few
         * seconds for each {@link #IN_FLIGHT} events. They are noted in the spool as on their way first, until each
         * was taken or kept, so a crash of the gateway meanwhile does not lose them.
         */
        public void awaitAll() {
            if (unsent.isEmpty()) {
                return;
            }
            CompletableFuture<Void> allSettled = new CompletableFuture<>();
            spool.inFlight(unsent.stream().map(Unsent::event).toList(), allSettled);
            long deadline = System.nanoTime() + WAIT_NANOS * (1 + unsent.size() / IN_FLIGHT);
            List<Sent> sent = new ArrayList<>();
            try {
                for (Unsent event : unsent) {
                    sent.add(event.send().apply(deadline));
                }
            } finally {
                CompletableFuture.allOf(sent.stream().map(Sent::settled).toArray(CompletableFuture[]::new))
                        .whenComplete((done, failure) -> allSettled.complete(null));
            }
            for (int i = 0; i < sent.size(); i++) {
                await(unsent.get(i).what(), sent.get(i).acked(), deadline);
            }
            unsent.clear();
        }

        private static void await(String what, CompletableFuture<Void> acked, long deadline) {
            try {
                acked.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warnf("event %s not confirmed by Kafka yet (%s); kept and sent again if the broker refuses it", what,
                        e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
