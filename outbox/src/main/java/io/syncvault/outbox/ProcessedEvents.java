package io.syncvault.outbox;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.platform.DbClock;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;

/**
 * The ids of the incoming events a service has applied ({@code processed_event}, beside the outbox in each
 * service's database). A consumer inserts an event's {@code ce_id} in the transaction that applies it and skips
 * an event whose id is there, since delivery is at least once.
 *
 * <p>An event comes again within moments (a batch whose offsets were not committed yet), or, for a consumer
 * group away for longer than the broker keeps its offsets (7 days by default), from its reset position. The
 * sync- and backup-service then start from the latest record. The state-service starts from the earliest
 * record of its compacted topic, and reconciles those states by their clocks, so a state applied twice
 * changes nothing. Ids recorded more than {@code syncvault.events.keep-processed} ago are therefore removed,
 * hourly and in batches, instead of the table growing for as long as the service runs.
 */
@ApplicationScoped
public class ProcessedEvents {

    /** Rows removed per transaction: a purge never holds one long transaction over a large table. */
    static final int BATCH = 10_000;

    private final EntityManager em;
    private final DbClock clock;
    private final Duration keep;

    public ProcessedEvents(EntityManager em, DbClock clock, EventsConfig config) {
        this.em = em;
        this.clock = clock;
        this.keep = config.keepProcessed();
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purgeOld() {
        purgeBefore(clock.now().minus(keep), BATCH);
    }

    /** Removes the ids recorded before {@code before}, at most {@code batch} rows per transaction; returns how many went. */
    public long purgeBefore(Instant before, int batch) {
        long removed = 0;
        while (true) {
            int n = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                    "delete from processed_event where id in"
                            + " (select id from processed_event where processed_at < ?1 limit ?2)")
                    .setParameter(1, before).setParameter(2, batch).executeUpdate());
            removed += n;
            if (n < batch) {
                return removed;
            }
        }
    }
}
