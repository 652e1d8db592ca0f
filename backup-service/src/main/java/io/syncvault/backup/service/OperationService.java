package io.syncvault.backup.service;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.backup.BackupOperation;
import io.syncvault.backup.config.BackupConfig;
import io.syncvault.backup.rest.GatewayProblems;
import io.syncvault.platform.DbClock;
import io.syncvault.platform.ProblemException;
import io.syncvault.platform.ProblemMapper;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
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
 * Runs restores and verifications as operations with a row each ({@link BackupOperation}): on the request's thread,
 * answered when done ({@link #runHere}), or in the background, answered at once with the row a client then follows
 * ({@link #start}). The row holds the progress (renewed at most once per {@code progress-interval}, also the
 * heartbeat), then the report or the problem details. An operation whose heartbeat is older than
 * {@code orphan-grace} (its process died) is read as FAILED.
 */
@ApplicationScoped
public class OperationService {

    private static final Logger LOG = Logger.getLogger(OperationService.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** A restore or verification, checked and ready to run. */
    public interface Work<T> {
        BackupOperation.Kind kind();

        String backupId();

        /** What was asked for, as the row shows it. */
        Map<String, Object> request();

        long filesTotal();

        long bytesTotal();

        /** Runs it as operation {@code id}, telling {@code progress} the files and bytes done now and then. */
        T run(UUID id, Progress progress);
    }

    /** Where an operation reports how far it is. */
    @FunctionalInterface
    public interface Progress {
        void done(long files, long bytes);
    }

    private final ObjectMapper json;
    private final DbClock clock;
    private final BackupConfig config;
    private final ExecutorService background;
    /** Operations this instance runs, ended when their future completes. */
    private final Map<UUID, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

    public OperationService(ObjectMapper json, DbClock clock, BackupConfig config) {
        this.json = json;
        this.clock = clock;
        this.config = config;
        AtomicInteger count = new AtomicInteger();
        this.background = Executors.newFixedThreadPool(Math.max(1, config.concurrentRuns()), r -> {
            Thread t = new Thread(r, "backup-operation-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }

    /** Runs {@code work} here and answers its report, or throws what it failed with; its row records either. */
    public <T> T runHere(Work<T> work) {
        UUID id = begin(work);
        CompletableFuture<Void> over = new CompletableFuture<>();
        running.put(id, over);
        try {
            return execute(id, work);
        } finally {
            running.remove(id);
            over.complete(null);
        }
    }

    /** Starts {@code work} in the background and answers its row (RUNNING); follow it with {@link #await}. */
    public BackupOperation start(Work<?> work) {
        UUID id = begin(work);
        CompletableFuture<Void> over = new CompletableFuture<>();
        running.put(id, over);
        try {
            background.submit(() -> {
                try {
                    execute(id, work);
                } catch (RuntimeException e) {
                    // in its row
                } finally {
                    running.remove(id);
                    over.complete(null);
                }
            });
        } catch (RuntimeException e) {
            running.remove(id);
            over.complete(null);
            finish(id, null, ProblemMapper.body(503, "unavailable", "Service unavailable",
                    "the operation could not be started: " + e.getMessage(), Map.of()));
            throw ProblemException.unavailable("the operation could not be started: " + e.getMessage());
        }
        return read(id);
    }

    private UUID begin(Work<?> work) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            BackupOperation op = new BackupOperation();
            op.id = id;
            op.kind = work.kind();
            op.backupId = work.backupId();
            op.status = BackupOperation.Status.RUNNING;
            op.startedAt = clock.now();
            op.heartbeatAt = op.startedAt;
            op.filesTotal = work.filesTotal();
            op.bytesTotal = work.bytesTotal();
            op.request = work.request();
            op.persist();
        });
        return id;
    }

    private <T> T execute(UUID id, Work<T> work) {
        ProgressThrottle throttle = new ProgressThrottle(config.progressInterval());
        T report;
        try {
            report = work.run(id, (files, bytes) -> {
                if (throttle.due()) {
                    QuarkusTransaction.requiringNew().run(() -> BackupOperation.update(
                            "filesDone = ?1, bytesDone = ?2, heartbeatAt = ?3 where id = ?4 and status = ?5",
                            files, bytes, clock.now(), id, BackupOperation.Status.RUNNING));
                }
            });
        } catch (RuntimeException | Error e) {
            Map<String, Object> problem = GatewayProblems.details(e);
            finish(id, null, problem);
            if (e instanceof RuntimeException r && Integer.valueOf(500).equals(problem.get("status"))
                    && !(e instanceof ProblemException)) {
                // answered as the row says, with the reference logged once
                throw new ProblemException(500, "internal-error", "Internal error", (String) problem.get("detail"));
            }
            throw e;
        }
        finish(id, json.convertValue(report, MAP), null);
        return report;
    }

    private void finish(UUID id, Map<String, Object> result, Map<String, Object> problem) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                BackupOperation op = BackupOperation.findById(id);
                op.status = problem == null ? BackupOperation.Status.SUCCEEDED : BackupOperation.Status.FAILED;
                op.endedAt = clock.now();
                op.heartbeatAt = op.endedAt;
                op.result = result;
                op.problem = problem;
                if (result != null) {
                    op.filesDone = op.filesTotal;
                    op.bytesDone = op.bytesTotal;
                }
            });
        } catch (RuntimeException e) {
            // the row stays RUNNING and is read as FAILED once its heartbeat is old
            LOG.errorf(e, "operation %s ended but its row could not be updated", id);
        }
    }

    /**
     * The operation, once it is no longer RUNNING or when {@code wait} has passed, whichever comes first. One this
     * instance runs is answered the moment it ends; one another instance runs is read again every {@link RowWait#POLL}.
     */
    public BackupOperation await(UUID id, Duration wait) {
        return RowWait.until(wait, () -> read(id), op -> op.status == BackupOperation.Status.RUNNING, () -> running.get(id));
    }

    /** The operation's row; one whose heartbeat stopped is ended as FAILED first. 404 when there is none. */
    BackupOperation read(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            BackupOperation op = BackupOperation.findById(id);
            if (op == null) {
                throw ProblemException.notFound("no backup operation " + id);
            }
            Instant now = clock.now();
            if (op.status == BackupOperation.Status.RUNNING && !running.containsKey(id)
                    && op.heartbeatAt.isBefore(now.minus(config.orphanGrace()))) {
                op.status = BackupOperation.Status.FAILED;
                op.endedAt = now;
                op.problem = ProblemMapper.body(500, "operation-interrupted", "Operation interrupted",
                        "no instance has reported progress since " + op.heartbeatAt + " (the service stopped while it "
                                + "ran); what it restored so far stays: run it again", Map.of());
            }
            return op;
        });
    }

    /** Renews the heartbeat of every operation this instance runs, also one waiting for the gateway. */
    @Scheduled(every = "${syncvault.backup.progress-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeats() {
        Set<UUID> ids = Set.copyOf(running.keySet());
        if (!ids.isEmpty()) {
            QuarkusTransaction.requiringNew().run(() -> BackupOperation.update("heartbeatAt = ?1 where id in ?2 and status = ?3",
                    clock.now(), ids, BackupOperation.Status.RUNNING));
        }
    }
}
