package io.syncvault.sync.events;

import io.syncvault.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * The events this service publishes on {@code sync.events}, written through the outbox in the
 * transaction of the change they announce. Subject (and record key) is always the item id, so
 * one item's events keep their order. Per-file events carry a batch of files, not one each.
 */
@ApplicationScoped
public class SyncEvents {

    public static final String TOPIC = "sync.events";
    public static final String PREFIX = "io.syncvault.sync.";

    public static final String SYNC_STARTED = "sync_started";
    public static final String SYNC_COMPLETED = "sync_completed";
    public static final String SYNC_FAILED = "sync_failed";
    public static final String ITEM_UPLOADED = "item_uploaded";
    public static final String ITEM_DOWNLOADED = "item_downloaded";
    public static final String ITEM_DELETED = "item_deleted";
    public static final String CONFLICT_DETECTED = "conflict_detected";
    public static final String CONFLICT_RESOLVED = "conflict_resolved";
    public static final String DELETE_GUARD_TRIPPED = "delete_guard_tripped";

    private final Outbox outbox;

    public SyncEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Adds an event of {@code type} (short name, e.g. {@link #SYNC_STARTED}) about an item. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String type, UUID itemId, Object data) {
        outbox.add(TOPIC, PREFIX + type, itemId.toString(), data);
    }
}
