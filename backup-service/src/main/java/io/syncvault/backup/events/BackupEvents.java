package io.syncvault.backup.events;

import io.syncvault.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * The events this service announces on {@code backup.events}, each written to the outbox in
 * the transaction of the change it reports. The subject is always the backup id.
 */
@ApplicationScoped
public class BackupEvents {

    public static final String TOPIC = "backup.events";
    public static final String PREFIX = "io.syncvault.backup.";
    public static final String BACKUP_STARTED = "backup_started";
    public static final String BACKUP_PROGRESS = "backup_progress";
    public static final String BACKUP_CREATED = "backup_created";
    public static final String BACKUP_FAILED = "backup_failed";
    public static final String BACKUP_DELETED = "backup_deleted";
    public static final String BACKUP_VERIFIED = "backup_verified";
    public static final String RESTORE_STARTED = "restore_started";
    public static final String RESTORE_PROGRESS = "restore_progress";
    public static final String RESTORE_COMPLETED = "restore_completed";
    public static final String RESTORE_FAILED = "restore_failed";

    private final Outbox outbox;

    public BackupEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(String event, String backupId, Object data) {
        outbox.add(TOPIC, PREFIX + event, backupId, data);
    }
}
