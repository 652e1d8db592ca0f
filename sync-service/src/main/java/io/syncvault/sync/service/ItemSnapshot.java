package io.syncvault.sync.service;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.SyncItem;
import java.util.List;
import java.util.UUID;

/** An item's settings frozen at the start of a run, so that an edit during the run does not change it halfway. */
public record ItemSnapshot(UUID id, String localPath, String store, String remotePrefix, SyncDirection direction,
        ConflictStrategy strategy, List<String> includeGlobs, List<String> excludeGlobs, int versionsKept,
        int maxDeletePercent, Long maxFileSize) {

    public static ItemSnapshot of(SyncItem i) {
        return new ItemSnapshot(i.id, i.localPath, i.store, i.remotePrefix, i.direction, i.conflictStrategy,
                List.copyOf(i.includeGlobs), List.copyOf(i.excludeGlobs), i.versionsKept, i.maxDeletePercent, i.maxFileSize);
    }

    public String keyOf(String relativePath) {
        return remotePrefix.isEmpty() ? relativePath : remotePrefix + "/" + relativePath;
    }

    public String listPrefix() {
        return remotePrefix.isEmpty() ? "" : remotePrefix + "/";
    }

    public PathFilter filter() {
        return new PathFilter(includeGlobs, excludeGlobs);
    }
}
