package io.syncvault.state;

/**
 * What a namespace does when a remote version is concurrent with the local one. Every
 * automatic strategy records the conflict (already resolved) so no write disappears without
 * a trace; MANUAL and a MERGE that touches the same field on both sides leave it open.
 */
public enum ConflictStrategy {
    /** The version written last (wall clock of the write, then the clocks' total order) wins. */
    LAST_WRITE_WINS,
    /** This node's version wins. */
    LOCAL_WINS,
    /** The incoming version wins. */
    REMOTE_WINS,
    /** Per-field JSON merge against the last common version; the same field changed differently is a conflict. */
    MERGE,
    /** Nothing is decided: the conflict is stored until someone resolves it. */
    MANUAL
}
