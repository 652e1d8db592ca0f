package io.syncvault.sync.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.platform.DbClock;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.config.SyncConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts runs without being asked: each enabled item with an interval when its last run started
 * longer ago than that, and each enabled item whose remote prefix someone else changed (push),
 * after a short debounce so that a burst of changes makes one run.
 *
 * <p>A push owed is also a row ({@code pending_push}, written with the storage event's record) until
 * a run that started after the change ends other than FAILED. The debounce timer is the quick way;
 * the scheduler's tick starts the pushes still owed two debounces after the change that no run has
 * started for (the service stopped during the debounce, or another instance ran the item), and
 * tries again, backing off, a push whose run failed (see {@link #pushesOwed}).
 */
@ApplicationScoped
public class AutoSync {

    static final long PUSH_RETRY_SECONDS = 60;

    private final SyncEngine engine;
    private final SyncConfig config;
    private final EntityManager em;
    private final DbClock clock;
    private final Map<UUID, Boolean> pendingPush = new ConcurrentHashMap<>();
    private final ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sync-push-debounce");
        t.setDaemon(true);
        return t;
    });

    public AutoSync(SyncEngine engine, SyncConfig config, EntityManager em, DbClock clock) {
        this.engine = engine;
        this.config = config;
        this.em = em;
        this.clock = clock;
    }

    @PreDestroy
    void stop() {
        debounce.shutdownNow();
    }

    @Scheduled(every = "${syncvault.sync.scheduler-tick:5s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        for (UUID id : due()) {
            engine.startOrQueue(id, "SCHEDULE");
        }
        for (UUID id : pushesOwed()) {
            engine.startOrQueue(id, "PUSH");
        }
    }

    /**
     * Records, in the caller's transaction, that the item owes a run for a change seen now (by the database's clock,
     * which also times the runs: {@link DbClock}). The latest change counts: a run that started between an earlier
     * change and this one pays only the earlier.
     */
    public void owePush(UUID item) {
        em.createNativeQuery("insert into pending_push (item_id, since) values (?1, clock_timestamp()) on conflict (item_id)"
                + " do update set since = greatest(pending_push.since, excluded.since)")
                .setParameter(1, item).executeUpdate();
    }

    /**
     * Items that owe a push no run is under way for: their change is older than two debounces (the debounce timer
     * had its turn), no live run (RUNNING with a recent heartbeat), and no run started since the change, or the last
     * did and failed, at least {@value #PUSH_RETRY_SECONDS} s ago and before half the time since the change had
     * passed (a backoff: a push that keeps failing is tried about a dozen times on its first day). Rows of items
     * that are gone or disabled are dropped.
     */
    @SuppressWarnings("unchecked")
    List<UUID> pushesOwed() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            em.createNativeQuery("delete from pending_push p where not exists"
                    + " (select 1 from sync_item i where i.id = p.item_id and i.enabled)").executeUpdate();
            List<UUID> owed = em.createNativeQuery("select p.item_id from pending_push p where p.since < ?1"
                    + " and not exists (select 1 from sync_run r where r.item_id = p.item_id"
                    + " and (r.status = 'RUNNING' and r.heartbeat_at > ?4"
                    + " or r.started_at > greatest(p.since, ?2, p.since + (cast(?3 as timestamptz) - p.since) / 2)))",
                    UUID.class)
                    .setParameter(1, now.minus(config.pushDebounce().multipliedBy(2)))
                    .setParameter(2, now.minusSeconds(PUSH_RETRY_SECONDS)).setParameter(3, now)
                    .setParameter(4, now.minus(config.staleRunAfter())).getResultList();
            return owed.stream().filter(id -> !engine.isRunning(id) && !pendingPush.containsKey(id)).toList();
        });
    }

    /** Enabled items with an interval whose last run started at least one interval ago (or never ran). */
    List<UUID> due() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.now();
            return SyncItem.<SyncItem>list("enabled = true and intervalSeconds > 0").stream()
                    .filter(item -> !engine.isRunning(item.id))
                    .filter(item -> {
                        SyncRun last = SyncRun.find("itemId = ?1 order by startedAt desc", item.id).firstResult();
                        return last == null || last.startedAt.plusSeconds(item.intervalSeconds).isBefore(now);
                    })
                    .map(item -> item.id).toList();
        });
    }

    /** The enabled items that read from the store, refreshed at most every 2 s: most storage events concern none of them. */
    private volatile List<Watch> watches = List.of();
    private volatile long watchesAt;

    /** What push needs of an enabled item. */
    record Watch(UUID id, String store, String listPrefix) {
    }

    private List<Watch> watches() {
        if (System.nanoTime() - watchesAt > 2_000_000_000L) {
            watches = QuarkusTransaction.requiringNew().call(() -> SyncItem.<SyncItem>list("enabled = true").stream()
                    .filter(item -> item.direction.writesLocal())
                    .map(item -> new Watch(item.id, item.store, item.listPrefix())).toList());
            watchesAt = System.nanoTime();
        }
        return watches;
    }

    /** The enabled items that read {@code store}/{@code key} and did not make the change themselves. */
    public List<UUID> interested(String store, String key, String origin) {
        return watches().stream()
                .filter(w -> w.store().equals(store) && key.startsWith(w.listPrefix()))
                .filter(w -> !w.id().toString().equals(origin))
                .map(Watch::id).toList();
    }

    /**
     * Schedules a debounced run of each item (one pending run per item at most). When another instance runs the item
     * then, the push waits another debounce and tries again, until a run starts after the change: that instance's
     * run may have listed the store before it, and an item without an interval has no later run to catch it.
     */
    public void schedulePush(List<UUID> items) {
        for (UUID id : items) {
            if (pendingPush.putIfAbsent(id, Boolean.TRUE) == null) {
                debounce.schedule(() -> {
                    pendingPush.remove(id);
                    if (!engine.startOrQueue(id, "PUSH")) {
                        schedulePush(List.of(id));
                    }
                }, config.pushDebounce().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}
