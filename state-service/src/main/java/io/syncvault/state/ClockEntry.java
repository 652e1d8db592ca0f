package io.syncvault.state;

/**
 * One node's entry in a vector clock: how many changes that node has made, and when (epoch
 * millis) its counter last moved, which pruning uses to tell old entries from young ones.
 * {@code updatedAt == 0} means unknown; such entries are never pruned.
 */
public record ClockEntry(long counter, long updatedAt) {

    public ClockEntry {
        if (counter < 0) {
            throw new IllegalArgumentException("a clock counter is never negative: " + counter);
        }
    }
}
