package io.syncvault.backup.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.syncvault.backup.Backup;
import io.syncvault.backup.BackupOperation;
import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest;
import io.syncvault.backup.BackupManifest.FileEntry;
import io.syncvault.backup.BackupManifest.PartEntry;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.archive.ArchiveExtractor;
import io.syncvault.backup.archive.BackupStreams;
import io.syncvault.backup.archive.PartChainInputStream;
import io.syncvault.backup.archive.RestoreSelection;
import io.syncvault.backup.config.BackupConfig;
import io.syncvault.backup.events.BackupEvents;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Restores a backup into a folder under the configured roots, and verifies backups. Both read
 * the manifest from the store (the source of truth) and stream the parts through their
 * checksums; both report exactly which part or file is bad.
 */
@ApplicationScoped
public class RestoreService {

    private static final Logger LOG = Logger.getLogger(RestoreService.class);
    private final BackupStore store;
    private final BackupEvents events;
    private final BackupConfig config;
    private final ItemResolver resolver;

    public RestoreService(BackupStore store, BackupEvents events, BackupConfig config) {
        this.store = store;
        this.events = events;
        this.config = config;
        this.resolver = new ItemResolver(config.roots());
    }

    /** A part or file that failed a check, and why. */
    public record Problem(String part, String path, String reason) {
    }

    /** The outcome of a restore. */
    public record RestoreReport(String restoreId, String backupId, String target, long files, long directories,
            long symlinks, long bytes, long skippedExisting, List<ArchiveExtractor.Problem> refused) {
    }

    /** The outcome of a verification: {@code ok} only when nothing is bad. */
    public record VerifyReport(String backupId, boolean ok, int samplePercent, int partsChecked, int partsTotal,
            long filesChecked, List<Problem> badParts, List<Problem> badFiles) {
    }

    /**
     * A restore of {@code backupId} into {@code targetPath}, checked (the backup is in the catalog, the target under
     * a configured root, the manifest readable) and ready to run as an operation, whose id is the restore's.
     */
    public OperationService.Work<RestoreReport> restore(String backupId, String targetPath, List<String> paths,
            boolean overwrite) {
        String storeName = storeOf(backupId);
        Path target = resolver.confine(targetPath, "targetPath");
        BackupManifest manifest = store.manifest(storeName, backupId);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("targetPath", target.toString());
        request.put("paths", paths == null ? List.of() : paths);
        request.put("overwrite", overwrite);
        return new OperationService.Work<>() {
            @Override
            public BackupOperation.Kind kind() {
                return BackupOperation.Kind.RESTORE;
            }

            @Override
            public String backupId() {
                return backupId;
            }

            @Override
            public Map<String, Object> request() {
                return request;
            }

            @Override
            public long filesTotal() {
                return manifest.totals().files();
            }

            @Override
            public long bytesTotal() {
                return manifest.totals().bytes();
            }

            @Override
            public RestoreReport run(UUID id, OperationService.Progress progress) {
                return restore(backupId, storeName, manifest, target, paths, overwrite, id.toString(), progress);
            }
        };
    }

    private RestoreReport restore(String backupId, String storeName, BackupManifest manifest, Path target,
            List<String> paths, boolean overwrite, String restoreId, OperationService.Progress progress) {
        QuarkusTransaction.requiringNew().run(() -> events.publish(BackupEvents.RESTORE_STARTED, backupId,
                Map.of("restoreId", restoreId, "target", target.toString(), "paths", paths == null ? List.of() : paths,
                        "overwrite", overwrite)));
        ProgressThrottle throttle = new ProgressThrottle(config.progressInterval());
        long filesTotal = manifest.totals().files();
        long bytesTotal = manifest.totals().bytes();
        ArchiveExtractor.Report report;
        try {
            report = BackupStreams.restore(manifest.parts(), store.parts(storeName), manifest.compression(),
                    byPath(manifest), new ArchiveExtractor.Options(target, RestoreSelection.of(paths), overwrite),
                    (files, bytes) -> {
                        progress.done(files, bytes);
                        if (throttle.due()) {
                            QuarkusTransaction.requiringNew().run(() -> events.publish(BackupEvents.RESTORE_PROGRESS,
                                    backupId, Map.of("restoreId", restoreId, "filesDone", files, "filesTotal",
                                            filesTotal, "bytesDone", bytes, "bytesTotal", bytesTotal)));
                        }
                    });
        } catch (PartChainInputStream.Unavailable e) {
            // an outage, not damage: what was restored so far stays, a restore started again completes it
            failed(backupId, restoreId, e.getMessage());
            throw e;
        } catch (BackupCorruptException e) {
            failed(backupId, restoreId, e.getMessage());
            throw corrupt(backupId, e.part(), e.file(), "restore of backup " + backupId + " failed: " + e.getMessage());
        } catch (IOException e) {
            failed(backupId, restoreId, e.getMessage());
            throw new ProblemException(500, "restore-failed", "Restore failed",
                    "restore of backup " + backupId + " failed while writing " + target + ": " + e.getMessage());
        }
        if (!report.bad().isEmpty()) {
            ArchiveExtractor.Problem first = report.bad().get(0);
            failed(backupId, restoreId, first.path() + ": " + first.reason());
            throw corrupt(backupId, null, first.path(), "restore of backup " + backupId + ": " + report.bad().size()
                    + " file(s) do not match the manifest and were not restored; first: " + first.path() + " ("
                    + first.reason() + ")").with("badFiles", report.bad());
        }
        RestoreReport result = new RestoreReport(restoreId, backupId, target.toString(), report.files(),
                report.directories(), report.symlinks(), report.bytes(), report.skippedExisting(), report.refused());
        QuarkusTransaction.requiringNew().run(() -> events.publish(BackupEvents.RESTORE_COMPLETED, backupId, result));
        if (!report.refused().isEmpty()) {
            LOG.warnf("restore of %s refused %d unsafe entries: %s", backupId, report.refused().size(), report.refused());
        }
        return result;
    }

