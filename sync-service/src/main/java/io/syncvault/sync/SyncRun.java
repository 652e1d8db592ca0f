package io.syncvault.sync;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One sync run of one item: its progress while it runs, its result and errors after. */
@Entity
@Table(name = "sync_run")
public class SyncRun extends PanacheEntityBase {

    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    /** The max-delete guard stopped the run before it changed anything. */
    public static final String ABORTED = "ABORTED";

    @Id
    public UUID id;

    @Column(name = "item_id", nullable = false)
    public UUID itemId;

    /** What started it: API, SCHEDULE, PUSH or RESOLVE. */
    @Column(nullable = false)
    public String trigger;

    @Column(nullable = false)
    public String node;

    @Column(nullable = false)
    public String status;

    @Column(name = "files_total", nullable = false)
    public long filesTotal;

    @Column(name = "files_done", nullable = false)
    public long filesDone;

    @Column(name = "bytes_total", nullable = false)
    public long bytesTotal;

    @Column(name = "bytes_done", nullable = false)
    public long bytesDone;

    @JdbcTypeCode(SqlTypes.JSON)
    public SyncResult result;

    public String error;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "heartbeat_at", nullable = false)
    public Instant heartbeatAt;

    @Column(name = "finished_at")
    public Instant finishedAt;
}
