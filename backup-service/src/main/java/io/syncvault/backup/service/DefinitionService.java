package io.syncvault.backup.service;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import io.syncvault.backup.Backup;
import io.syncvault.backup.BackupDefinition;
import io.syncvault.backup.Compression;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.config.BackupConfig;
import io.syncvault.backup.rest.DefinitionRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/** Creates, changes and removes backup definitions, keeping their schedules in step. */
@ApplicationScoped
public class DefinitionService {

    /** The original BackupManager's default items (relative to the first root), interval and retention. */
    static final List<String> DEFAULT_ITEMS = List.of(".codebuddy/sessions", ".codebuddy/memory", ".codebuddy/settings");
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private final BackupConfig config;
    private final BackupScheduler scheduler;
    private final ItemResolver resolver;

    public DefinitionService(BackupConfig config, BackupScheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.resolver = new ItemResolver(config.roots());
    }

    @Transactional
    public BackupDefinition create(DefinitionRequest r) {
        if (BackupDefinition.count("name", r.name()) > 0) {
            throw ProblemException.conflict("a backup definition named '" + r.name() + "' exists");
        }
        BackupDefinition d = new BackupDefinition();
        d.id = UUID.randomUUID();
        d.createdAt = Instant.now();
        apply(d, r);
        d.persist();
        flushNamed(r.name());
        scheduler.afterCommit(d.id);
        return d;
    }

    /** The original BackupManager's defaults as one definition: hourly, five kept. */
    @Transactional
    public BackupDefinition createDefaults() {
        return create(new DefinitionRequest("default", DEFAULT_ITEMS, List.of(), List.of(), null, Compression.GZIP, null,
                "1h", null, 5, null, null, null, null, true, null));
    }

    @Transactional
    public BackupDefinition update(UUID id, DefinitionRequest r) {
        BackupDefinition d = get(id);
        if (!d.name.equals(r.name()) && BackupDefinition.count("name", r.name()) > 0) {
            throw ProblemException.conflict("a backup definition named '" + r.name() + "' exists");
        }
        apply(d, r);
        flushNamed(r.name());
        scheduler.afterCommit(d.id);
        return d;
    }

    /**
     * Writes the definition now, so that a name taken by a write at the same moment (both passed the check above,
     * the unique index lets one in) is the same 409 as a name taken before, not a failed commit (500).
     */
    private static void flushNamed(String name) {
        try {
            BackupDefinition.flush();
        } catch (PersistenceException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                    throw ProblemException.conflict("a backup definition named '" + name + "' exists");
                }
            }
            throw e;
        }
    }

    @Transactional
    public void delete(UUID id) {
        BackupDefinition d = get(id);
        if (Backup.count("definitionId = ?1 and status = ?2", id, Backup.Status.RUNNING) > 0) {
            throw ProblemException.conflict("a backup of '" + d.name + "' is running");
        }
        d.delete();
        scheduler.afterCommit(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public BackupDefinition get(UUID id) {
        BackupDefinition d = BackupDefinition.findById(id);
        if (d == null) {
            throw ProblemException.notFound("no backup definition " + id);
        }
        return d;
    }

    private void apply(BackupDefinition d, DefinitionRequest r) {
        for (String item : r.items()) {
            resolver.confine(item, "item");
        }
        if (r.scheduleInterval() != null && r.scheduleCron() != null) {
            throw ProblemException.badRequest("give scheduleInterval or scheduleCron, not both");
        }
        if (r.scheduleInterval() != null) {
            intervalOf(r.scheduleInterval());
        }
        if (r.scheduleCron() != null) {
            try {
                CRON.parse(r.scheduleCron()).validate();
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("scheduleCron '" + r.scheduleCron()
                        + "' is not a Quartz cron expression (seconds minutes hours day month weekday): " + e.getMessage());
            }
        }
        long partSize = r.partSize() == null ? config.defaultPartSize().asLongValue() : r.partSize();
        if (partSize < config.minPartSize().asLongValue()) {
            throw ProblemException.unprocessable("partSize must be at least " + config.minPartSize().asLongValue() + " bytes");
        }
        d.name = r.name();
        d.items = List.copyOf(r.items());
        d.include = r.include() == null ? List.of() : List.copyOf(r.include());
        d.exclude = r.exclude() == null ? List.of() : List.copyOf(r.exclude());
        d.store = r.store() == null ? config.defaultStore() : r.store();
        d.compression = r.compression() == null ? Compression.GZIP : r.compression();
        d.partSize = partSize;
        d.scheduleInterval = r.scheduleInterval();
        d.scheduleCron = r.scheduleCron();
        d.maxBackups = r.maxBackups();
        d.keepLast = r.keepLast();
        d.keepDaily = r.keepDaily();
        d.keepWeekly = r.keepWeekly();
        d.keepMonthly = r.keepMonthly();
        d.enabled = r.enabled() == null || r.enabled();
        d.triggerSyncItemId = r.triggerSyncItemId();
        d.updatedAt = Instant.now();
    }

    /** Accepts "90s", "15m", "1h", "2d" or ISO-8601 "PT1H"; at least one second. */
    static Duration intervalOf(String text) {
        try {
            Duration d = text.matches("\\d+[smhd]")
                    ? Duration.parse((text.endsWith("d") ? "P" : "PT") + text.toUpperCase())
                    : Duration.parse(text);
            if (d.getSeconds() < 1) {
                throw ProblemException.badRequest("scheduleInterval must be at least one second");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("scheduleInterval '" + text + "' is neither like 15m/1h/2d nor ISO-8601 (PT1H)");
        }
    }
}
