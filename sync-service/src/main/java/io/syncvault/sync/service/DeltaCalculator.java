package io.syncvault.sync.service;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.service.SyncAction.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The three-way delta: compares each path's local state and remote state with the journal
 * (their common state at the last sync) and decides one step per path.
 * <ul>
 * <li>Against the journal each side is new, changed, deleted or unchanged; a path absent from
 * the journal is new, so a first run (empty journal) never deletes: it unions.</li>
 * <li>Equal content on both sides is never a conflict: only the journal is brought up to date.</li>
 * <li>A modification beats a delete: the modified file is copied back rather than deleted.</li>
 * <li>An edit on both sides is a conflict, settled by the strategy (or a resolution chosen
 * through the API); a one-way direction never writes its source side.</li>
 * <li>A file renamed on one side (gone at one path, new with the same content at another) is
 * moved on the other rather than deleted there and sent again.</li>
 * <li>When the deletes on a side would exceed the max-delete percentage of its files, the plan
 * is empty and says why: nothing is deleted, nothing else is done.</li>
 * </ul>
 * Plain Java, no I/O: the maps are snapshots taken by the caller.
 */
public final class DeltaCalculator {

    private DeltaCalculator() {
    }

    public static SyncPlan plan(Map<String, FileState> local, Map<String, FileState> remote,
            Map<String, JournalState> journal, SyncOptions options) {
        TreeSet<String> paths = new TreeSet<>();
        paths.addAll(local.keySet());
        paths.addAll(remote.keySet());
        paths.addAll(journal.keySet());
        List<SyncAction> actions = new ArrayList<>();
        List<SyncPlan.Skipped> skipped = new ArrayList<>();
        int localFiles = 0;
        int remoteFiles = 0;
        for (String path : paths) {
            if (!options.filter().accepts(path)) {
                continue;
            }
            FileState l = local.get(path);
            FileState r = remote.get(path);
            JournalState j = journal.get(path);
            localFiles += l == null ? 0 : 1;
            remoteFiles += r == null ? 0 : 1;
            if (tooLarge(l, options) || tooLarge(r, options)) {
                skipped.add(new SyncPlan.Skipped(path, "larger than the max file size of " + options.maxFileSize() + " bytes"));
                continue;
            }
            decide(path, l, r, j, options, local, remote, actions, skipped);
        }
        List<SyncAction> steps = withMoves(actions);
        SyncPlan.DeleteGuard guard = guard(steps, localFiles, remoteFiles, options.maxDeletePercent());
        if (guard != null) {
            return new SyncPlan(List.of(), List.copyOf(skipped), guard);
        }
        return new SyncPlan(List.copyOf(steps), List.copyOf(skipped), null);
    }

    /**
     * Renames, done as renames on the other side. A step that creates a path new to the journal and absent on
     * the side it writes, paired with a delete on that side of a path unchanged since the last sync whose
     * content (size and SHA-256) is the same, becomes one move: a download with a local delete becomes a
     * {@link Kind#MOVE_LOCAL}, an upload with a remote delete a {@link Kind#MOVE_REMOTE}. Each delete pairs with
     * at most one create, in path order; neither step of a conflict takes part.
     */
    static List<SyncAction> withMoves(List<SyncAction> actions) {
        return paired(paired(actions, Kind.MOVE_LOCAL), Kind.MOVE_REMOTE);
    }

    private static List<SyncAction> paired(List<SyncAction> actions, Kind move) {
        boolean local = move == Kind.MOVE_LOCAL;
        Kind delete = local ? Kind.DELETE_LOCAL : Kind.DELETE_REMOTE;
        Kind create = local ? Kind.DOWNLOAD : Kind.UPLOAD;
        Map<String, ArrayDeque<SyncAction>> deletes = new HashMap<>();
        for (SyncAction a : actions) {
            FileState gone = local ? a.local() : a.remote();
            if (a.kind() == delete && !a.conflict() && gone != null && gone.sha256() != null) {
                deletes.computeIfAbsent(contentKey(gone), k -> new ArrayDeque<>()).add(a);
            }
        }
        if (deletes.isEmpty()) {
            return actions;
        }
        Map<String, SyncAction> moves = new HashMap<>();
        Set<String> movedAway = new HashSet<>();
        for (SyncAction a : actions) {
            FileState brought = local ? a.remote() : a.local();
            FileState there = local ? a.local() : a.remote();
            if (a.kind() == create && !a.conflict() && a.journal() == null && there == null && brought.sha256() != null) {
                ArrayDeque<SyncAction> same = deletes.get(contentKey(brought));
                SyncAction from = same == null ? null : same.poll();
                if (from != null) {
                    moves.put(a.path(), new SyncAction(move, a.path(), local ? from.local() : a.local(),
                            local ? a.remote() : from.remote(), null, false, from.path()));
                    movedAway.add(from.path());
                }
            }
        }
        List<SyncAction> out = new ArrayList<>(actions.size() - movedAway.size());
        for (SyncAction a : actions) {
            if (a.kind() == delete && movedAway.contains(a.path())) {
                continue;
            }
            out.add(a.kind() == create ? moves.getOrDefault(a.path(), a) : a);
        }
        return out;
    }

    private static String contentKey(FileState s) {
        return s.size() + ":" + s.sha256().toLowerCase(Locale.ROOT);
    }

    private static boolean tooLarge(FileState s, SyncOptions o) {
        return s != null && s.size() > o.maxFileSize();
    }

