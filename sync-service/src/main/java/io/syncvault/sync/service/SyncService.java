package io.syncvault.sync.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.syncvault.platform.PageCursor;
import io.syncvault.platform.ProblemException;
import io.syncvault.sync.SyncConflict;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.client.GatewayException;
import io.syncvault.sync.client.ObjectVersion;
import io.syncvault.sync.client.RemoteObject;
import io.syncvault.sync.client.StorageGatewayClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What the API asks of sync: start runs, read runs and status, resolve conflicts, list and restore versions. */
@ApplicationScoped
public class SyncService {

    /** An item's state for the status endpoint. */
    public record ItemStatus(UUID itemId, String name, String state, SyncRun currentRun, SyncRun lastRun) {
    }

    /** How often a long poll re-reads a run that another instance executes. */
    static final Duration WAIT_POLL = Duration.ofMillis(200);

    private final SyncEngine engine;
    private final SyncItemService items;
    private final StorageGatewayClient gateway;

    public SyncService(SyncEngine engine, SyncItemService items, StorageGatewayClient gateway) {
        this.engine = engine;
        this.items = items;
        this.gateway = gateway;
    }

    /** Starts a run; 409 when the item is already syncing. */
    public UUID run(UUID itemId, String trigger) {
        return engine.start(itemId, trigger).orElseThrow(() -> ProblemException.conflict("item " + itemId
                + " is already syncing").with("itemId", itemId.toString()));
    }

    /** Starts a run of every enabled item that is not syncing; returns the run ids started. */
    public List<UUID> runAll() {
        List<UUID> started = new ArrayList<>();
        for (SyncItem item : items.list()) {
            if (item.enabled) {
                engine.start(item.id, "API").ifPresent(started::add);
            }
        }
        return started;
    }

    /** The run as committed now (its own transaction, so a long poll sees the row change). */
    public SyncRun getRun(UUID runId) {
        SyncRun run = QuarkusTransaction.requiringNew().call(() -> SyncRun.<SyncRun>findById(runId));
        if (run == null) {
            throw ProblemException.notFound("no run " + runId);
        }
        return run;
    }

    /**
     * The run once it is no longer RUNNING, or as it is when {@code wait} has passed (a long poll). A run this
     * instance executes is answered the moment it finishes; one another instance executes is read again every
     * {@link #WAIT_POLL}.
     */
    public SyncRun awaitRun(UUID runId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        SyncRun run = getRun(runId);
        while (SyncRun.RUNNING.equals(run.status)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            if (engine.executesHere(runId)) {
                engine.awaitFinish(runId, Duration.ofNanos(left));
            } else if (!pause(Duration.ofNanos(Math.min(left, WAIT_POLL.toNanos())))) {
                break;
            }
            run = getRun(runId);
        }
        return run;
    }

    /** Waits a while for a run executed elsewhere; false when interrupted. */
    private static boolean pause(Duration step) {
        try {
            Thread.sleep(step.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SyncRun> history(UUID itemId, int limit) {
        items.get(itemId);
        return SyncRun.find("itemId = ?1 order by startedAt desc", itemId).page(0, limit).list();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ItemStatus> status() {
        List<ItemStatus> out = new ArrayList<>();
        for (SyncItem item : items.list()) {
            SyncRun current = SyncRun.find("itemId = ?1 and status = ?2", item.id, SyncRun.RUNNING).firstResult();
            SyncRun last = SyncRun.find("itemId = ?1 and status <> ?2 order by startedAt desc", item.id, SyncRun.RUNNING)
                    .firstResult();
            String state = current != null ? "syncing"
                    : last != null && (SyncRun.FAILED.equals(last.status) || SyncRun.ABORTED.equals(last.status)) ? "error" : "idle";
            out.add(new ItemStatus(item.id, item.name, state, current, last));
        }
        return out;
    }

    /**
     * One page of stored conflicts, newest first (detection time, then id): of one item or all ({@code itemId} null),
     * open ones or also those carried out. {@code after} (null for the first page) is the last conflict of the page
     * before; the page starts after it.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SyncConflict> conflicts(UUID itemId, boolean includeApplied, PageCursor.TimeAndId after, int limit) {
        StringBuilder q = new StringBuilder("1 = 1");
        java.util.Map<String, Object> params = new java.util.HashMap<>();
        if (itemId != null) {
            q.append(" and itemId = :item");
            params.put("item", itemId);
        }
        if (!includeApplied) {
            q.append(" and appliedAt is null");
        }
        if (after != null) {
            q.append(" and (detectedAt < :at or (detectedAt = :at and id < :id))");
            params.put("at", after.at());
            params.put("id", after.id());
        }
        q.append(" order by detectedAt desc, id desc");
        return SyncConflict.<SyncConflict>find(q.toString(), params).range(0, limit - 1).list();
    }

    /** Records the decision and starts a run to carry it out (if the item is syncing, its next run does). */
    public Resolved resolve(UUID conflictId, String resolution) {
        SyncConflict c = decide(conflictId, resolution);
        Optional<UUID> run = engine.start(c.itemId, "RESOLVE");
        return new Resolved(c.id, c.itemId, c.path, resolution, run.orElse(null));
    }

    /** The answer to a resolve call: the run that carries it out, or null when the next run will. */
    public record Resolved(UUID conflictId, UUID itemId, String path, String resolution, UUID runId) {
    }

    SyncConflict decide(UUID conflictId, String resolution) {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            SyncConflict c = SyncConflict.findById(conflictId);
            if (c == null) {
                throw ProblemException.notFound("no conflict " + conflictId);
            }
            if (c.appliedAt != null) {
                throw ProblemException.conflict("conflict " + conflictId + " was already settled");
            }
            c.resolution = resolution;
            c.resolvedAt = Instant.now();
            return c;
        });
    }

    public List<ObjectVersion> versions(UUID itemId, String path) {
        SyncItem item = items.get(itemId);
        String key = key(item, path);
        try {
            return gateway.versions(item.store, key);
        } catch (GatewayException.Missing e) {
            throw ProblemException.notFound("no versions of " + path);
        } catch (GatewayException e) {
            throw translate(e);
        }
    }

    /** Makes a kept version current in the store and starts a run that brings it to the local folder. */
    public Restored restore(UUID itemId, String path, String versionId) {
        SyncItem item = items.get(itemId);
        String key = key(item, path);
        RemoteObject restored;
        try {
            restored = gateway.restore(item.store, key, versionId);
        } catch (GatewayException.Missing e) {
            throw ProblemException.notFound("no version " + versionId + " of " + path);
        } catch (GatewayException e) {
            throw translate(e);
        }
        UUID runId = item.direction.writesLocal() ? engine.start(itemId, "RESTORE").orElse(null) : null;
        return new Restored(path, restored.versionTag(), restored.size(), restored.sha256(), runId);
    }

    /** The answer to a restore call. */
    public record Restored(String path, String versionTag, long size, String sha256, UUID runId) {
    }

    private static String key(SyncItem item, String path) {
        if (path == null || path.isBlank()) {
            throw ProblemException.badRequest("path is required");
        }
        String key = item.keyOf(path);
        String problem = ObjectKeys.problem(key);
        if (problem != null) {
            throw ProblemException.badRequest("path: " + problem);
        }
        return key;
    }

    private static ProblemException translate(GatewayException e) {
        if (e instanceof GatewayException.Unavailable) {
            return ProblemException.unavailable("the storage gateway is not available: " + e.getMessage());
        }
        return new ProblemException(502, "gateway-refused", "Bad gateway", e.getMessage());
    }
}
