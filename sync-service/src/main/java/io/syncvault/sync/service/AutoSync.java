package io.syncvault.sync.service;

import io.quarkus.scheduler.Scheduled;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.config.SyncConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
 */
@ApplicationScoped
public class AutoSync {

    private final SyncEngine engine;
    private final SyncConfig config;
    private final Map<UUID, Boolean> pendingPush = new ConcurrentHashMap<>();
    private final ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sync-push-debounce");
        t.setDaemon(true);
        return t;
    });

    public AutoSync(SyncEngine engine, SyncConfig config) {
        this.engine = engine;
        this.config = config;
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
    }

    /** Enabled items with an interval whose last run started at least one interval ago (or never ran). */
    List<UUID> due() {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> SyncItem.<SyncItem>list("enabled = true and intervalSeconds > 0").stream()
                .filter(item -> !engine.isRunning(item.id))
                .filter(item -> {
                    SyncRun last = SyncRun.find("itemId = ?1 order by startedAt desc", item.id).firstResult();
                    return last == null || last.startedAt.plusSeconds(item.intervalSeconds).isBefore(now);
                })
                .map(item -> item.id).toList());
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
