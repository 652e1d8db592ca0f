package io.syncvault.sync.rest;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.SyncItem;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A sync item as the API shows it. */
public record SyncItemView(UUID id, String name, String localPath, String store, String remotePrefix,
        SyncDirection direction, ConflictStrategy conflictStrategy, List<String> includeGlobs, List<String> excludeGlobs,
        boolean enabled, long intervalSeconds, int versionsKept, int maxDeletePercent, Long maxFileSize,
        Instant createdAt, Instant updatedAt) {

    static SyncItemView of(SyncItem i) {
        return new SyncItemView(i.id, i.name, i.localPath, i.store, i.remotePrefix, i.direction, i.conflictStrategy,
                List.copyOf(i.includeGlobs), List.copyOf(i.excludeGlobs), i.enabled, i.intervalSeconds, i.versionsKept,
                i.maxDeletePercent, i.maxFileSize, i.createdAt, i.updatedAt);
    }
}
