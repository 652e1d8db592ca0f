package io.syncvault.sync.service;

/**
 * What a path looked like on both sides after the last successful sync of it: the local
 * file's size, mtime and SHA-256 and the remote object's version tag. It is the common
 * ancestor that makes the delta three-way.
 */
public record JournalState(long size, long mtime, String sha256, String versionTag) {

    /** The journal after a transfer that left {@code local} on disk and {@code versionTag} in the store. */
    public static JournalState of(FileState local, String versionTag) {
        return new JournalState(local.size(), local.mtime(), local.sha256(), versionTag);
    }

    public boolean sameContent(FileState state) {
        return state != null && size == state.size() && sha256 != null && sha256.equalsIgnoreCase(state.sha256());
    }
}