    private void failed(String backupId, String restoreId, String reason) {
        QuarkusTransaction.requiringNew().run(() -> events.publish(BackupEvents.RESTORE_FAILED, backupId,
                Map.of("restoreId", restoreId, "error", String.valueOf(reason))));
    }

    /**
     * Verifies a backup. At 100% (the default) every part is streamed through its checksum and
     * the archive through decompression and every file's SHA-256; a part that fails stops the
     * archive check (later bytes cannot be decoded) but every remaining part is still checked
     * on its own. Below 100%, a random sample of parts is checked (part checksums only).
     */
    public OperationService.Work<VerifyReport> verify(String backupId, Integer samplePercent) {
        int percent = samplePercent == null ? 100 : samplePercent;
        if (percent < 1 || percent > 100) {
            throw ProblemException.badRequest("samplePercent must be between 1 and 100");
        }
        String storeName = storeOf(backupId);
        BackupManifest manifest = store.manifest(storeName, backupId);
        return new OperationService.Work<>() {
            @Override
            public BackupOperation.Kind kind() {
                return BackupOperation.Kind.VERIFY;
            }

            @Override
            public String backupId() {
                return backupId;
            }

            @Override
            public Map<String, Object> request() {
                return Map.of("samplePercent", percent);
            }

            @Override
            public long filesTotal() {
                return percent == 100 ? manifest.totals().files() : 0;
            }

            @Override
            public long bytesTotal() {
                return percent == 100 ? manifest.totals().bytes() : 0;
            }

            @Override
            public VerifyReport run(UUID id, OperationService.Progress progress) {
                return verify(backupId, storeName, manifest, percent, progress);
            }
        };
    }

    private VerifyReport verify(String backupId, String storeName, BackupManifest manifest, int percent,
            OperationService.Progress progress) {
        PartChainInputStream.PartSource source = store.parts(storeName);
        List<Problem> badParts = new ArrayList<>();
        List<Problem> badFiles = new ArrayList<>();
        int checked = 0;
        long files = 0;
        List<PartEntry> parts = manifest.parts();
        if (percent == 100) {
            try {
                ArchiveExtractor.Report report = BackupStreams.restore(parts, source, manifest.compression(),
                        byPath(manifest), new ArchiveExtractor.Options(null, p -> true, false), progress::done);
                checked = parts.size();
                files = report.files() + report.bad().size();
                report.bad().forEach(p -> badFiles.add(new Problem(null, p.path(), p.reason())));
            } catch (BackupCorruptException e) {
                badParts.add(new Problem(e.part(), e.file(), e.getMessage()));
                int failedAt = indexOf(parts, e.part());
                checked = failedAt + 1;
                for (PartEntry p : parts.subList(Math.max(0, failedAt + 1), parts.size())) {
                    checkPart(p, source, badParts);
                    checked++;
                }
            } catch (IOException e) {
                badParts.add(new Problem(null, null, e.getMessage()));
            }
        } else {
            List<PartEntry> sample = new ArrayList<>(parts);
            Collections.shuffle(sample, new Random());
            int n = Math.max(1, (int) Math.ceil(parts.size() * percent / 100.0));
            for (PartEntry p : sample.subList(0, Math.min(n, sample.size()))) {
                checkPart(p, source, badParts);
                checked++;
            }
        }
        VerifyReport report = new VerifyReport(backupId, badParts.isEmpty() && badFiles.isEmpty(), percent, checked,
                parts.size(), files, badParts, badFiles);
        QuarkusTransaction.requiringNew().run(() -> events.publish(BackupEvents.BACKUP_VERIFIED, backupId, report));
        return report;
    }

    private static void checkPart(PartEntry part, PartChainInputStream.PartSource source, List<Problem> bad) {
        try (PartChainInputStream one = new PartChainInputStream(List.of(part), source)) {
            one.transferTo(OutputStream.nullOutputStream());
        } catch (BackupCorruptException e) {
            bad.add(new Problem(e.part(), null, e.getMessage()));
        } catch (IOException e) {
            String name = BackupManifest.partName(part.index());
            bad.add(new Problem(name, null, name + " cannot be read: " + e.getMessage()));
        }
    }

    private static int indexOf(List<PartEntry> parts, String name) {
        for (int i = 0; i < parts.size(); i++) {
            if (BackupManifest.partName(parts.get(i).index()).equals(name)) {
                return i;
            }
        }
        return parts.size();
    }

    private static ProblemException corrupt(String backupId, String part, String file, String detail) {
        ProblemException p = new ProblemException(422, "backup-corrupt", "Backup is damaged", detail)
                .with("backupId", backupId);
        if (part != null) {
            p.with("part", part);
        }
        if (file != null) {
            p.with("file", file);
        }
        return p;
    }

    private String storeOf(String backupId) {
        Backup b = QuarkusTransaction.requiringNew().call(() -> Backup.<Backup>findById(backupId));
        if (b == null || b.status != Backup.Status.COMPLETED) {
            throw ProblemException.notFound("no backup " + backupId + " in the catalog (rebuild it with POST /v1/backups/catalog/rebuild if the store has it)");
        }
        return b.store;
    }

    private static Map<String, FileEntry> byPath(BackupManifest manifest) {
        Map<String, FileEntry> map = new HashMap<>();
        for (FileEntry f : manifest.files()) {
            map.put(f.path(), f);
        }
        return map;
    }

}