    private static void decide(String path, FileState l, FileState r, JournalState j, SyncOptions o,
            Map<String, FileState> local, Map<String, FileState> remote, List<SyncAction> out,
            List<SyncPlan.Skipped> skipped) {
        SyncDirection dir = o.direction();
        if (l == null && r == null) {
            out.add(new SyncAction(Kind.JOURNAL_REMOVE, path, null, null, j, false, null));
            return;
        }
        if (l != null && r != null && l.sameContent(r)) {
            // same bytes on both sides: not a conflict; refresh the journal if it is not exactly this
            JournalState agreed = JournalState.of(l, r.versionTag());
            if (!agreed.equals(j)) {
                out.add(new SyncAction(Kind.JOURNAL_UPDATE, path, l, r, j, false, null));
            }
            return;
        }
        Change lc = Change.of(l, j);
        Change rc = remoteChange(r, j);
        if (lc.isEdit() && rc.isEdit()) {
            conflict(path, l, r, j, o, local, remote, out, skipped);
        } else if (lc.isEdit()) {
            // remote unchanged, deleted or never there: push (a modification beats a delete)
            if (dir.writesRemote()) {
                out.add(new SyncAction(Kind.UPLOAD, path, l, r, j, false, null));
            } else {
                skipped.add(new SyncPlan.Skipped(path, "local change not uploaded (direction " + dir + ")"));
            }
        } else if (rc.isEdit()) {
            if (dir.writesLocal()) {
                out.add(new SyncAction(Kind.DOWNLOAD, path, l, r, j, false, null));
            } else {
                skipped.add(new SyncPlan.Skipped(path, "remote change not downloaded (direction " + dir + ")"));
            }
        } else if (lc == Change.DELETED) {
            // the remote side is unchanged (content as journaled)
            if (dir.writesRemote()) {
                out.add(new SyncAction(Kind.DELETE_REMOTE, path, null, r, j, false, null));
            } else {
                skipped.add(new SyncPlan.Skipped(path, "local delete not propagated (direction " + dir + ")"));
            }
        } else if (rc == Change.DELETED) {
            if (dir.writesLocal()) {
                out.add(new SyncAction(Kind.DELETE_LOCAL, path, l, null, j, false, null));
            } else {
                skipped.add(new SyncPlan.Skipped(path, "remote delete not propagated (direction " + dir + ")"));
            }
        }
        // NONE on both sides with differing content cannot happen: both would equal the journal
    }

    /** Remote content is compared by SHA-256; the version tag alone changing (a rewrite of the same bytes) is not an edit. */
    private static Change remoteChange(FileState r, JournalState j) {
        if (j != null && r != null && r.versionTag() != null && r.versionTag().equals(j.versionTag())) {
            return Change.NONE;
        }
        return Change.of(r, j);
    }

    private static void conflict(String path, FileState l, FileState r, JournalState j, SyncOptions o,
            Map<String, FileState> local, Map<String, FileState> remote, List<SyncAction> out,
            List<SyncPlan.Skipped> skipped) {
        ConflictStrategy strategy = o.resolutions().getOrDefault(path, o.strategy());
        Winner winner = switch (strategy) {
            case LOCAL_WINS -> Winner.LOCAL;
            case REMOTE_WINS -> Winner.REMOTE;
            case KEEP_BOTH -> Winner.BOTH;
            case MANUAL -> Winner.NONE;
            case NEWEST_WINS -> l.mtime() > r.mtime() ? Winner.LOCAL : l.mtime() < r.mtime() ? Winner.REMOTE : Winner.BOTH;
        };
        SyncDirection dir = o.direction();
        if (winner == Winner.NONE) {
            out.add(new SyncAction(Kind.RECORD_CONFLICT, path, l, r, j, true, null));
            return;
        }
        if (dir == SyncDirection.UPLOAD) {
            // the source is local: it wins or nothing happens; a replaced remote object is kept as a version
            winner = winner == Winner.BOTH ? Winner.LOCAL : winner;
        }
        switch (winner) {
            case LOCAL -> {
                if (dir.writesRemote()) {
                    out.add(new SyncAction(Kind.UPLOAD, path, l, r, j, true, null));
                } else {
                    skipped.add(new SyncPlan.Skipped(path, "conflict: local wins but direction " + dir + " never uploads"));
                }
            }
            case REMOTE -> {
                if (dir.writesLocal()) {
                    out.add(new SyncAction(Kind.DOWNLOAD, path, l, r, j, true, null));
                } else {
                    skipped.add(new SyncPlan.Skipped(path, "conflict: remote wins but direction " + dir + " never downloads"));
                }
            }
            default -> {
                String copy = ConflictNames.copyName(path, o.now(), o.node(),
                        name -> local.containsKey(name) || remote.containsKey(name));
                out.add(new SyncAction(Kind.KEEP_BOTH, path, l, r, j, true, copy));
            }
        }
    }

    private enum Winner {
        LOCAL, REMOTE, BOTH, NONE
    }

    private static SyncPlan.DeleteGuard guard(List<SyncAction> actions, int localFiles, int remoteFiles, int maxPercent) {
        int localDeletes = (int) actions.stream().filter(a -> a.kind() == Kind.DELETE_LOCAL).count();
        int remoteDeletes = (int) actions.stream().filter(a -> a.kind() == Kind.DELETE_REMOTE).count();
        boolean trips = (localDeletes > 0 && 100L * localDeletes > (long) maxPercent * localFiles)
                || (remoteDeletes > 0 && 100L * remoteDeletes > (long) maxPercent * remoteFiles);
        return trips ? new SyncPlan.DeleteGuard(localDeletes, localFiles, remoteDeletes, remoteFiles, maxPercent) : null;
    }
}
