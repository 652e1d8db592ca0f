package io.syncvault.sync.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.syncvault.platform.DbClock;
import io.syncvault.sync.SyncConflict;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncResult;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.events.SyncEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The database side of a run, each call its own transaction: starting a run (one RUNNING row
 * per item, enforced by a unique index), committing batches of journal changes together with
 * their events and the run's progress, and finishing it. Its times are the database's ({@link DbClock}).
 */
@ApplicationScoped
public class RunLedger {

    /** One event to add with a batch. */
    public record Event(String type, Object data) {
    }

    private final EntityManager em;
    private final JournalStore journal;
    private final SyncEvents events;
    private final DbClock clock;

    public RunLedger(EntityManager em, JournalStore journal, SyncEvents events, DbClock clock) {
        this.em = em;
        this.journal = journal;
        this.events = events;
        this.clock = clock;
    }

    /** A run just started, and the item's settings it runs with. */
    public record Started(SyncRun run, ItemSnapshot item) {
    }

    /**
     * Inserts a RUNNING run and its sync_started event, and reads the settings the run goes by; null when the item
     * already has a live run, or is gone. The item's row is locked meanwhile, as a change of its folder or prefix
     * locks it (which clears the journal and is refused during a run): so a run never goes by settings other than
     * those its journal was kept for.
     */
    public Started start(UUID itemId, String trigger, String node, Duration staleAfter) {
        QuarkusTransaction.requiringNew().run(() -> {
            Instant now = clock.now();
            em.createQuery("update SyncRun r set r.status = :failed,"
                    + " r.error = 'interrupted: no heartbeat', r.finishedAt = :now where r.itemId = :item"
                    + " and r.status = :running and r.heartbeatAt < :stale")
                    .setParameter("failed", SyncRun.FAILED).setParameter("now", now)
                    .setParameter("item", itemId).setParameter("running", SyncRun.RUNNING)
                    .setParameter("stale", now.minus(staleAfter)).executeUpdate();
        });
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                SyncItem item = em.find(SyncItem.class, itemId, LockModeType.PESSIMISTIC_WRITE);
                if (item == null || SyncRun.count("itemId = ?1 and status = ?2", itemId, SyncRun.RUNNING) > 0) {
                    return null;
                }
                SyncRun run = new SyncRun();
                run.id = UUID.randomUUID();
                run.itemId = itemId;
                run.trigger = trigger;
                run.node = node;
                run.status = SyncRun.RUNNING;
                run.startedAt = clock.now();
                run.heartbeatAt = run.startedAt;
                run.persist();
                em.flush();
                events.add(SyncEvents.SYNC_STARTED, itemId, Map.of("runId", run.id.toString(), "trigger", trigger));
                return new Started(run, ItemSnapshot.of(item));
            });
        } catch (PersistenceException e) {
            // the unique index saw another instance's RUNNING row first
            return null;
        }
    }

    /** Renews the heartbeat of these runs, those still RUNNING. */
    public void renewHeartbeats(Set<UUID> runIds) {
        QuarkusTransaction.requiringNew().run(() -> em.createQuery("update SyncRun r set r.heartbeatAt = :now"
                + " where r.id in :ids and r.status = :running")
                .setParameter("now", clock.now()).setParameter("ids", runIds).setParameter("running", SyncRun.RUNNING)
                .executeUpdate());
    }

    /** Marks this node's RUNNING runs as interrupted (the process that ran them is gone). */
    public int interruptedOnStartup(String node) {
        return QuarkusTransaction.requiringNew().call(() -> em.createQuery("update SyncRun r set r.status = :failed,"
                + " r.error = 'interrupted: the service stopped during the run', r.finishedAt = :now"
                + " where r.node = :node and r.status = :running")
                .setParameter("failed", SyncRun.FAILED).setParameter("now", clock.now())
                .setParameter("node", node).setParameter("running", SyncRun.RUNNING).executeUpdate());
    }

    public void setTotals(UUID runId, long files, long bytes) {
        QuarkusTransaction.requiringNew().run(() -> {
            // the clock first: its query flushes the session, and a change made before it would be a second UPDATE
            Instant now = clock.now();
            SyncRun run = SyncRun.findById(runId);
            run.filesTotal = files;
            run.bytesTotal = bytes;
            run.heartbeatAt = now;
        });
    }

    /** Commits journal changes, their events and the run's progress together. */
    public void commitBatch(UUID itemId, UUID runId, Map<String, JournalState> upserts, List<String> removals,
            List<Event> batchEvents, long filesDone, long bytesDone) {
        QuarkusTransaction.requiringNew().run(() -> {
            journal.upsert(itemId, upserts);
            journal.remove(itemId, removals);
            for (Event e : batchEvents) {
                events.add(e.type(), itemId, e.data());
            }
            em.createQuery("update SyncRun r set r.filesDone = :f, r.bytesDone = :b, r.heartbeatAt = :now where r.id = :id")
                    .setParameter("f", filesDone).setParameter("b", bytesDone).setParameter("now", clock.now())
                    .setParameter("id", runId).executeUpdate();
        });
    }

    /** Stores a conflict for a decision unless one is already open for the path; returns its id. */
    public UUID recordConflict(UUID itemId, UUID runId, String path, FileState local, FileState remote) {
        return QuarkusTransaction.requiringNew().call(() -> {
            SyncConflict open = SyncConflict.find("itemId = ?1 and path = ?2 and appliedAt is null", itemId, path).firstResult();
            if (open != null) {
                return open.id;
            }
            SyncConflict c = new SyncConflict();
            c.id = UUID.randomUUID();
            c.itemId = itemId;
            c.path = path;
            c.localState = state(local);
            c.remoteState = state(remote);
            c.detectedAt = clock.now();
            c.persist();
            Map<String, Object> data = new java.util.LinkedHashMap<>();
            data.put("runId", runId.toString());
            data.put("conflictId", c.id.toString());
            data.put("path", path);
            data.put("strategy", "MANUAL");
            data.put("local", c.localState);
            data.put("remote", c.remoteState);
            events.add(SyncEvents.CONFLICT_DETECTED, itemId, data);
            return c.id;
        });
    }

    /** Open conflicts of an item (resolved or not, not yet carried out). */
    public List<SyncConflict> openConflicts(UUID itemId) {
        return QuarkusTransaction.requiringNew().call(() -> SyncConflict.<SyncConflict>list("itemId = ?1 and appliedAt is null", itemId));
    }

    /** Marks a conflict carried out (or settled outside) and announces it. */
    public void conflictApplied(UUID itemId, UUID runId, UUID conflictId, String path, String resolution) {
        QuarkusTransaction.requiringNew().run(() -> {
            SyncConflict c = SyncConflict.findById(conflictId);
            c.appliedAt = clock.now();
            Map<String, Object> data = new java.util.LinkedHashMap<>();
            data.put("runId", runId.toString());
            data.put("conflictId", conflictId.toString());
            data.put("path", path);
            data.put("resolution", resolution == null ? "SETTLED" : resolution);
            events.add(SyncEvents.CONFLICT_RESOLVED, itemId, data);
        });
    }

    public void finish(UUID runId, UUID itemId, String status, SyncResult result, String error, List<Event> finalEvents) {
        QuarkusTransaction.requiringNew().run(() -> {
            Instant now = clock.now(); // first, as in setTotals
            SyncRun run = SyncRun.findById(runId);
            run.status = status;
            run.result = result;
            run.error = error;
            run.finishedAt = now;
            run.heartbeatAt = now;
            if (!SyncRun.FAILED.equals(status)) {
                // the run listed the store after these changes: the pushes they owed are paid (see AutoSync)
                em.createNativeQuery("delete from pending_push where item_id = ?1 and since <= ?2")
                        .setParameter(1, itemId).setParameter(2, run.startedAt).executeUpdate();
            }
            for (Event e : finalEvents) {
                events.add(e.type(), itemId, e.data());
            }
        });
    }

    static Map<String, Object> state(FileState s) {
        if (s == null) {
            return null;
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("size", s.size());
        m.put("mtime", s.mtime());
        m.put("sha256", s.sha256());
        if (s.versionTag() != null) {
            m.put("versionTag", s.versionTag());
        }
        return m;
    }
}
