package io.syncvault.state;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Two concurrent versions of one state as this node saw them. The id is derived from the two
 * versions, so every node that meets the same pair records the same conflict, once.
 * {@code resolution} is null while open; automatic strategies record it already resolved.
 */
public record StateConflict(
        UUID id,
        String namespace,
        String stateId,
        SyncState local,
        SyncState remote,
        ConflictStrategy strategy,
        Instant detectedAt,
        String resolution,
        Instant resolvedAt,
        JsonNode resolvedData) {

    public boolean open() {
        return resolution == null;
    }
}
