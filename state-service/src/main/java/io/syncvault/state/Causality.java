package io.syncvault.state;

/** How one vector clock relates to another: happened before, after, is the same, or neither. */
public enum Causality {
    /** This clock happened before the other (the other descends from it). */
    BEFORE,
    /** This clock happened after the other (it descends from the other). */
    AFTER,
    /** The clocks are identical. */
    EQUAL,
    /** Neither descends from the other: the versions were written independently, a conflict. */
    CONCURRENT
}
