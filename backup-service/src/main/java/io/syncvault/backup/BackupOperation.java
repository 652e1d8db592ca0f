package io.syncvault.backup;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A restore or a verification of a backup, from its start: its progress while it runs (also its heartbeat), then
 * its report ({@code result}) or the problem details it failed with ({@code problem}).
 */
@Entity
@Table(name = "backup_operation")
public class BackupOperation extends PanacheEntityBase {

    /** What the operation does. */
    public enum Kind {
        RESTORE, VERIFY
    }

    /** Where an operation is in its life. */
    public enum Status {
        RUNNING, SUCCEEDED, FAILED
    }

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    @Column(name = "backup_id", nullable = false)
    public String backupId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Column(name = "heartbeat_at", nullable = false)
    public Instant heartbeatAt;

    @Column(name = "files_done", nullable = false)
    public long filesDone;

    @Column(name = "files_total", nullable = false)
    public long filesTotal;

    @Column(name = "bytes_done", nullable = false)
    public long bytesDone;

    @Column(name = "bytes_total", nullable = false)
    public long bytesTotal;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, Object> request;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> result;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> problem;
}
