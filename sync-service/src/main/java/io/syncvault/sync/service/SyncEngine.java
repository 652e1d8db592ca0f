package io.syncvault.sync.service;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.sync.ConflictStrategy;
import io.syncvault.platform.FileSystemFlush;
import io.syncvault.platform.ProblemException;
import io.syncvault.sync.SyncConflict;
import io.syncvault.sync.SyncResult;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.client.GatewayException;
import io.syncvault.sync.client.ListPage;
import io.syncvault.sync.client.RemoteObject;
import io.syncvault.sync.client.StorageGatewayClient;
import io.syncvault.sync.config.SyncConfig;
import io.syncvault.sync.events.SyncEvents;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.jboss.logging.Logger;

/**
 * Runs sync items: snapshot the local folder, list the remote prefix, compute the three-way
 * delta and carry it out with bounded parallelism. Every transfer is guarded: uploads name the
 * version they replace ({@code If-Match}) or are create-only, downloads land in a temp file that
 * is verified, dated and renamed into place only if the local file is still what the plan saw.
 * The journal is committed in small batches as steps succeed, so a run killed at any point and
 * started again converges without transferring again what already made it (a step done but not
 * yet journaled is found with the same content on both sides and only journaled).
 */
@ApplicationScoped
public class SyncEngine {

    private static final Logger LOG = Logger.getLogger(SyncEngine.class);
    private static final int MAX_NOTES = 1000;
    private static final int BATCHES_PER_WORKER = 4;
    private static final int MIN_BATCH_FILES = 32;
    /** Requests of one batch in all, when one fails as a whole for a reason worth another try. */
    static final int BATCH_ATTEMPTS = 3;
    /** What {@code running} holds for an item whose run is being started (it has no id yet). */
    private static final UUID STARTING = new UUID(0, 0);

    private final SyncConfig config;
    private final StorageGatewayClient gateway;
    private final JournalStore journal;
    private final RunLedger ledger;
    private final SyncItemService items;
    private final String node;
    private final Map<UUID, UUID> running = new ConcurrentHashMap<>();
    private final Set<UUID> runAgain = ConcurrentHashMap.newKeySet();
    /** Runs executing here, completed when their final row is committed (for callers that wait on a run). */
    private final Map<UUID, CompletableFuture<Void>> finishing = new ConcurrentHashMap<>();
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicLong folderSyncs = new AtomicLong();
    private final AtomicLong fileSystemFlushes = new AtomicLong();
    private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sync-run-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    public SyncEngine(SyncConfig config, StorageGatewayClient gateway, JournalStore journal, RunLedger ledger,
            SyncItemService items) {
        this.config = config;
        this.gateway = gateway;
        this.journal = journal;
        this.ledger = ledger;
        this.items = items;
        this.node = config.node().orElseGet(SyncEngine::hostName);
    }

    /** How many folder fsyncs runs have made (tests). */
    public long folderSyncs() {
        return folderSyncs.get();
    }

    /** How many file-system flushes made batch downloads durable (tests). */
    public long fileSystemFlushes() {
        return fileSystemFlushes.get();
    }

