package io.syncvault.sync;

/** How a path edited differently on both sides since the last sync is settled. */
public enum ConflictStrategy {
    /** The local file replaces the remote object (the replaced object is kept as a gateway version). */
    LOCAL_WINS,
    /** The remote object replaces the local file (the conflict is recorded and announced). */
    REMOTE_WINS,
    /** The side with the later modification time wins; equal times keep both. */
    NEWEST_WINS,
    /** The local file is renamed to a conflict copy that is synced too; the remote one takes the name. */
    KEEP_BOTH,
    /** Nothing is changed; the conflict is stored until resolved through the API. */
    MANUAL
}
