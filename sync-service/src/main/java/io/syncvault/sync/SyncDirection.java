package io.syncvault.sync;

/**
 * Which side of a sync item may be written. One-way directions propagate only the source
 * side's changes and never clobber a change made on the target side (it is reported as skipped).
 */
public enum SyncDirection {
    /** Local changes go to the store; the local folder is never written. */
    UPLOAD,
    /** Store changes come to the local folder; the store is never written. */
    DOWNLOAD,
    /** Changes go both ways; edits on both sides of one path are a conflict. */
    BIDIRECTIONAL;

    public boolean writesRemote() {
        return this != DOWNLOAD;
    }

    public boolean writesLocal() {
        return this != UPLOAD;
    }
}
