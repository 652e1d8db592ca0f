package io.syncvault.sync.service;

import java.util.List;

/**
 * What one sync run will do: the steps, the paths left alone and why, and, when the deletes
 * would exceed the item's guard, why the run does nothing at all.
 */
public record SyncPlan(List<SyncAction> actions, List<Skipped> skipped, DeleteGuard deleteGuard) {

    /** A path the run does not touch, with the reason (size limit, direction, manual conflict...). */
    public record Skipped(String path, String reason) {
    }

    /**
     * The max-delete guard tripped: deleting this many of the files on a side is more than
     * {@code maxPercent} percent of them, so nothing is done.
     */
    public record DeleteGuard(int localDeletes, int localFiles, int remoteDeletes, int remoteFiles, int maxPercent) {
    }

    public boolean aborted() {
        return deleteGuard != null;
    }

    public long count(SyncAction.Kind kind) {
        return actions.stream().filter(a -> a.kind() == kind).count();
    }
}
