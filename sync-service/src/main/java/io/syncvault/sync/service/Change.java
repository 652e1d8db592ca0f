package io.syncvault.sync.service;

/** How one side of a path differs from the journal. */
public enum Change {
    NONE, NEW, CHANGED, DELETED, ABSENT;

    /** The side carries content the journal does not know. */
    public boolean isEdit() {
        return this == NEW || this == CHANGED;
    }

    static Change of(FileState side, JournalState journal) {
        if (journal == null) {
            return side == null ? ABSENT : NEW;
        }
        if (side == null) {
            return DELETED;
        }
        return journal.sameContent(side) ? NONE : CHANGED;
    }
}
