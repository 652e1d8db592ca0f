package io.syncvault.backup;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * What to back up (items under the configured roots, filtered by include/exclude globs),
 * to which store, how (compression, part size), when (interval or cron, or after a sync of an
 * item) and how many backups to keep.
 */
@Entity
@Table(name = "backup_definition")
public class BackupDefinition extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String name;

    /** Paths of files or folders, absolute or relative to the first configured root. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> items;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "include_globs", nullable = false)
    public List<String> include;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "exclude_globs", nullable = false)
    public List<String> exclude;

    @Column(nullable = false)
    public String store;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Compression compression;

    @Column(name = "part_size", nullable = false)
    public long partSize;

    @Column(name = "schedule_interval")
    public String scheduleInterval;

    @Column(name = "schedule_cron")
    public String scheduleCron;

    @Column(name = "max_backups")
    public Integer maxBackups;

    @Column(name = "keep_last")
    public Integer keepLast;

    @Column(name = "keep_daily")
    public Integer keepDaily;

    @Column(name = "keep_weekly")
    public Integer keepWeekly;

    @Column(name = "keep_monthly")
    public Integer keepMonthly;

    @Column(nullable = false)
    public boolean enabled;

    @Column(name = "trigger_sync_item_id")
    public String triggerSyncItemId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;

    public RetentionPolicy retention() {
        return new RetentionPolicy(maxBackups, keepLast, keepDaily, keepWeekly, keepMonthly);
    }
}
