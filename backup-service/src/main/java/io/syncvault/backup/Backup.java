package io.syncvault.backup;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A backup in the catalog: a cache of its manifest once COMPLETED, and the progress of a
 * RUNNING one (its heartbeat tells a live run from one whose process died).
 */
@Entity
@Table(name = "backup")
public class Backup extends PanacheEntityBase {

    /** Where a backup is in its life. */
    public enum Status {
        RUNNING, COMPLETED, FAILED
    }

    @Id
    public String id;

    @Column(name = "definition_id")
    public UUID definitionId;

    @Column(name = "definition_name")
    public String definitionName;

    @Column(nullable = false)
    public String store;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(name = "heartbeat_at", nullable = false)
    public Instant heartbeatAt;

    /** The tick of the definition's schedule that started this backup (null for other starts). */
    @Column(name = "schedule_fired_at")
    public Instant scheduleFiredAt;

    @Column(name = "files_total")
    public long filesTotal;

    @Column(name = "bytes_total")
    public long bytesTotal;

    @Column(name = "files_done")
    public long filesDone;

    @Column(name = "bytes_done")
    public long bytesDone;

    @Column(name = "parts_done")
    public int partsDone;

    @Column(name = "stored_bytes")
    public long storedBytes;

    @Column(columnDefinition = "text")
    public String error;

    /** The manifest JSON, as stored beside the parts. */
    @Column(columnDefinition = "text")
    public String manifest;
}
