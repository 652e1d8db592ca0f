package io.syncvault.sync;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A local folder paired with a store prefix, and the rules by which the two are kept in step. */
@Entity
@Table(name = "sync_item")
public class SyncItem extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    /** Absolute, real (symlink-free) path of the local folder, under a configured root. */
    @Column(name = "local_path", nullable = false)
    public String localPath;

    @Column(nullable = false)
    public String store;

    /** Key prefix in the store without a trailing '/'; empty for the whole store. */
    @Column(name = "remote_prefix", nullable = false)
    public String remotePrefix;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public SyncDirection direction;

    @Enumerated(EnumType.STRING)
    @Column(name = "conflict_strategy", nullable = false)
    public ConflictStrategy conflictStrategy;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "include_globs", nullable = false)
    public List<String> includeGlobs = new ArrayList<>();

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "exclude_globs", nullable = false)
    public List<String> excludeGlobs = new ArrayList<>();

    @Column(nullable = false)
    public boolean enabled;

    /** Auto-sync interval in seconds; 0 = only on demand or on a remote change. */
    @Column(name = "interval_seconds", nullable = false)
    public long intervalSeconds;

    @Column(name = "versions_kept", nullable = false)
    public int versionsKept;

    @Column(name = "max_delete_percent", nullable = false)
    public int maxDeletePercent;

    /** Files larger than this are skipped; null = no limit. */
    @Column(name = "max_file_size")
    public Long maxFileSize;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** The key of a relative path of this item in the store. */
    public String keyOf(String relativePath) {
        return remotePrefix.isEmpty() ? relativePath : remotePrefix + "/" + relativePath;
    }

    /** The prefix to list, ending in '/' unless the item spans the whole store. */
    public String listPrefix() {
        return remotePrefix.isEmpty() ? "" : remotePrefix + "/";
    }
}
