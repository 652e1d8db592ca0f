package io.syncvault.outbox;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.platform.CloudEventMessages;
import io.syncvault.platform.DbClock;
import io.syncvault.platform.PoolRecovery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.persistence.EntityManager;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Sends outbox events to Kafka in the order they were written and marks each one sent only
 * after the broker acknowledged it. Runs right after a commit that added events, and on a
 * timer for whatever a crash or a broker outage left behind. Rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED}, so several instances can relay without sending twice.
 * A crash between the broker's ack and the commit re-sends an event with the same id:
 * delivery is at least once and consumers dedupe on {@code ce_id}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 1000;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final EntityManager em;
    private final Emitter<String> emitter;
    private final ManagedExecutor executor;
    private final URI source;
    private final Duration keepSent;
    private final DbClock clock;
    private final PoolRecovery pool;
    private final ReentrantLock relaying = new ReentrantLock();
    private final AtomicBoolean more = new AtomicBoolean();
    /**
     * The acknowledgements of the last batch sent. While one is outstanding (the broker is down: the producer holds
     * the messages until its delivery timeout) no further batch is sent: the rows waiting would otherwise go into
     * the emitter's buffer again every round until it overflows, and an overflow fails the emitter for good.
     */
    private volatile List<CompletableFuture<Void>> outstanding = List.of();

    public OutboxRelay(EntityManager em,
            @Channel("events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2 * BATCH) Emitter<String> emitter,
            ManagedExecutor executor, EventsConfig config, DbClock clock, PoolRecovery pool) {
        this.clock = clock;
        this.pool = pool;
        this.em = em;
        this.emitter = emitter;
        this.executor = executor;
        this.source = URI.create(config.source());
        this.keepSent = config.keepSent();
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxEvent written) {
        executor.runAsync(this::relayPending);
    }

    @Scheduled(every = "${syncvault.events.relay-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void onTimer() {
        relayPending();
    }

    /** Relays until nothing unsent is left; one relay at a time in this instance. */
    public void relayPending() {
        more.set(true);
        if (!relaying.tryLock()) {
            return;
        }
        try {
            while (more.getAndSet(false)) {
                while (relayBatch() == BATCH) {
                    // a full batch went out: there may be more
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("outbox relay stopped, will retry: %s", e.getMessage());
            // the relay asks the database every second: after a restart of it, it is often the first to find the
            // pool's connections dead, and has the pool drop them before a request fails on one
            pool.failed(e);
        } finally {
            relaying.unlock();
        }
    }

    /** Sends one batch; returns how many were acknowledged and marked sent. */
    int relayBatch() {
        if (outstanding.stream().anyMatch(f -> !f.isDone())) {
            return 0;
        }
        return QuarkusTransaction.requiringNew().timeout((int) ACK_TIMEOUT.toSeconds() + 30).call(() -> {
            @SuppressWarnings("unchecked")
            List<OutboxEvent> batch = em.createNativeQuery(
                    "select * from outbox_event where sent_at is null order by created_at, id limit :n for update skip locked",
                    OutboxEvent.class).setParameter("n", BATCH).getResultList();
            List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
            for (OutboxEvent e : batch) {
                CompletableFuture<Void> acked = new CompletableFuture<>();
                emitter.send(CloudEventMessages.of(e.id.toString(), source, e.type, e.topic, e.subject,
                        e.createdAt, e.payload, acked));
                if (e.alsoTopic != null) {
                    // the companion's id is derived from the row's, so a re-send repeats it and consumers dedupe
                    CompletableFuture<Void> alsoAcked = new CompletableFuture<>();
                    emitter.send(CloudEventMessages.of(companionId(e.id), source, e.alsoType, e.alsoTopic, e.subject,
                            e.createdAt, e.alsoPayload, alsoAcked));
                    acked = CompletableFuture.allOf(acked, alsoAcked);
                }
                acks.add(acked);
            }
            outstanding = acks;
            long deadline = System.nanoTime() + ACK_TIMEOUT.toNanos();
            Instant now = clock.now();
            List<UUID> sent = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                try {
                    acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    sent.add(batch.get(i).id);
                } catch (Exception failure) {
                    LOG.warnf("event %s not acknowledged yet (%s); it stays in the outbox", batch.get(i).id,
                            failure.getMessage());
                }
            }
            if (!sent.isEmpty()) {
                // one statement for the whole batch (bulk reconciles relay thousands of events)
                em.createQuery("update OutboxEvent e set e.sentAt = :now where e.id in :ids")
                        .setParameter("now", now).setParameter("ids", sent).executeUpdate();
            }
            return sent.size();
        });
    }

    /** The CloudEvent id of a row's companion record: stable for the row, distinct from every row id. */
    public static String companionId(UUID rowId) {
        return UUID.nameUUIDFromBytes((rowId + "/also").getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    /** Sent events are kept a while for inspection, then removed. */
    @Scheduled(every = "10m", delayed = "1m", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purgeSent() {
        QuarkusTransaction.requiringNew().run(() -> em
                .createQuery("delete from OutboxEvent e where e.sentAt < :before")
                .setParameter("before", clock.now().minus(keepSent))
                .executeUpdate());
    }
}
