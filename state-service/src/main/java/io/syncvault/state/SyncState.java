package io.syncvault.state;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One JSON state in a namespace, as stored on this node and as exchanged between nodes.
 * {@code version} counts this node's stored changes (the value for {@code If-Match}); it is
 * local and plays no part in reconciliation, which goes by {@code clock}. A delete is a
 * tombstone: {@code deleted} true and {@code data} null, kept so the delete replicates and an
 * older version never brings the state back.
 */
public record SyncState(
        String namespace,
        String id,
        JsonNode data,
        VectorClock clock,
        String lastWriter,
        long version,
        Instant createdAt,
        Instant updatedAt,
        String checksum,
        boolean deleted) {

    /** True when both carry the same content (data or tombstone), whatever their clocks. */
    public boolean sameContent(SyncState other) {
        return deleted == other.deleted && checksum.equals(other.checksum);
    }

    public SyncState withVersion(long newVersion) {
        return new SyncState(namespace, id, data, clock, lastWriter, newVersion, createdAt, updatedAt, checksum, deleted);
    }

    public SyncState withClock(VectorClock newClock) {
        return new SyncState(namespace, id, data, newClock, lastWriter, version, createdAt, updatedAt, checksum, deleted);
    }

    public SyncState withCreatedAt(Instant created) {
        return new SyncState(namespace, id, data, clock, lastWriter, version, created, updatedAt, checksum, deleted);
    }

    public SyncState withNamespace(String ns) {
        return new SyncState(ns, id, data, clock, lastWriter, version, createdAt, updatedAt, checksum, deleted);
    }
}