    private void fsyncFolder(Path folder) {
        folderSyncs.incrementAndGet();
        try (FileChannel d = FileChannel.open(folder, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a folder; the rename itself is still atomic
        }
    }

    void onStart(@Observes StartupEvent e) {
        int n = ledger.interruptedOnStartup(node);
        if (n > 0) {
            LOG.infof("%d run(s) of node %s were interrupted by a stop; their items converge on their next run", n, node);
        }
    }

    @PreDestroy
    void stop() {
        runs.shutdownNow();
    }

    public String node() {
        return node;
    }

    public boolean isRunning(UUID itemId) {
        return running.containsKey(itemId);
    }

    /** Whether this instance executes the run (it has not finished yet). */
    public boolean executesHere(UUID runId) {
        return finishing.containsKey(runId);
    }

    /** Waits until a run this instance executes has finished (its final row committed), at most {@code timeout}. */
    public void awaitFinish(UUID runId, Duration timeout) {
        CompletableFuture<Void> done = finishing.get(runId);
        if (done == null) {
            return;
        }
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still running (it is never completed exceptionally): the caller reads the run as it is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Renews the heartbeat of every run this instance executes, also while it walks a large folder or sends one large
     * file (progress renews it too, but only between files): a live run is never taken for one whose process died,
     * by another instance starting the item or by a change of the item's folder. Keep {@code stale-run-after} well
     * above this interval.
     */
    @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void heartbeats() {
        Set<UUID> live = new HashSet<>(running.values());
        live.remove(STARTING);
        if (!live.isEmpty()) {
            ledger.renewHeartbeats(live);
        }
    }

    /** Starts a run of the item in the background; empty when the item is already syncing (here or elsewhere). */
    public Optional<UUID> start(UUID itemId, String trigger) {
        // its own transaction (runs are also started from scheduler, debounce and run threads): 404 for no such item
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> items.get(itemId));
        if (running.putIfAbsent(itemId, STARTING) != null) {
            return Optional.empty();
        }
        RunLedger.Started started;
        try {
            started = ledger.start(itemId, trigger, node, config.staleRunAfter());
        } catch (RuntimeException e) {
            running.remove(itemId);
            throw e;
        }
        if (started == null) {
            running.remove(itemId);
            return Optional.empty();
        }
        SyncRun run = started.run();
        ItemSnapshot snapshot = started.item();
        running.put(itemId, run.id);
        CompletableFuture<Void> done = new CompletableFuture<>();
        finishing.put(run.id, done);
        runs.submit(() -> {
            try {
                execute(snapshot, run.id);
            } finally {
                finishing.remove(run.id);
                done.complete(null);
                running.remove(itemId);
                if (runAgain.remove(itemId)) {
                    startQuietly(itemId, "PUSH");
                }
            }
        });
        return Optional.of(run.id);
    }

    /**
     * Starts a run unless one is going; if one is going here, another starts when it ends (a change arrived during
     * it). False when another instance runs the item (see {@link #startQuietly}).
     */
    public boolean startOrQueue(UUID itemId, String trigger) {
        if (running.containsKey(itemId)) {
            runAgain.add(itemId);
            if (running.containsKey(itemId)) {
                return true;
            }
            runAgain.remove(itemId);
        }
        return startQuietly(itemId, trigger);
    }

    /**
     * Starts a run unless one is going; false only when another instance runs the item, which this one cannot queue
     * a run behind (a failure to start, such as an item deleted, is logged and counts as handled).
     */
    private boolean startQuietly(UUID itemId, String trigger) {
        try {
            return start(itemId, trigger).isPresent() || running.containsKey(itemId);
        } catch (RuntimeException e) {
            LOG.warnf("could not start a %s run of item %s: %s", trigger, itemId, e.getMessage());
            return true;
        }
    }

    // ---------- one run ----------

    void execute(ItemSnapshot item, UUID runId) {
        long t0 = System.nanoTime();
        RunState st = new RunState(item.id(), runId);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, config.parallelism()));
        try {
            Path root;
            try {
                root = items.roots().confine(item.localPath(), false);
            } catch (ProblemException e) {
                throw new IllegalStateException("local folder unusable: " + e.getMessage());
            }
            if (!root.toString().equals(item.localPath())) {
                throw new IllegalStateException("local folder " + item.localPath() + " now resolves to " + root
                        + " (a symlink was put in its place); refusing to sync");
            }
            Map<String, JournalState> j = new HashMap<>(journal.load(item.id()));
            PathFilter filter = item.filter();
            long tScan = System.nanoTime();
            // the remote listing (the gateway's work) runs while this thread walks the local folder
            CompletableFuture<Map<String, FileState>> listing = CompletableFuture.supplyAsync(() -> listRemote(item, st), pool);
            LocalScanner.Snapshot snap;
            try {
                snap = LocalScanner.scan(root, j, filter, item.listPrefix(), pool);
                st.names = snap.names();
            } catch (RuntimeException | Error e) {
                listing.cancel(false);
                throw e;
            }
            long tList = System.nanoTime();
            Map<String, FileState> remote = joined(listing);
            long tPlan = System.nanoTime();
            Map<String, FileState> local = new HashMap<>(snap.files());
            for (var p : snap.protectedPaths().entrySet()) {
                st.skip(p.getKey(), p.getValue());
            }
            remote.keySet().removeIf(snap::isProtected);
            j.keySet().removeIf(snap::isProtected);
            local.keySet().removeIf(st.protectedRemote::contains);
            j.keySet().removeIf(st.protectedRemote::contains);

            List<SyncConflict> open = ledger.openConflicts(item.id());
            Map<String, ConflictStrategy> resolutions = new HashMap<>();
            Set<String> unresolved = new HashSet<>();
            for (SyncConflict c : open) {
                if (c.resolution != null) {
                    resolutions.put(c.path, switch (c.resolution) {
                        case "LOCAL" -> ConflictStrategy.LOCAL_WINS;
                        case "REMOTE" -> ConflictStrategy.REMOTE_WINS;
                        default -> ConflictStrategy.KEEP_BOTH;
                    });
                } else {
                    unresolved.add(c.path);
                }
            }
            SyncOptions options = new SyncOptions(item.direction(), item.strategy(), filter, item.maxDeletePercent(),
                    item.maxFileSize() == null ? Long.MAX_VALUE : item.maxFileSize(), node, Instant.now(), resolutions);
            SyncPlan plan = DeltaCalculator.plan(local, remote, j, options);
            plan.skipped().forEach(s -> st.skip(s.path(), s.reason()));

            if (plan.aborted()) {
                SyncPlan.DeleteGuard g = plan.deleteGuard();
                SyncResult result = st.result(t0, new SyncResult.DeleteGuardReport(g.localDeletes(), g.localFiles(),
                        g.remoteDeletes(), g.remoteFiles(), g.maxPercent()));
                String why = "delete guard: the run would delete " + g.localDeletes() + " of " + g.localFiles()
                        + " local and " + g.remoteDeletes() + " of " + g.remoteFiles() + " remote files, more than "
                        + g.maxPercent() + "%; nothing was changed";
                ledger.finish(runId, item.id(), SyncRun.ABORTED, result, why, List.of(
                        new RunLedger.Event(SyncEvents.DELETE_GUARD_TRIPPED, eventData(runId, "guard", result.deleteGuard())),
                        new RunLedger.Event(SyncEvents.SYNC_FAILED, failedData(runId, why, result))));
                return;
            }

            long files = 0;
            long bytes = 0;
            for (SyncAction a : plan.actions()) {
                files++;
                bytes += transferBytes(a);
            }
            ledger.setTotals(runId, files, bytes);
            Map<String, Boolean> outcome = new ConcurrentHashMap<>();
            List<Future<?>> futures = new ArrayList<>();
            List<SyncAction> smallUploads = new ArrayList<>();
            List<SyncAction> smallDownloads = new ArrayList<>();
            List<SyncAction> remoteDeletes = new ArrayList<>();
            for (SyncAction a : plan.actions()) {
                if (a.kind() == SyncAction.Kind.RECORD_CONFLICT) {
                    st.conflicts.incrementAndGet();
                    if (!unresolved.contains(a.path())) {
                        ledger.recordConflict(item.id(), runId, a.path(), a.local(), a.remote());
                    }
                    st.done(0);
                    continue;
                }
                if (a.kind() == SyncAction.Kind.DELETE_REMOTE) {
                    remoteDeletes.add(a);
                    continue;
                }
                if (batched(a)) {
                    (a.kind() == SyncAction.Kind.DOWNLOAD ? smallDownloads : smallUploads).add(a);
                    continue;
                }
                futures.add(pool.submit(() -> outcome.put(a.path(), apply(item, root, a, st))));
            }
            for (List<SyncAction> batch : batches(smallUploads, a -> a.local().size())) {
                futures.add(pool.submit(() -> uploadBatch(item, root, batch, st, outcome)));
            }
            for (List<SyncAction> batch : batches(smallDownloads, a -> a.remote().size())) {
                futures.add(pool.submit(() -> downloadBatch(item, root, batch, st, outcome)));
            }
            for (List<SyncAction> batch : batches(remoteDeletes, a -> 0)) {
                futures.add(pool.submit(() -> deleteBatch(item, batch, st, outcome)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            st.removeEmptiedFolders(root);
            st.flush(true);
            long tDone = System.nanoTime();
            LOG.infof("run %s of item %s: scan %d ms (%d files, %d bytes hashed), listing done %d ms later (%d objects), %d steps in %d ms",
                    runId, item.id(), (tList - tScan) / 1_000_000, snap.files().size(), snap.hashedBytes(),
                    (tPlan - tList) / 1_000_000, remote.size(), plan.actions().size(), (tDone - tPlan) / 1_000_000);

            // conflicts: carry out chosen resolutions, close those that went away
            Set<String> stillConflicting = new HashSet<>();
            plan.actions().stream().filter(a -> a.kind() == SyncAction.Kind.RECORD_CONFLICT).forEach(a -> stillConflicting.add(a.path()));
            for (SyncConflict c : open) {
                boolean touchedOk = outcome.getOrDefault(c.path, !st.hasNote(c.path));
                if (c.resolution != null && touchedOk) {
                    ledger.conflictApplied(item.id(), runId, c.id, c.path, c.resolution);
                } else if (c.resolution == null && !stillConflicting.contains(c.path) && touchedOk) {
                    ledger.conflictApplied(item.id(), runId, c.id, c.path, null);
                }
            }
            SyncResult result = st.result(t0, null);
            if (result.errors().isEmpty()) {
                ledger.finish(runId, item.id(), SyncRun.SUCCEEDED, result, null,
                        List.of(new RunLedger.Event(SyncEvents.SYNC_COMPLETED, eventData(runId, "result", result))));
            } else {
                String why = result.errors().size() + " path(s) failed; they are retried on the next run";
                ledger.finish(runId, item.id(), SyncRun.FAILED, result, why,
                        List.of(new RunLedger.Event(SyncEvents.SYNC_FAILED, failedData(runId, why, result))));
            }
        } catch (Throwable e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.warnf(cause, "run %s of item %s failed", runId, item.id());
            try {
                st.flush(true);
            } catch (RuntimeException flushFailed) {
                LOG.warnf("could not save the last journal batch of run %s: %s", runId, flushFailed.getMessage());
            }
            String why = String.valueOf(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            SyncResult result = st.result(t0, null);
            try {
                ledger.finish(runId, item.id(), SyncRun.FAILED, result, why,
                        List.of(new RunLedger.Event(SyncEvents.SYNC_FAILED, failedData(runId, why, result))));
            } catch (RuntimeException ledgerFailed) {
                LOG.errorf(ledgerFailed, "could not record the failure of run %s", runId);
            }
        } finally {
            pool.shutdownNow();
            st.closeFileSystems();
        }
    }

    /** The future's value; its failure is thrown as it was raised (a gateway error stays one). */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private Map<String, FileState> listRemote(ItemSnapshot item, RunState st) {
        Map<String, FileState> remote = new HashMap<>();
        String prefix = item.listPrefix();
        String cursor = null;
        do {
            ListPage page = gateway.list(item.store(), prefix, cursor);
            for (RemoteObject o : page.items()) {
                if (!o.key().startsWith(prefix) || o.key().length() == prefix.length()) {
                    continue;
                }
                String rel = o.key().substring(prefix.length());
                String name = rel.substring(rel.lastIndexOf('/') + 1);
                if (name.startsWith(LocalScanner.TEMP_PREFIX)) {
                    st.protectedRemote.add(rel);
                    st.skip(rel, "remote name is reserved for temp files");
                    continue;
                }
                remote.put(rel, FileState.remote(o.size(), o.mtime(), o.sha256(), o.versionTag()));
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return remote;
    }

    private long transferBytes(SyncAction a) {
        return switch (a.kind()) {
            case UPLOAD -> a.local().size();
            case MOVE_REMOTE -> batched(a) ? a.local().size() : 0;
            case DOWNLOAD -> a.remote().size();
            case KEEP_BOTH -> a.local().size() + a.remote().size();
            default -> 0;
        };
    }

    /** Whether a step travels in a batch with others: uploads (and moves in the store) and downloads of small files. */
    private boolean batched(SyncAction a) {
        long max = config.batch().maxFileBytes();
        return switch (a.kind()) {
            case UPLOAD, MOVE_REMOTE -> a.local().size() <= max;
            case DOWNLOAD -> a.remote().size() <= max;
            default -> false;
        };
    }

    private List<List<SyncAction>> batches(List<SyncAction> steps, ToLongFunction<SyncAction> size) {
        return batches(steps, size, Math.max(1, config.parallelism()), config.batch().maxFiles(), config.batch().maxBytes());
    }

    /**
     * Cuts steps into batches of at most {@code maxFiles} files and {@code maxBytes} bytes, the batches
     * holding the most bytes first. With enough files there are about {@value #BATCHES_PER_WORKER} batches
     * per worker: a worker that finishes early takes the next one, so a run does not end with most workers
     * idle behind a few long batches (with 256-file batches a first sync of 10,000 files ran its last wave
     * of batches on half its workers). A batch still holds at least {@value #MIN_BATCH_FILES} files, as
     * each costs a request and a folder fsync per folder in the gateway, unless that would leave workers
     * without one: the gateway handles the entries of one batch one after the other, so 100 changed files
     * go as 15 batches of 7 on 16 workers rather than one batch on one.
     */
    static List<List<SyncAction>> batches(List<SyncAction> steps, ToLongFunction<SyncAction> size, int workers,
            int maxFiles, long maxBytes) {
        int n = steps.size();
        int spread = (n + workers * BATCHES_PER_WORKER - 1) / (workers * BATCHES_PER_WORKER);
        int floor = Math.min(MIN_BATCH_FILES, (n + workers - 1) / workers);
        int perBatch = Math.max(1, Math.min(maxFiles, Math.max(spread, floor)));
        List<Batch> batches = new ArrayList<>();
        List<SyncAction> batch = new ArrayList<>();
        long bytes = 0;
        for (SyncAction a : steps) {
            long b = size.applyAsLong(a);
            if (!batch.isEmpty() && (batch.size() >= perBatch || bytes + b > maxBytes)) {
                batches.add(new Batch(batch, bytes));
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(a);
            bytes += b;
        }
        if (!batch.isEmpty()) {
            batches.add(new Batch(batch, bytes));
        }
        // a stable sort: batches of equal size keep the plan's order
        batches.sort(Comparator.comparingLong(Batch::bytes).reversed());
        return batches.stream().map(Batch::steps).toList();
    }

    private record Batch(List<SyncAction> steps, long bytes) {
    }

    /** Carries out one step; true when it did what it planned, false when it skipped or failed (noted in the run). */
    private boolean apply(ItemSnapshot item, Path root, SyncAction a, RunState st) {
        try {
            perform(item, root, a, st);
            return succeeded(item, a, st);
        } catch (Exception e) {
            return failed(a.path(), e, st);
        } finally {
            st.maybeFlush();
        }
    }

    private void perform(ItemSnapshot item, Path root, SyncAction a, RunState st) throws IOException {
        String rel = a.path();
        switch (a.kind()) {
            case UPLOAD -> {
                upload(item, root, rel, a.local(), a.remote() == null ? null : a.remote().versionTag(), st);
                st.uploaded.incrementAndGet();
            }
            case DOWNLOAD -> {
                download(item, root, rel, a.local(), a.remote(), st, tmp -> gateway.get(item.store(), item.keyOf(rel), null, tmp));
                st.downloaded.incrementAndGet();
            }
            case DELETE_LOCAL -> deleteLocal(root, rel, a.local(), st);
            case MOVE_LOCAL -> {
                if (!moveLocal(root, a, st)) {
                    // the two names are on different file systems (a mount inside the folder): fetch, then delete
                    download(item, root, rel, null, a.remote(), st, tmp -> gateway.get(item.store(), item.keyOf(rel), null, tmp));
                    st.downloaded.incrementAndGet();
                    deleteLocal(root, a.otherPath(), a.local(), st);
                }
            }
            case MOVE_REMOTE -> moveRemote(item, root, a, st);
            case KEEP_BOTH -> {
                Path file = st.local(root, rel);
                if (!looksLike(file, a.local())) {
                    throw new Skip("local file changed during the run; settled next run");
                }
                Path copy = st.local(root, a.otherPath());
                // as a download lands: never over a file that has that name (a rename would replace it)
                if (!placeNew(file, copy)) {
                    throw new Skip("the conflict copy's name " + a.otherPath() + " is taken; settled next run");
                }
                if (item.direction().writesRemote()) {
                    upload(item, root, a.otherPath(), a.local(), null, st);
                }
                download(item, root, rel, null, a.remote(), st, tmp -> gateway.get(item.store(), item.keyOf(rel), null, tmp));
                st.uploaded.addAndGet(item.direction().writesRemote() ? 1 : 0);
                st.downloaded.incrementAndGet();
            }
            case JOURNAL_UPDATE -> {
                st.journalPut(rel, a.agreedJournal());
                st.journalOnly.incrementAndGet();
            }
            case JOURNAL_REMOVE -> {
                st.journalRemove(rel);
                st.journalOnly.incrementAndGet();
            }
            default -> throw new IllegalStateException("unexpected step " + a.kind());
        }
    }

    /** Counts a step that did what it planned (and reports the conflict it settled). */
    private boolean succeeded(ItemSnapshot item, SyncAction a, RunState st) {
        if (a.conflict()) {
            st.conflicts.incrementAndGet();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("runId", st.runId.toString());
            data.put("path", a.path());
            data.put("strategy", item.strategy().name());
            data.put("outcome", a.kind().name());
            if (a.otherPath() != null) {
                data.put("conflictCopy", a.otherPath());
            }
            data.put("local", RunLedger.state(a.local()));
            data.put("remote", RunLedger.state(a.remote()));
            st.event(SyncEvents.CONFLICT_DETECTED, data);
        }
        st.done(0);
        return true;
    }

    /** Notes a step that was not carried out: skipped (settled next run) or failed (an error of the run). */
    private boolean failed(String rel, Exception e, RunState st) {
        if (e instanceof Skip) {
            st.skip(rel, e.getMessage());
        } else if (e instanceof GatewayException.PreconditionFailed) {
            st.skip(rel, "the remote object changed during the run; settled next run");
        } else {
            st.error(rel, FileErrors.describe(e));
        }
        st.done(0);
        return false;
    }

    private void upload(ItemSnapshot item, Path root, String rel, FileState l, String ifMatch, RunState st) throws IOException {
        Path file = st.local(root, rel);
        if (!looksLike(file, l)) {
            throw new Skip("local file changed since the scan; retried next run");
        }
        RemoteObject stored;
        try {
            stored = gateway.put(item.store(), item.keyOf(rel), file, l.sha256(), l.mtime(), ifMatch, item.id().toString(),
                    item.versionsKept());
        } catch (GatewayException.Unavailable | GatewayException.Rejected e) {
            throw changedWhileSent(file, l, e);
        }
        uploaded(rel, l, stored, st);
    }

    /** The gateway refused the body (its SHA-256 or length) or broke off: a Skip when the file is being written, else the failure. */
    private static RuntimeException changedWhileSent(Path file, FileState l, GatewayException e) throws IOException {
        if (!looksLike(file, l)) {
            return new Skip("local file changed while being uploaded; retried next run");
        }
        return e;
    }

    private static void uploaded(String rel, FileState l, RemoteObject stored, RunState st) {
        st.bytes.addAndGet(l.size());
        st.journalPut(rel, JournalState.of(l, stored.versionTag()));
        st.fileEvent(SyncEvents.ITEM_UPLOADED, fileData(rel, null, stored.versionTag(), l.size()));
    }

    /** Uploads small files in one request; each file succeeds or fails on its own, as in {@link #apply}. */
    private void uploadBatch(ItemSnapshot item, Path root, List<SyncAction> batch, RunState st, Map<String, Boolean> outcome) {
        Map<String, SyncAction> byKey = new LinkedHashMap<>();
        List<StorageGatewayClient.BatchUpload> files = new ArrayList<>();
        for (SyncAction a : batch) {
            try {
                Path file = st.local(root, a.path());
                if (!looksLike(file, a.local())) {
                    throw new Skip("local file changed since the scan; retried next run");
                }
                String key = item.keyOf(a.path());
                byKey.put(key, a);
                FileState l = a.local();
                // a move creates its new path: a.remote() is then the object it moves from
                files.add(new StorageGatewayClient.BatchUpload(key, file, l.size(), l.sha256(), l.mtime(),
                        a.remote() == null || a.kind() == SyncAction.Kind.MOVE_REMOTE ? null : a.remote().versionTag()));
            } catch (Exception e) {
                outcome.put(a.path(), failed(a.path(), e, st));
            }
        }
        if (files.isEmpty()) {
            return;
        }
        List<SyncAction> moved = new ArrayList<>();
        eachAnswer(byKey, owed -> gateway.putBatch(item.store(), files.stream().filter(f -> owed.contains(f.key())).toList(),
                item.id().toString(), item.versionsKept()), st, outcome, (a, o, resent) -> {
                    RemoteObject stored = o.stored();
                    if (stored == null && o.status() == 412 && resent) {
                        // the attempt whose answer was lost may have stored it: then the object holds these very bytes
                        stored = landedBefore(item, a);
                    }
                    if (stored == null) {
                        throw refusal(o, st.local(root, a.path()), a.local());
                    }
                    if (a.kind() == SyncAction.Kind.MOVE_REMOTE) {
                        // the old objects go in one delete batch below, which settles these steps
                        st.bytes.addAndGet(a.local().size());
                        movedInStore(a, stored, st);
                        moved.add(a);
                        return;
                    }
                    uploaded(a.path(), a.local(), stored, st);
                    st.uploaded.incrementAndGet();
                    outcome.put(a.path(), succeeded(item, a, st));
                });
        if (!moved.isEmpty()) {
            deleteBatch(item, moved, st, outcome);
        }
    }

    /**
     * The object a batch step uploaded, when an earlier attempt of the batch stored it and only its answer was lost:
     * the object at the step's key now holds the file's bytes (its SHA-256). Null when it holds something else.
     */
    private RemoteObject landedBefore(ItemSnapshot item, SyncAction a) {
        Optional<RemoteObject> now = gateway.head(item.store(), item.keyOf(a.path()));
        return now.filter(o -> a.local().sha256().equalsIgnoreCase(o.sha256())).orElse(null);
    }

    /** What a batch's step does with the gateway's answer for it; an exception fails (or skips) the step. */
    @FunctionalInterface
    private interface Answered {
        /** {@code resent}: the answer is to a second or later attempt of the request, after one failed as a whole. */
        void handle(SyncAction a, StorageGatewayClient.Outcome o, boolean resent) throws Exception;
    }

    /**
     * Sends one batch request for the steps still owed an answer ({@code request} is given their keys) and hands
     * each answer to {@code each}. A request that fails as a whole for a reason worth another try (a lost
     * connection, a 5xx) is sent again, as single transfers are, up to {@link #BATCH_ATTEMPTS} times; then, or
     * when the answer leaves a step out, those steps fail (the next run does them again).
     */
    private void eachAnswer(Map<String, SyncAction> byKey, Function<Set<String>, List<StorageGatewayClient.Outcome>> request,
            RunState st, Map<String, Boolean> outcome, Answered each) {
        try {
            List<StorageGatewayClient.Outcome> answers = null;
            int attempt = 1;
            while (answers == null) {
                try {
                    answers = request.apply(Set.copyOf(byKey.keySet()));
                } catch (GatewayException.Unavailable e) {
                    if (attempt >= BATCH_ATTEMPTS || !pauseBeforeAttempt(attempt + 1)) {
                        byKey.values().forEach(a -> outcome.put(a.path(), failed(a.path(), e, st)));
                        return;
                    }
                    attempt++;
                } catch (RuntimeException e) {
                    byKey.values().forEach(a -> outcome.put(a.path(), failed(a.path(), e, st)));
                    return;
                }
            }
            boolean resent = attempt > 1;
            for (StorageGatewayClient.Outcome o : answers) {
                SyncAction a = byKey.remove(o.key());
                if (a == null) {
                    continue;
                }
                try {
                    each.handle(a, o, resent);
                } catch (Exception e) {
                    outcome.put(a.path(), failed(a.path(), e, st));
                }
            }
            byKey.values().forEach(a -> outcome.put(a.path(),
                    failed(a.path(), new IllegalStateException("the gateway's answer did not include this path"), st)));
        } finally {
            st.maybeFlush();
        }
    }

    /** Waits before attempt {@code attempt} (2, 3, ...) of a batch: 0.3 s, then 1 s. False when interrupted. */
    private static boolean pauseBeforeAttempt(int attempt) {
        try {
            Thread.sleep(attempt <= 2 ? 300 : 1_000);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why the gateway did not store one file of a batch, as the exception a single upload would have met. */
    private static RuntimeException refusal(StorageGatewayClient.Outcome o, Path file, FileState l) throws IOException {
        if (o.notSent()) {
            return new Skip("local file could not be read (" + o.detail() + "); retried next run");
        }
        String detail = "gateway answered " + o.status() + " for " + o.key() + (o.detail() == null ? "" : ": " + o.detail());
        if (o.status() == 412) {
            return new GatewayException.PreconditionFailed(detail);
        }
        return changedWhileSent(file, l, o.status() >= 500 || o.status() == 429
                ? new GatewayException.Unavailable(o.status(), detail, null) : new GatewayException.Rejected(o.status(), detail));
    }

    /**
     * Downloads small files in one request; each file lands (or fails) on its own, exactly as a single download. The
     * objects a request that failed or broke off did not bring are asked for again, up to {@link #BATCH_ATTEMPTS}
     * requests in all (a download lands nothing before its bytes are whole and checked, so asking again is safe).
     */
    private void downloadBatch(ItemSnapshot item, Path root, List<SyncAction> batch, RunState st, Map<String, Boolean> outcome) {
        Map<String, SyncAction> byKey = new LinkedHashMap<>();
        batch.forEach(a -> byKey.put(item.keyOf(a.path()), a));
        Map<String, GatewayException> lost = new LinkedHashMap<>();
        try {
            for (int attempt = 1; !byKey.isEmpty(); attempt++) {
                lost.clear();
                try {
                    gateway.getBatch(item.store(), List.copyOf(byKey.keySet()), new StorageGatewayClient.BatchReceiver() {
                        @Override
                        public void received(RemoteObject object, java.io.InputStream body) {
                            SyncAction a = byKey.get(object.key());
                            WatchedStream bytes = new WatchedStream(body);
                            try {
                                Landing l = fetch(root, a.path(), a.local(), a.remote(), st,
                                        tmp -> StorageGatewayClient.save(object, bytes, tmp));
                                byKey.remove(object.key());
                                Deferred d = new Deferred(l, () -> {
                                    st.downloaded.incrementAndGet();
                                    outcome.put(a.path(), succeeded(item, a, st));
                                }, e -> outcome.put(a.path(), SyncEngine.this.failed(a.path(), e, st)));
                                if (flushesFileSystems()) {
                                    // lands with the journal batch that records it, made durable with the others there
                                    st.toLand(d);
                                } else {
                                    landAll(List.of(d), st);
                                }
                            } catch (Exception e) {
                                if (bytes.broke) {
                                    // its bytes broke off with the stream (nothing of it landed): asked for again
                                    lost.put(object.key(), new GatewayException.Unavailable(0,
                                            "the batch download broke off: " + e.getMessage(), e));
                                } else {
                                    byKey.remove(object.key());
                                    outcome.put(a.path(), SyncEngine.this.failed(a.path(), e, st));
                                }
                            }
                            st.maybeFlush();
                        }

                        @Override
                        public void failed(String key, int status, String detail) {
                            GatewayException e = statusProblem(status, "gateway answered " + status + " for " + key + ": " + detail);
                            if (status == 0) {
                                lost.put(key, e); // the stream broke off before it: asked for again
                                return;
                            }
                            SyncAction a = byKey.remove(key);
                            outcome.put(a.path(), SyncEngine.this.failed(a.path(), e, st));
                        }
                    });
                } catch (GatewayException.Unavailable e) {
                    byKey.keySet().forEach(key -> lost.put(key, e));
                }
                if (lost.isEmpty()) {
                    return;
                }
                if (attempt >= BATCH_ATTEMPTS || !pauseBeforeAttempt(attempt + 1)) {
                    break;
                }
            }
            lost.forEach((key, e) -> {
                SyncAction a = byKey.remove(key);
                outcome.put(a.path(), failed(a.path(), e, st));
            });
        } catch (RuntimeException e) {
            byKey.values().forEach(a -> outcome.put(a.path(), failed(a.path(), e, st)));
        } finally {
            st.maybeFlush();
        }
    }

    /** A batch answer's bytes for one object, noting whether reading them failed (the stream broke off). */
    private static final class WatchedStream extends java.io.FilterInputStream {
        boolean broke;

        WatchedStream(java.io.InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                broke = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                broke = true;
                throw e;
            }
        }
    }

    /** The entries of {@code all} whose key is in {@code owed}, in their order. */
    private static Map<String, String> owedOnly(Map<String, String> all, Set<String> owed) {
        Map<String, String> some = new LinkedHashMap<>();
        all.forEach((key, value) -> {
            if (owed.contains(key)) {
                some.put(key, value);
            }
        });
        return some;
    }

    /** Brings the remote bytes into a temp file next to the target. */
    @FunctionalInterface
    private interface Fetch {
        StorageGatewayClient.Received into(Path tmp) throws IOException;
    }

    private void download(ItemSnapshot item, Path root, String rel, FileState expectedLocal, FileState r, RunState st,
            Fetch fetch) throws IOException {
        land(fetch(root, rel, expectedLocal, r, st, fetch), config.durableDownloads(), st);
    }

    /**
     * A downloaded file whose bytes are whole and checked, dated, in its temp name beside {@code target}; it lands
     * where {@code expectedLocal} (null: nothing) still is. {@code device} is its file system's (null: unknown, or
     * not flushed), {@code flushFailuresBefore} the run's failed flushes before its bytes were written.
     */
    private record Landing(String rel, Path tmp, Path target, FileState expectedLocal, long bytes, long mtime,
            String sha256, String versionTag, Object device, long flushFailuresBefore) {
    }

    /** Brings the remote bytes into a temp file next to the target, checks them against their SHA-256 and dates it. */
    private Landing fetch(Path root, String rel, FileState expectedLocal, FileState r, RunState st, Fetch fetch)
            throws IOException {
        Path target = st.local(root, rel);
        Path parent = folderFor(root, target);
        Path tmp = parent.resolve(LocalScanner.TEMP_PREFIX + UUID.randomUUID());
        Object device = null;
        long flushFailuresBefore = 0;
        if (flushesFileSystems()) {
            // its file system is open for flushes before the bytes are written: a flush then reports any failed
            // write-back of them, even one that another program's flush saw first
            device = Files.getAttribute(parent, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            st.fileSystem(device, parent);
            flushFailuresBefore = st.flushFailures.get();
        }
        boolean fetched = false;
        try {
            StorageGatewayClient.Received got = fetch.into(tmp);
            String announced = got.object().sha256() != null ? got.object().sha256() : r.sha256();
            if (announced == null || !announced.equalsIgnoreCase(got.sha256())) {
                throw new IOException("downloaded bytes do not match their SHA-256 (" + got.sha256() + " vs " + announced + ")");
            }
            long mtime = got.object().mtime() > 0 ? got.object().mtime() : r.mtime() > 0 ? r.mtime() : System.currentTimeMillis();
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(mtime));
            // read from the temp name: the same file as the target after the move, and not yet where a program
            // could edit it; read from the target, an edit made just after the move would be journaled as synced
            long actualMtime = Files.getLastModifiedTime(tmp, LinkOption.NOFOLLOW_LINKS).toMillis();
            String tag = got.object().versionTag() != null ? got.object().versionTag() : r.versionTag();
            fetched = true;
            return new Landing(rel, tmp, target, expectedLocal, got.bytes(), actualMtime, got.sha256(), tag, device,
                    flushFailuresBefore);
        } finally {
            if (!fetched) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Puts a fetched file in place and records it. {@code fsync}: its bytes and mtime are made durable first, so a
     * power loss leaves the old file or the whole new one (false where a flush of its file system already did, or
     * downloads need not be durable).
     */
    private void land(Landing l, boolean fsync, RunState st) throws IOException {
        boolean moved = false;
        try {
            if (fsync) {
                try (FileChannel c = FileChannel.open(l.tmp(), StandardOpenOption.READ)) {
                    c.force(true);
                }
            }
            moved = l.expectedLocal() == null ? placeNew(l.tmp(), l.target()) : replace(l.tmp(), l.target(), l.expectedLocal());
            if (!moved) {
                throw new Skip("local file changed during the run; settled next run");
            }
            if (config.durableDownloads()) {
                st.folderToSync(l.target().getParent());
            }
            st.bytes.addAndGet(l.bytes());
            st.journalPut(l.rel(), new JournalState(l.bytes(), l.mtime(), l.sha256(), l.versionTag()));
            st.fileEvent(SyncEvents.ITEM_DOWNLOADED, fileData(l.rel(), null, l.versionTag(), l.bytes()));
        } finally {
            if (!moved) {
                Files.deleteIfExists(l.tmp());
            }
        }
    }

    /** Whether batch downloads are made durable by flushing their file system, and so land with the journal's batches. */
    private boolean flushesFileSystems() {
        return config.durableDownloads() && config.flushFileSystem() && FileSystemFlush.available();
    }

    /**
     * Lands fetched files, in a batch download the ones that waited for the journal's next batch: with durable
     * downloads, one flush of each of their file systems makes all of them durable before any takes its name (an fsync
     * each where that cannot be done, or for a file alone). Then each lands as {@link #land} does and is reported to
     * its step.
     */
    private void landAll(List<Deferred> waiting, RunState st) {
        Set<Object> flushed = new HashSet<>();
        if (flushesFileSystems() && waiting.size() > 1) {
            Map<Object, Path> oneEach = new LinkedHashMap<>();
            waiting.forEach(d -> {
                if (d.landing().device() != null) {
                    oneEach.putIfAbsent(d.landing().device(), d.landing().tmp().getParent());
                }
            });
            oneEach.forEach((device, folder) -> {
                FileSystemFlush fileSystem = st.fileSystem(device, folder);
                if (fileSystem == null) {
                    return;
                }
                try {
                    fileSystem.flush();
                    fileSystemFlushes.incrementAndGet();
                    flushed.add(device);
                } catch (IOException | RuntimeException | LinkageError e) {
                    st.flushFailures.incrementAndGet();
                    LOG.warnf("%s; the files waiting there are fsynced one by one", e.getMessage());
                }
            });
        }
        // a failed write-back is reported to one flush, not necessarily the one of the files it hit: a file written
        // while any flush of the run failed is fsynced on its own, which reports whether its own bytes were hit
        long failures = st.flushFailures.get();
        for (Deferred d : waiting) {
            try {
                Landing l = d.landing();
                land(l, config.durableDownloads()
                        && (!flushed.contains(l.device()) || l.flushFailuresBefore() != failures), st);
                d.landed().run();
            } catch (Exception e) {
                d.failed().accept(e);
            }
        }
    }

    /** A fetched file waiting to land with the next journal batch, and what its step does once it did or could not. */
    private record Deferred(Landing landing, Runnable landed, java.util.function.Consumer<Exception> failed) {
    }

    /** The folder a file lands in, made where missing; a folder that leads outside the root (symlink) is refused. */
    private static Path folderFor(Path root, Path target) throws IOException {
        Path parent = target.getParent();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent);
        }
        if (!parent.toRealPath().startsWith(root)) {
            throw new Skip("the folder of this path leads outside the item's folder (symlink); not written");
        }
        return parent;
    }

    /**
     * Does locally what the remote side did: the unchanged local file at {@code otherPath} goes to {@code path}
     * (where the plan saw nothing, as a download would put it; a file that appeared there since stays), with
     * the remote object's mtime. The journal then holds the new path with the remote object's version tag, and
     * drops the old one, as a download and a local delete would leave it. False, with nothing changed, when
     * the two names are on different file systems.
     */
    private boolean moveLocal(Path root, SyncAction a, RunState st) throws IOException {
        Path from = st.local(root, a.otherPath());
        Path target = st.local(root, a.path());
        Path parent = folderFor(root, target);
        if (!looksLike(from, a.local())) {
            throw new Skip("the local file to move (" + a.otherPath() + ") changed during the run; settled next run");
        }
        try {
            if (!placeNew(from, target)) {
                throw new Skip("local file changed during the run; settled next run");
            }
        } catch (AtomicMoveNotSupportedException otherFileSystem) {
            return false;
        }
        // The journal takes the mtime the check saw (or the one set here), never the one read afterwards: an edit
        // made since the check then shows as a change next run, where the time read after it would hide it.
        long mtime = a.local().mtime();
        // after the move: a file left at the old name keeps its state (and would not look edited next run)
        if (a.remote().mtime() > 0 && a.remote().mtime() != a.local().mtime()) {
            Files.setLastModifiedTime(target, FileTime.fromMillis(a.remote().mtime()));
            // setting the time hides an edit made since the check (its time is overwritten): the bytes must still
            // be those seen, else the journal takes a time no file has, and the next run hashes and sends the edit
            boolean same = a.local().sha256().equalsIgnoreCase(LocalScanner.sha256(target, a.local().size()));
            mtime = same ? a.remote().mtime() : -1;
        }
        if (config.durableDownloads()) {
            st.folderToSync(parent);
            st.folderToSync(from.getParent());
        }
        st.mayBeEmpty(from.getParent());
        st.journalPut(a.path(), new JournalState(a.local().size(), mtime, a.local().sha256(), a.remote().versionTag()));
        st.journalRemove(a.otherPath());
        Map<String, Object> gone = fileData(a.otherPath(), "LOCAL", null, 0);
        gone.put("movedTo", a.path());
        st.fileEvent(SyncEvents.ITEM_DELETED, gone);
        Map<String, Object> arrived = fileData(a.path(), null, a.remote().versionTag(), a.local().size());
        arrived.put("movedFrom", a.otherPath());
        st.fileEvent(SyncEvents.ITEM_DOWNLOADED, arrived);
        st.movedLocal.incrementAndGet();
        return true;
    }

    /**
     * Does in the store what was done here, for a file too large for a batch: the gateway copies the object at
     * {@code otherPath} (at the version the plan saw) to {@code path} (create-only), so the renamed file is not
     * sent again; then the old object is deleted under that version (the gateway keeps it as a version). A small
     * file goes in an upload batch instead, and its old object in a delete batch: one request for many files
     * costs less than two requests each. If the old object changed in between, it stays, and the next run brings
     * that change here.
     */
    private void moveRemote(ItemSnapshot item, Path root, SyncAction a, RunState st) throws IOException {
        Path file = st.local(root, a.path());
        if (!looksLike(file, a.local())) {
            throw new Skip("local file changed during the run; settled next run");
        }
        RemoteObject copied;
        try {
            copied = gateway.copy(item.store(), item.keyOf(a.otherPath()), a.remote().versionTag(), item.keyOf(a.path()),
                    a.local().mtime(), item.id().toString(), item.versionsKept());
        } catch (GatewayException.Missing gone) {
            throw new Skip("the object to move (" + a.otherPath() + ") left the store during the run; settled next run");
        }
        movedInStore(a, copied, st);
        try {
            gateway.delete(item.store(), item.keyOf(a.otherPath()), a.remote().versionTag(), item.id().toString(),
                    item.versionsKept());
        } catch (GatewayException.Missing alreadyGone) {
            // the goal is reached
        } catch (GatewayException.PreconditionFailed changed) {
            throw oldObjectChanged(a);
        }
        removedFromStore(a, st);
    }

    /** The first half of a move in the store, once the object exists at its new path: the journal learns that path. */
    private static void movedInStore(SyncAction a, RemoteObject stored, RunState st) {
        st.journalPut(a.path(), JournalState.of(a.local(), stored.versionTag()));
        Map<String, Object> arrived = fileData(a.path(), null, stored.versionTag(), a.local().size());
        arrived.put("movedFrom", a.otherPath());
        st.fileEvent(SyncEvents.ITEM_UPLOADED, arrived);
    }

    private static Skip oldObjectChanged(SyncAction a) {
        return new Skip("stored; the old object (" + a.otherPath() + ") changed during the run and stays; settled next run");
    }

    /**
     * What a step leaves once the object it removes is gone from the store: a delete drops its path from the
     * journal, a move the path it moved from (its new path is journaled already).
     */
    private static void removedFromStore(SyncAction a, RunState st) {
        if (a.kind() == SyncAction.Kind.MOVE_REMOTE) {
            st.journalRemove(a.otherPath());
            Map<String, Object> gone = fileData(a.otherPath(), "REMOTE", null, 0);
            gone.put("movedTo", a.path());
            st.fileEvent(SyncEvents.ITEM_DELETED, gone);
            st.movedRemote.incrementAndGet();
        } else {
            st.journalRemove(a.path());
            st.fileEvent(SyncEvents.ITEM_DELETED, fileData(a.path(), "REMOTE", null, 0));
            st.deletedRemote.incrementAndGet();
        }
    }

    /**
     * Deletes the objects of many steps in one request (a delete's path, a move's old path), each under the
     * version the plan saw; each step then ends exactly as with a single delete: gone (or already gone) is done,
     * a changed object is left for the next run, anything else is the step's error.
     */
    private void deleteBatch(ItemSnapshot item, List<SyncAction> steps, RunState st, Map<String, Boolean> outcome) {
        Map<String, SyncAction> byKey = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        for (SyncAction a : steps) {
            String key = item.keyOf(a.kind() == SyncAction.Kind.MOVE_REMOTE ? a.otherPath() : a.path());
            byKey.put(key, a);
            tags.put(key, a.remote().versionTag());
        }
        eachAnswer(byKey, owed -> gateway.deleteBatch(item.store(), owedOnly(tags, owed), item.id().toString(),
                item.versionsKept()), st, outcome, (a, o, resent) -> {
                    if (o.status() == 412) {
                        throw a.kind() == SyncAction.Kind.MOVE_REMOTE ? oldObjectChanged(a)
                                : new GatewayException.PreconditionFailed(o.detail());
                    }
                    if (o.status() != 204 && o.status() != 404) {
                        throw statusProblem(o.status(), "gateway answered " + o.status() + " for " + o.key() + ": " + o.detail());
                    }
                    removedFromStore(a, st);
                    outcome.put(a.path(), succeeded(item, a, st));
                });
    }

    /** The exception a single request would have met for a status a batch answered for one of its entries. */
    private static GatewayException statusProblem(int status, String why) {
        return status == 404 ? new GatewayException.Missing(why)
                : status == 0 || status >= 500 || status == 429 ? new GatewayException.Unavailable(status, why, null)
                : new GatewayException.Rejected(status, why);
    }

    /** Removes a local file that is still as the plan saw it, and the folders that leaves empty. */
    private static void deleteLocal(Path root, String rel, FileState expected, RunState st) throws IOException {
        Path file = st.local(root, rel);
        if (!looksLike(file, expected)) {
            throw new Skip("local file changed during the run; settled next run");
        }
        Files.delete(file);
        st.mayBeEmpty(file.getParent());
        st.journalRemove(rel);
        st.fileEvent(SyncEvents.ITEM_DELETED, fileData(rel, "LOCAL", null, 0));
        st.deletedLocal.incrementAndGet();
    }

    /**
     * Puts the downloaded {@code tmp} at {@code target}, where the plan saw nothing: a hard link is created only
     * where no name exists (a file that appeared since the plan, even a dangling link, is never replaced), then
     * the temp name goes. False when something is there now. Where the file system has no hard links, a check
     * then a rename does it.
     */
    static boolean placeNew(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            return replace(tmp, target, null);
        }
        Files.delete(tmp);
        return true;
    }

    /** Renames {@code tmp} over {@code target} if the target still looks as expected (null: absent); false if not. */
    static boolean replace(Path tmp, Path target, FileState expected) throws IOException {
        if (!looksLike(target, expected)) {
            return false;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /** The local path of a relative path, refusing anything that would leave the root. */
    static Path inside(Path root, String rel) {
        Path p = root.resolve(rel).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new Skip("path leaves the item's folder");
        }
        return p;
    }

    /** Whether the file is (still) as the plan saw it: absent when {@code expected} is null, else same size and mtime. */
    static boolean looksLike(Path file, FileState expected) throws IOException {
        if (expected == null) {
            return !Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.size() == expected.size() && a.lastModifiedTime().toMillis() == expected.mtime();
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /** Removes {@code dir} and its parents up to (not including) the root, as long as they are empty. */
    private static void removeEmptyParents(Path root, Path dir) {
        Path d = dir;
        while (d != null && !d.equals(root) && d.startsWith(root)) {
            try {
                Files.delete(d);
            } catch (IOException notEmpty) {
                return;
            }
            d = d.getParent();
        }
    }

    private static Map<String, Object> fileData(String path, String side, String versionTag, long size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        if (side != null) {
            m.put("side", side);
        }
        if (versionTag != null) {
            m.put("versionTag", versionTag);
            m.put("size", size);
        }
        return m;
    }

    private static Map<String, Object> eventData(UUID runId, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", runId.toString());
        m.put(key, value);
        return m;
    }

    private static Map<String, Object> failedData(UUID runId, String error, SyncResult result) {
        Map<String, Object> m = eventData(runId, "error", error);
        m.put("result", result);
        return m;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }

    /** A step that is not carried out now, for a reason the run reports; the next run tries again. */
    static final class Skip extends RuntimeException {
        Skip(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Journal changes and events taken from a run for one commit, and the folders whose renames (downloads placed)
     * must be made durable before it.
     */
    record Pending(Map<String, JournalState> upserts, List<String> removals, List<RunLedger.Event> events, int count,
            Set<Path> folders) {

        /** These changes followed by {@code newer}, as one batch: for a path, the newer change wins. */
        Pending then(Pending newer) {
            Map<String, JournalState> u = new HashMap<>(upserts);
            List<String> r = new ArrayList<>(removals);
            newer.removals.forEach(u::remove);
            r.removeAll(newer.upserts.keySet());
            u.putAll(newer.upserts);
            r.addAll(newer.removals);
            List<RunLedger.Event> e = new ArrayList<>(events);
            e.addAll(newer.events);
            Set<Path> f = new HashSet<>(folders);
            f.addAll(newer.folders);
            return new Pending(u, r, e, count + newer.count, f);
        }
    }

    /** Counters, notes and the pending journal/event batch of one run. */
    final class RunState {
        final UUID itemId;
        final UUID runId;
        final java.util.concurrent.atomic.AtomicLong uploaded = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong downloaded = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong deletedLocal = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong deletedRemote = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong movedLocal = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong movedRemote = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong conflicts = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong journalOnly = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong filesDone = new java.util.concurrent.atomic.AtomicLong();
        final Set<String> protectedRemote = ConcurrentHashMap.newKeySet();
        private final List<SyncResult.PathNote> skipped = new ArrayList<>();
        private final List<SyncResult.PathNote> errors = new ArrayList<>();
        private final Set<String> noted = new HashSet<>();
        private long skippedCount;
        private Map<String, JournalState> upserts = new HashMap<>();
        private List<String> removals = new ArrayList<>();
        private List<RunLedger.Event> events = new ArrayList<>();
        private Set<Path> folders = new HashSet<>();
        private List<Deferred> landings = new ArrayList<>();
        private final Set<Path> emptied = ConcurrentHashMap.newKeySet();
        private final Map<String, List<Map<String, Object>>> fileEvents = new LinkedHashMap<>();
        private int pending;
        private long lastFlush = System.nanoTime();
        private final ReentrantLock committing = new ReentrantLock();

        /** Where paths whose names on disk are not in NFC live; set by the scan. */
        volatile LocalNames names = LocalNames.NONE;
        /** The file systems the run's downloads are flushed on, by device, each open from before its first file. */
        private final Map<Object, FileSystemFlush> fileSystems = new ConcurrentHashMap<>();
        /** The run's flushes that failed so far. */
        final AtomicLong flushFailures = new AtomicLong();

        /** The open file system of {@code device}, opened at {@code folder} if it is not yet; null if it cannot be. */
        FileSystemFlush fileSystem(Object device, Path folder) {
            return fileSystems.computeIfAbsent(device, d -> {
                try {
                    return FileSystemFlush.open(folder);
                } catch (IOException e) {
                    LOG.warnf("%s; files there are fsynced one by one", e.getMessage());
                    return null;
                }
            });
        }

        void closeFileSystems() {
            fileSystems.values().forEach(FileSystemFlush::close);
        }

        RunState(UUID itemId, UUID runId) {
            this.itemId = itemId;
            this.runId = runId;
        }

        /** The local file of the (NFC) path {@code rel}, under the name it has on disk. */
        Path local(Path root, String rel) {
            return inside(root, names.onDisk(rel));
        }

        synchronized void skip(String path, String reason) {
            skippedCount++;
            noted.add(path);
            if (skipped.size() < MAX_NOTES) {
                skipped.add(new SyncResult.PathNote(path, reason));
            }
        }

        synchronized void error(String path, String reason) {
            noted.add(path);
            if (errors.size() < MAX_NOTES) {
                errors.add(new SyncResult.PathNote(path, reason));
            }
        }

        synchronized boolean hasNote(String path) {
            return noted.contains(path);
        }

        void done(long ignored) {
            filesDone.incrementAndGet();
        }

        synchronized void journalPut(String path, JournalState s) {
            upserts.put(path, s);
            removals.remove(path);
            pending++;
        }

        /** A folder a local delete or move took a file from: removed at the end of the steps if that left it empty. */
        void mayBeEmpty(Path folder) {
            emptied.add(folder);
        }

        /**
         * Removes the folders the steps emptied, deepest first, once no step runs any more: a step removing a
         * folder while another writes a file into it would make that write fail.
         */
        void removeEmptiedFolders(Path root) {
            emptied.stream().sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .forEach(folder -> removeEmptyParents(root, folder));
            emptied.clear();
        }

        /** A fetched file to land with the next journal batch ({@link #flush}). */
        synchronized void toLand(Deferred d) {
            landings.add(d);
        }

        /** A folder a download was just renamed into: fsynced before the journal batch that records it commits. */
        synchronized void folderToSync(Path folder) {
            folders.add(folder);
        }

        synchronized void journalRemove(String path) {
            upserts.remove(path);
            removals.add(path);
            pending++;
        }

        synchronized void event(String type, Map<String, Object> data) {
            events.add(new RunLedger.Event(type, data));
            pending++;
        }

        synchronized void fileEvent(String type, Map<String, Object> file) {
            List<Map<String, Object>> list = fileEvents.computeIfAbsent(type, t -> new ArrayList<>());
            list.add(file);
            if (list.size() >= config.fileEventBatch()) {
                events.add(new RunLedger.Event(type, batchData(list)));
                fileEvents.remove(type);
            }
        }

        private Map<String, Object> batchData(List<Map<String, Object>> files) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runId", runId.toString());
            m.put("count", files.size());
            m.put("files", List.copyOf(files));
            return m;
        }

        void maybeFlush() {
            flush(false);
        }

        /**
         * Commits the pending journal changes with their events when enough piled up, a second passed, or {@code force}.
         * The pending changes are taken under this object's lock and committed under {@code committing} only, so the
         * workers go on recording steps while a batch is written (they used to wait for the database behind this lock
         * for a third of a download). Batches commit one at a time in the order they were taken; a worker that finds
         * one being committed leaves its changes for the next. A batch that fails to commit is put back before newer
         * changes, to go with the next one. The fetched files waiting to land do so first ({@link #landAll}), so the
         * batch records them.
         */
        void flush(boolean force) {
            if (force) {
                committing.lock();
            } else if (!committing.tryLock()) {
                return;
            }
            try {
                List<Deferred> waiting = takeLandings(force);
                if (!waiting.isEmpty()) {
                    landAll(waiting, this);
                }
                Pending batch = take(force);
                if (batch == null) {
                    return;
                }
                try {
                    // the journal must not get ahead of the disk: a file it records as synced that a power loss took back
                    // would look deleted or changed here next run, and that would go to the remote
                    batch.folders().forEach(SyncEngine.this::fsyncFolder);
                    ledger.commitBatch(itemId, runId, batch.upserts, batch.removals, batch.events, filesDone.get(), bytes.get());
                } catch (RuntimeException e) {
                    putBack(batch);
                    throw e;
                }
            } finally {
                committing.unlock();
            }
        }

        private boolean due() {
            return pending + landings.size() >= 200 || System.nanoTime() - lastFlush > 1_000_000_000L;
        }

        /** The fetched files waiting to land, when a batch is due (or {@code force}). */
        private synchronized List<Deferred> takeLandings(boolean force) {
            if (landings.isEmpty() || (!force && !due())) {
                return List.of();
            }
            List<Deferred> taken = landings;
            landings = new ArrayList<>();
            return taken;
        }

        private synchronized Pending take(boolean force) {
            if (!force && !due()) {
                return null;
            }
            for (var e : fileEvents.entrySet()) {
                events.add(new RunLedger.Event(e.getKey(), batchData(e.getValue())));
            }
            fileEvents.clear();
            Pending batch = new Pending(upserts, removals, events, pending, folders);
            upserts = new HashMap<>();
            removals = new ArrayList<>();
            events = new ArrayList<>();
            folders = new HashSet<>();
            pending = 0;
            lastFlush = System.nanoTime();
            return batch;
        }

        /** Puts a batch that did not commit back, older than what was recorded since it was taken. */
        private synchronized void putBack(Pending batch) {
            Pending all = batch.then(new Pending(upserts, removals, events, pending, folders));
            upserts = all.upserts();
            removals = all.removals();
            events = all.events();
            folders = all.folders();
            pending = all.count();
        }

        synchronized SyncResult result(long t0, SyncResult.DeleteGuardReport guard) {
            return new SyncResult(uploaded.get(), downloaded.get(), deletedLocal.get(), deletedRemote.get(), movedLocal.get(),
                    movedRemote.get(), conflicts.get(),
                    skippedCount, journalOnly.get(), bytes.get(), (System.nanoTime() - t0) / 1_000_000,
                    List.copyOf(skipped), List.copyOf(errors), guard);
        }
    }
}
