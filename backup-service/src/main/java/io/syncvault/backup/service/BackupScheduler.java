package io.syncvault.backup.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.quarkus.scheduler.Scheduler;
import io.syncvault.backup.BackupDefinition;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.config.BackupConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * One Quarkus scheduler job per enabled definition with an interval or a cron expression,
 * kept in step with the definitions (rescheduled after each committed change). A job whose
 * previous backup still runs is skipped, not queued. Every instance of the service runs the jobs; a tick
 * starts a backup only when no instance started one for a tick less than half a period before
 * ({@link BackupService#startScheduled}), so several instances make one backup per period.
 */
@ApplicationScoped
public class BackupScheduler {

    private static final Logger LOG = Logger.getLogger(BackupScheduler.class);
    private final Scheduler scheduler;
    private final Instance<BackupService> backups;
    private final BackupConfig config;
    private final TransactionSynchronizationRegistry transactions;

    public BackupScheduler(Scheduler scheduler, Instance<BackupService> backups, BackupConfig config,
            TransactionSynchronizationRegistry transactions) {
        this.scheduler = scheduler;
        this.backups = backups;
        this.config = config;
        this.transactions = transactions;
    }

    void onStart(@Observes StartupEvent e) {
        if (!config.schedulesEnabled()) {
            return;
        }
        List<UUID> ids = QuarkusTransaction.requiringNew().call(() -> BackupDefinition.<BackupDefinition>list("enabled", true)
                .stream().map(d -> d.id).toList());
        ids.forEach(this::reschedule);
    }

    /** Reschedules the definition once the current transaction has committed. */
    public void afterCommit(UUID id) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    // outside the finished transaction: read the committed state on another thread
                    Thread t = new Thread(() -> reschedule(id), "backup-reschedule");
                    t.setDaemon(true);
                    t.start();
                }
            }
        });
    }

    public void reschedule(UUID id) {
        String job = "backup-" + id;
        scheduler.unscheduleJob(job);
        if (!config.schedulesEnabled()) {
            return;
        }
        BackupDefinition d = QuarkusTransaction.requiringNew().call(() -> BackupDefinition.<BackupDefinition>findById(id));
        if (d == null || !d.enabled || (d.scheduleInterval == null && d.scheduleCron == null)) {
            return;
        }
        Duration interval = d.scheduleInterval == null ? null : DefinitionService.intervalOf(d.scheduleInterval);
        Scheduler.JobDefinition<?> definition = scheduler.newJob(job)
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> runScheduled(id, execution, interval));
        if (interval != null) {
            definition.setInterval(interval.getSeconds() + "s");
            definition.setDelayed(interval.getSeconds() + "s");
        } else {
            definition.setCron(d.scheduleCron);
        }
        definition.schedule();
        LOG.infof("scheduled backups of '%s' (%s)", d.name, d.scheduleInterval != null ? "every " + d.scheduleInterval
                : "cron " + d.scheduleCron);
    }

    /**
     * One tick: the backup starts unless another instance's tick less than half a period before started one
     * (the period is the interval, or the time from this cron tick to the next).
     */
    private void runScheduled(UUID id, ScheduledExecution execution, Duration interval) {
        Instant fired = execution.getScheduledFireTime();
        Duration period = interval;
        if (period == null) {
            Instant next = execution.getTrigger().getNextFireTime();
            period = next == null || !next.isAfter(fired) ? Duration.ZERO : Duration.between(fired, next);
        }
        try {
            backups.get().startScheduled(id, fired, period);
        } catch (ProblemException e) {
            LOG.infof("scheduled backup of %s not started: %s", id, e.getMessage());
        }
    }
}
