package io.syncvault.sync;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A path edited differently on both sides, kept for a decision (MANUAL strategy). A resolution
 * chosen through the API is carried out by the next run, which then marks it applied.
 */
@Entity
@Table(name = "sync_conflict")
public class SyncConflict extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "item_id", nullable = false)
    public UUID itemId;

    @Column(nullable = false)
    public String path;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "local_state")
    public Map<String, Object> localState;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "remote_state")
    public Map<String, Object> remoteState;

    @Column(name = "detected_at", nullable = false)
    public Instant detectedAt;

    /** LOCAL, REMOTE or BOTH once chosen. */
    public String resolution;

    @Column(name = "resolved_at")
    public Instant resolvedAt;

    /** When a run carried the resolution out (or found the conflict gone). */
    @Column(name = "applied_at")
    public Instant appliedAt;
}
