package io.syncvault.backup.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.backup.Backup;
import io.syncvault.backup.BackupDefinition;
import io.syncvault.backup.BackupManifest;
import io.syncvault.backup.Compression;
import io.syncvault.backup.RetentionPolicy;
import io.syncvault.backup.archive.ArchiveWriter;
import io.syncvault.backup.archive.BackupStreams;
import io.syncvault.backup.archive.PartSink;
import io.syncvault.backup.client.GatewayTypes.StoreInfo;
import io.syncvault.backup.client.StorageGatewayClient;
import io.syncvault.backup.config.BackupConfig;
import io.syncvault.backup.events.BackupEvents;
import io.syncvault.platform.DbClock;
import io.syncvault.platform.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Creates backups: one stream from the items through tar, compression and the part splitter
 * to the gateway, the manifest written last, then retention and orphan cleanup. Also deletes
 * backups (manifest first) and applies retention on demand. Runs happen on this service's own
 * bounded pool; their progress is kept in the catalog row (also the run's heartbeat) and
 * published at most once per {@code progress-interval}.
 */
@ApplicationScoped
public class BackupService {

    private static final Logger LOG = Logger.getLogger(BackupService.class);
    /** How many paths deleted during a backup its event names (it always gives their number). */
    private static final int MAX_VANISHED_LISTED = 1000;
    private static final DateTimeFormatter ID_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final StorageGatewayClient gateway;
    private final BackupStore store;
    private final BackupEvents events;
    private final BackupConfig config;
    private final ObjectMapper json;
    private final ItemResolver resolver;
    private final DbClock clock;
    private final ExecutorService runs;
    /** The backups this instance runs, each completed once its run is over (its final row committed). */
    private final Map<String, CompletableFuture<Void>> finishing = new ConcurrentHashMap<>();

    public BackupService(StorageGatewayClient gateway, BackupStore store, BackupEvents events, BackupConfig config,
            ObjectMapper json, DbClock clock) {
        this.gateway = gateway;
        this.clock = clock;
        this.store = store;
        this.events = events;
        this.config = config;
        this.json = json;
        this.resolver = new ItemResolver(config.roots());
        this.runs = Executors.newFixedThreadPool(Math.max(1, config.concurrentRuns()), r -> {
            Thread t = new Thread(r, "backup-run");
            t.setDaemon(true);
            return t;
        });
    }

    void shutdown(@Observes ShutdownEvent e) {
        runs.shutdownNow();
    }

    public ItemResolver resolver() {
        return resolver;
    }

    /** What a run needs of its definition, read once when it starts. */
    record Plan(UUID definitionId, String definitionName, String store, List<String> items, List<String> include,
            List<String> exclude, Compression compression, long partSize) {
    }

    /** Starts a backup of the definition in the background; returns its id (202). */
    public String start(UUID definitionId, String trigger) {
        return start(definitionId, trigger, null, Duration.ZERO);
    }

    /**
     * Starts the backup of one tick of the definition's schedule, fired at {@code firedAt}, unless a backup of
     * another tick less than half a {@code period} before it was started already (null then). Every instance of
     * the service runs the schedules: on a cron tick they all fire at the same moment, on an interval each
     * fires at its own moments, and one backup per period is what the schedule asks for, not one per instance.
     */
    public String startScheduled(UUID definitionId, Instant firedAt, Duration period) {
        return start(definitionId, "schedule", firedAt, period);
    }

    private String start(UUID definitionId, String trigger, Instant firedAt, Duration period) {
        String id = newId(Instant.now());
        Plan plan = QuarkusTransaction.requiringNew().call(() -> {
            // the definition's row locked: two starts of one definition (a schedule and a request, two instances)
            // take turns, so the second sees the first's RUNNING row (or scheduled start) instead of both starting
            BackupDefinition d = BackupDefinition.findById(definitionId, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                throw ProblemException.notFound("no backup definition " + definitionId);
            }
            if (firedAt != null) {
                Backup covered = Backup.find("definitionId = ?1 and scheduleFiredAt > ?2", definitionId,
                        firedAt.minus(period.dividedBy(2))).firstResult();
                if (covered != null) {
                    LOG.debugf("the tick of %s at %s is covered by backup %s (its tick %s)", d.name, firedAt,
                            covered.id, covered.scheduleFiredAt);
                    return null;
                }
            }
            Instant now = clock.now();
            Backup running = Backup.find("definitionId = ?1 and status = ?2 and heartbeatAt > ?3", definitionId,
                    Backup.Status.RUNNING, now.minus(config.orphanGrace())).firstResult();
            if (running != null) {
                throw ProblemException.conflict("a backup of '" + d.name + "' is already running: " + running.id)
                        .with("backupId", running.id);
            }
            Backup b = new Backup();
            b.id = id;
            b.definitionId = d.id;
            b.definitionName = d.name;
            b.store = d.store;
            b.status = Backup.Status.RUNNING;
            b.createdAt = Instant.now();
            b.heartbeatAt = now;
            b.scheduleFiredAt = firedAt;
            b.persist();
            events.publish(BackupEvents.BACKUP_STARTED, id, Map.of("definitionId", d.id.toString(),
                    "definitionName", d.name, "store", d.store, "trigger", trigger));
            return new Plan(d.id, d.name, d.store, List.copyOf(d.items), List.copyOf(d.include),
                    List.copyOf(d.exclude), d.compression, d.partSize);
        });
        if (plan == null) {
            return null;
        }
        CompletableFuture<Void> over = new CompletableFuture<>();
        finishing.put(id, over);
        runs.submit(() -> {
            try {
                run(id, plan);
            } finally {
                finishing.remove(id);
                over.complete(null);
            }
        });
        return id;
    }

    /**
     * The backup, once it is no longer RUNNING or when {@code wait} has passed, whichever comes first (a wait
     * of zero reads it at once). A backup this instance runs is answered the moment it ends; one another
     * instance runs is read again every {@link RowWait#POLL}. Each read is a transaction of its own.
     */
    public Backup await(String id, Duration wait) {
        return RowWait.until(wait, () -> read(id), b -> b.status == Backup.Status.RUNNING, () -> finishing.get(id));
    }

    private static Backup read(String id) {
        Backup b = QuarkusTransaction.requiringNew().call(() -> Backup.<Backup>findById(id));
        if (b == null) {
            throw ProblemException.notFound("no backup " + id);
        }
        return b;
    }

    static String newId(Instant now) {
        return ID_DATE.format(now) + "-" + UUID.randomUUID();
    }

    void run(String id, Plan plan) {
        Instant created = Instant.now();
        ProgressThrottle throttle = new ProgressThrottle(config.progressInterval());
        AtomicInteger partsDone = new AtomicInteger();
        try {
            StoreInfo target = gateway.store(plan.store());
            List<String> missing = new ArrayList<>();
            List<ArchiveWriter.SourceItem> sources = resolver.sources(plan.items(), missing);
            if (sources.isEmpty()) {
                throw new IOException("none of the items exists: " + missing);
            }
            if (!missing.isEmpty()) {
                LOG.warnf("backup %s: items not found, skipped: %s", id, missing);
            }
            ArchiveWriter writer = new ArchiveWriter(sources, plan.include(), plan.exclude());
            ArchiveWriter.Scan scan = writer.scan();
            // updates of the running row name their columns and require RUNNING: writing the whole row back, as
            // read a moment before, would undo a FAILED mark that an orphan cleanup made in between
            QuarkusTransaction.requiringNew().run(() -> Backup.update(
                    "filesTotal = ?1, bytesTotal = ?2, heartbeatAt = ?3 where id = ?4 and status = ?5",
                    scan.files(), scan.bytes(), clock.now(), id, Backup.Status.RUNNING));
            PartSink gatewaySink = gateway.partSink(plan.store(), i -> BackupManifest.partKey(id, i));
            PartSink counting = new CountingSink(gatewaySink, partsDone);
            BackupStreams.Written written = BackupStreams.backup(writer, plan.compression(), plan.partSize(), counting,
                    i -> BackupManifest.partKey(id, i), (files, bytes) -> {
                        if (throttle.due()) {
                            progress(id, files, bytes, scan, partsDone.get());
                        }
                    }, () -> Thread.currentThread().isInterrupted());
            List<String> vanished = writer.vanished();
            if (!vanished.isEmpty()) {
                LOG.warnf("backup %s: %d path(s) deleted while the backup ran, not in it: %s", id, vanished.size(),
                        vanished.subList(0, Math.min(20, vanished.size())));
            }
            long fileCount = written.files().stream().filter(f -> f.type() == BackupManifest.EntryType.FILE).count();
            long dirCount = written.files().stream().filter(f -> f.type() == BackupManifest.EntryType.DIRECTORY).count();
            long bytes = written.files().stream().mapToLong(BackupManifest.FileEntry::size).sum();
            BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, id,
                    plan.definitionId().toString(), plan.definitionName(), plan.store(), created, Instant.now(), host(),
                    plan.items(), plan.compression(), target.encryption(), plan.partSize(),
                    new BackupManifest.Totals(fileCount, dirCount, bytes, written.storedBytes(), written.parts().size()),
                    written.parts(), written.files());
            byte[] manifestBytes = json.writeValueAsBytes(manifest);
            // a run given up as dead meanwhile (its row marked FAILED, its parts free for the orphan cleanup)
            // must not write a manifest: the backup would exist with parts the cleanup removed
            if (!stillRunning(id)) {
                throw new IOException("the backup was given up as dead while it ran (no heartbeat for "
                        + config.orphanGrace() + "); its parts are left to the orphan cleanup");
            }
            // the manifest goes last: from this moment the backup exists
            gateway.createSmall(plan.store(), BackupManifest.manifestKey(id), manifestBytes, sha256(manifestBytes));
            String manifestJson = new String(manifestBytes, java.nio.charset.StandardCharsets.UTF_8);
            QuarkusTransaction.requiringNew().run(() -> {
                Instant now = clock.now();
                Backup b = Backup.findById(id);
                b.status = Backup.Status.COMPLETED;
                b.completedAt = manifest.completed();
                b.heartbeatAt = now;
                b.filesDone = fileCount;
                b.bytesDone = bytes;
                b.partsDone = written.parts().size();
                b.storedBytes = written.storedBytes();
                b.manifest = manifestJson;
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("definitionId", plan.definitionId().toString());
                data.put("store", plan.store());
                data.put("files", fileCount);
                data.put("bytes", bytes);
                data.put("storedBytes", written.storedBytes());
                data.put("parts", written.parts().size());
                data.put("encrypted", target.encryption());
                data.put("skippedItems", missing);
                data.put("vanishedCount", vanished.size());
                data.put("vanished", vanished.subList(0, Math.min(MAX_VANISHED_LISTED, vanished.size())));
                events.publish(BackupEvents.BACKUP_CREATED, id, data);
            });
            LOG.infof("backup %s created: %d files, %d bytes in %d parts", id, fileCount, bytes, written.parts().size());
        } catch (Exception e) {
            String reason = e instanceof ProblemException || e instanceof IOException || e instanceof RuntimeException
                    ? e.getMessage() : e.toString();
            LOG.warnf(e, "backup %s failed", id);
            QuarkusTransaction.requiringNew().run(() -> {
                Instant now = clock.now();
                Backup b = Backup.findById(id);
                if (b != null) {
                    b.status = Backup.Status.FAILED;
                    b.error = reason;
                    b.heartbeatAt = now;
                }
                events.publish(BackupEvents.BACKUP_FAILED, id, Map.of("definitionId", plan.definitionId().toString(),
                        "error", String.valueOf(reason)));
            });
            try {
                store.deleteAll(plan.store(), id);
            } catch (RuntimeException cleanup) {
                LOG.warnf("parts of failed backup %s stay as orphans until the next cleanup: %s", id,
                        cleanup.getMessage());
            }
            return;
        }
        try {
            applyRetention(plan.definitionId(), false);
        } catch (RuntimeException e) {
            LOG.warnf("retention after backup %s failed: %s", id, e.getMessage());
        }
        try {
            cleanupOrphans(plan.store());
        } catch (RuntimeException e) {
            LOG.warnf("orphan cleanup after backup %s failed: %s", id, e.getMessage());
        }
    }

    /** Counts the parts handed to the store, for progress. */
    private record CountingSink(PartSink sink, AtomicInteger parts) implements PartSink {
        @Override
        public PartOutput open(int index) throws IOException {
            PartOutput out = sink.open(index);
            return new PartOutput() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void finish(long size, String sha256) throws IOException {
                    out.finish(size, sha256);
                    parts.incrementAndGet();
                }

                @Override
                public void abort() {
                    out.abort();
                }
            };
        }

        @Override
        public void flush() throws IOException {
            sink.flush();
        }

        @Override
        public void abandon() {
            sink.abandon();
        }
    }

    /** Renews the run's heartbeat if its row is still RUNNING; false when it was given up as dead. */
    private boolean stillRunning(String id) {
        return QuarkusTransaction.requiringNew().call(() -> Backup.update("heartbeatAt = ?1 where id = ?2 and status = ?3",
                clock.now(), id, Backup.Status.RUNNING) > 0);
    }

    /**
     * Renews the heartbeat of every backup this instance has started and not finished, also one that waits
     * for a thread of the pool or for the gateway, so that no orphan cleanup (here or in another instance)
     * takes it for dead and removes its parts while it runs. Progress renews it too, but only while files
     * are written.
     */
    @Scheduled(every = "${syncvault.backup.progress-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeats() {
        renewHeartbeats(Set.copyOf(finishing.keySet()));
    }

    /** Renews the heartbeats of those of {@code ids} that are RUNNING; how many it renewed. */
    int renewHeartbeats(Set<String> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return QuarkusTransaction.requiringNew().call(() -> Backup.update("heartbeatAt = ?1 where id in ?2 and status = ?3",
                clock.now(), ids, Backup.Status.RUNNING));
    }

    private void progress(String id, long files, long bytes, ArchiveWriter.Scan scan, int parts) {
        QuarkusTransaction.requiringNew().run(() -> {
            if (Backup.update("filesDone = ?1, bytesDone = ?2, partsDone = ?3, heartbeatAt = ?4 where id = ?5 and status = ?6",
                    files, bytes, parts, clock.now(), id, Backup.Status.RUNNING) > 0) {
                events.publish(BackupEvents.BACKUP_PROGRESS, id, Map.of("filesDone", files, "filesTotal", scan.files(),
                        "bytesDone", bytes, "bytesTotal", scan.bytes(), "partsDone", parts));
            }
        });
    }

    /** Deletes a backup: its manifest first (it disappears at once), then the catalog row, then its parts. */
    public void delete(String id) {
        Backup b = QuarkusTransaction.requiringNew().call(() -> Backup.<Backup>findById(id));
        if (b == null || b.status == Backup.Status.FAILED) {
            throw ProblemException.notFound("no backup " + id);
        }
        if (b.status == Backup.Status.RUNNING) {
            throw ProblemException.conflict("backup " + id + " is still running");
        }
        store.deleteManifest(b.store, id);
        QuarkusTransaction.requiringNew().run(() -> {
            Backup.deleteById(id);
            events.publish(BackupEvents.BACKUP_DELETED, id, Map.of("store", b.store,
                    "definitionId", String.valueOf(b.definitionId)));
        });
        try {
            store.deleteAll(b.store, id);
        } catch (RuntimeException e) {
            LOG.warnf("parts of deleted backup %s stay as orphans until the next cleanup: %s", id, e.getMessage());
        }
    }

    /** Applies (or with {@code dryRun} only computes) the definition's retention over its completed backups. */
    public RetentionPolicy.Selection applyRetention(UUID definitionId, boolean dryRun) {
        record Loaded(RetentionPolicy policy, List<RetentionPolicy.Candidate> candidates) {
        }
        Loaded loaded = QuarkusTransaction.requiringNew().call(() -> {
            BackupDefinition d = BackupDefinition.findById(definitionId);
            if (d == null) {
                throw ProblemException.notFound("no backup definition " + definitionId);
            }
            List<Backup> done = Backup.list("definitionId = ?1 and status = ?2", definitionId, Backup.Status.COMPLETED);
            return new Loaded(d.retention(), done.stream()
                    .map(b -> new RetentionPolicy.Candidate(b.id, b.createdAt)).toList());
        });
        RetentionPolicy.Selection selection = loaded.policy().select(loaded.candidates());
        if (!dryRun) {
            for (RetentionPolicy.Candidate c : selection.delete()) {
                delete(c.id());
            }
        }
        return selection;
    }

    /**
     * Removes what runs that died left in a store: backup folders without a manifest whose run is
     * not alive (no RUNNING row with a fresh heartbeat). Also marks such dead runs FAILED.
     */
    public List<String> cleanupOrphans(String storeName) {
        Instant fresh = QuarkusTransaction.requiringNew().call(() -> {
            Instant since = clock.now().minus(config.orphanGrace());
            Backup.update("status = ?1, error = ?2 where status = ?3 and heartbeatAt < ?4", Backup.Status.FAILED,
                    "the run stopped (process ended) before the manifest was written", Backup.Status.RUNNING, since);
            return since;
        });
        List<String> removed = new ArrayList<>();
        for (String id : store.backupIds(storeName)) {
            if (finishing.containsKey(id)) {
                continue; // runs here: alive whatever its row says
            }
            boolean alive = QuarkusTransaction.requiringNew().call(() -> Backup.count(
                    "id = ?1 and status = ?2 and heartbeatAt >= ?3", id, Backup.Status.RUNNING, fresh) > 0);
            if (!alive && !store.hasManifest(storeName, id)) {
                int n = store.deleteAll(storeName, id);
                LOG.infof("removed %d orphan objects of backup %s in store %s", n, id, storeName);
                removed.add(id);
            }
        }
        return removed;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
