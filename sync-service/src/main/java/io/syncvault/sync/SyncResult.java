package io.syncvault.sync;

import java.util.List;

/**
 * What a finished run did: counts per kind of step, bytes moved, duration, the paths it left
 * alone and the errors of paths that failed (retried next run). {@code movedLocal} counts files
 * the remote side renamed that were renamed here too (neither downloaded nor deleted),
 * {@code movedRemote} files renamed here whose objects the gateway copied to the new name
 * (neither uploaded nor counted as deletes).
 */
public record SyncResult(long uploaded, long downloaded, long deletedLocal, long deletedRemote, long movedLocal,
        long movedRemote, long conflicts,
        long skipped, long journalOnly, long bytesTransferred, long durationMillis, List<PathNote> skippedPaths,
        List<PathNote> errors, DeleteGuardReport deleteGuard) {

    /** A path and what happened to it. */
    public record PathNote(String path, String reason) {
    }

    /** The max-delete guard tripped: how many deletes were planned against how many files. */
    public record DeleteGuardReport(int localDeletes, int localFiles, int remoteDeletes, int remoteFiles, int maxPercent) {
    }
}
