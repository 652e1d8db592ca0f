package io.syncvault.sync.service;

/**
 * One step of a sync plan; every path gets at most one, so steps of different paths can run
 * in parallel. {@code local}, {@code remote} and {@code journal} are the states the decision
 * was based on: the executor uses them as preconditions (an upload sends {@code If-Match} with
 * {@code remote.versionTag()}, or create-only when {@code remote} is null; a download or a
 * local delete first checks the file still looks like {@code local}), so a change that happens
 * after planning is detected, never clobbered.
 *
 * @param conflict  the path was edited on both sides (or this step settles such an edit)
 * @param otherPath for {@link Kind#KEEP_BOTH}: the name the local file is renamed to; for
 *                  {@link Kind#MOVE_LOCAL} and {@link Kind#MOVE_REMOTE}: the path the file is moved from
 */
public record SyncAction(Kind kind, String path, FileState local, FileState remote, JournalState journal,
        boolean conflict, String otherPath) {

    /** What the step does. */
    public enum Kind {
        /** Send the local file to the store. */
        UPLOAD,
        /** Fetch the remote object into the local folder (temp file, verify, atomic rename). */
        DOWNLOAD,
        /** Remove the local file. */
        DELETE_LOCAL,
        /**
         * The remote side renamed a file: the local file at {@code otherPath} (its state {@code local}, unchanged since
         * the last sync) has the content of the new remote object at {@code path}, so it is moved there instead of
         * being deleted at {@code otherPath} and downloaded again at {@code path}. Not a delete for the guard.
         */
        MOVE_LOCAL,
        /** Remove the remote object (the gateway keeps it as a version). */
        DELETE_REMOTE,
        /**
         * A file renamed here: the remote object at {@code otherPath} (its state {@code remote}, unchanged since the
         * last sync) has the content of the new local file at {@code path} ({@code local}), so the gateway copies it
         * to {@code path} and the old object is deleted (kept as a version), instead of the file being uploaded
         * again. Not a delete for the guard.
         */
        MOVE_REMOTE,
        /** Rename the local file to {@code otherPath}, upload the copy (if the direction writes the store), download the remote. */
        KEEP_BOTH,
        /** Store the conflict for a decision through the API; change nothing. */
        RECORD_CONFLICT,
        /** Both sides already agree: just record their state in the journal. */
        JOURNAL_UPDATE,
        /** The path is gone from both sides: forget it. */
        JOURNAL_REMOVE
    }

    /** The journal entry to write once the step succeeded with these states, for steps that need no transfer. */
    public JournalState agreedJournal() {
        return JournalState.of(local, remote.versionTag());
    }

    public boolean deletes() {
        return kind == Kind.DELETE_LOCAL || kind == Kind.DELETE_REMOTE;
    }

    public boolean transfers() {
        return kind == Kind.UPLOAD || kind == Kind.DOWNLOAD || kind == Kind.KEEP_BOTH;
    }
}
