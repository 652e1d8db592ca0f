package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.service.SyncAction.Kind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The delta's rules, one named case each. */
class DeltaCalculatorTest {

    static final FileState A = FileState.local(1, 100, SyncModel.sha("a"));
    static final FileState B = FileState.local(1, 200, SyncModel.sha("b"));
    static final FileState C = FileState.local(1, 300, SyncModel.sha("c"));

    static FileState remote(FileState s, String tag) {
        return FileState.remote(s.size(), s.mtime(), s.sha256(), tag);
    }

    static JournalState journal(FileState s, String tag) {
        return JournalState.of(s, tag);
    }

    static SyncPlan plan(Map<String, FileState> l, Map<String, FileState> r, Map<String, JournalState> j, SyncOptions o) {
        return DeltaCalculator.plan(l, r, j, o);
    }

    static SyncOptions bi(ConflictStrategy s) {
        return SyncOptions.of(SyncDirection.BIDIRECTIONAL, s);
    }

    @Test
    void firstRunUnionsBothSidesAndDeletesNothing() {
        SyncPlan p = plan(Map.of("l", A), Map.of("r", remote(B, "t1")), Map.of(), bi(ConflictStrategy.MANUAL));
        assertThat(p.actions()).extracting(SyncAction::kind, SyncAction::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.UPLOAD, "l"),
                        org.assertj.core.groups.Tuple.tuple(Kind.DOWNLOAD, "r"));
        assertThat(p.actions().get(0).remote()).as("create-only upload").isNull();
    }

    @Test
    void sameContentOnBothSidesIsNoConflictJustAJournalEntry() {
        FileState touched = FileState.local(1, 999, A.sha256());
        SyncPlan p = plan(Map.of("f", touched), Map.of("f", remote(A, "t9")), Map.of(), bi(ConflictStrategy.MANUAL));
        assertThat(p.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.JOURNAL_UPDATE);
            assertThat(a.conflict()).isFalse();
            assertThat(a.agreedJournal()).isEqualTo(new JournalState(1, 999, A.sha256(), "t9"));
        });
    }

    @Test
    void unchangedOnBothSidesDoesNothing() {
        SyncPlan p = plan(Map.of("f", A), Map.of("f", remote(A, "t1")), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.MANUAL));
        assertThat(p.actions()).isEmpty();
    }

    @Test
    void deleteOnOneSideOfAnUnchangedFileIsPropagatedWithPreconditions() {
        SyncPlan local = plan(Map.of(), Map.of("f", remote(A, "t1")), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.MANUAL));
        assertThat(local.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.DELETE_REMOTE);
            assertThat(a.remote().versionTag()).isEqualTo("t1");
        });
        SyncPlan remote = plan(Map.of("f", A), Map.of(), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.MANUAL));
        assertThat(remote.actions()).extracting(SyncAction::kind).containsExactly(Kind.DELETE_LOCAL);
    }

    @Test
    void aFileTheRemoteSideRenamedIsMovedLocallyNotDeletedAndDownloaded() {
        // "old" is gone remotely and unchanged here; "new" is new remotely with the same bytes (another mtime)
        FileState renamed = FileState.remote(A.size(), 555, A.sha256(), "t2");
        SyncPlan p = plan(Map.of("old", A), Map.of("new", renamed), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL).withMaxDeletePercent(0));
        assertThat(p.aborted()).as("a move is not a delete for the guard").isFalse();
        assertThat(p.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.MOVE_LOCAL);
            assertThat(a.path()).isEqualTo("new");
            assertThat(a.otherPath()).isEqualTo("old");
            assertThat(a.local()).as("the precondition: the file to move as scanned").isEqualTo(A);
            assertThat(a.remote()).isEqualTo(renamed);
        });
    }

    @Test
    void aFileRenamedHereIsMovedInTheStoreNotUploadedAndDeleted() {
        SyncPlan p = plan(Map.of("new", A), Map.of("old", remote(A, "t1")), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL).withMaxDeletePercent(0));
        assertThat(p.aborted()).as("a move is not a delete for the guard").isFalse();
        assertThat(p.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.MOVE_REMOTE);
            assertThat(a.path()).isEqualTo("new");
            assertThat(a.otherPath()).isEqualTo("old");
            assertThat(a.local()).as("the renamed file as scanned").isEqualTo(A);
            assertThat(a.remote()).as("the precondition on the object to copy").isEqualTo(remote(A, "t1"));
        });
        // the object changed remotely since the last sync: a remote edit beats the local delete, no move
        SyncPlan changed = plan(Map.of("new", A), Map.of("old", remote(B, "t2")), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL));
        assertThat(changed.actions()).extracting(SyncAction::kind).containsExactlyInAnyOrder(Kind.UPLOAD, Kind.DOWNLOAD);
        // a direction that never writes the store uploads nothing, so moves nothing there
        SyncPlan down = plan(Map.of("new", A), Map.of("old", remote(A, "t1")), Map.of("old", journal(A, "t1")),
                SyncOptions.of(SyncDirection.DOWNLOAD, ConflictStrategy.MANUAL));
        assertThat(down.actions()).extracting(SyncAction::kind).doesNotContain(Kind.MOVE_REMOTE, Kind.DELETE_REMOTE);
    }

    @Test
    void onlyUnchangedFilesAndPlainNewObjectsPairAndEachFileMovesOnce() {
        FileState a2 = FileState.remote(A.size(), 100, A.sha256(), "t5");
        // two new remote copies of A's bytes, one local file of those bytes deleted remotely: one move, one download
        SyncPlan twice = plan(Map.of("old", A), Map.of("x1", a2, "x2", a2), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL));
        assertThat(twice.actions()).extracting(SyncAction::kind, SyncAction::path, SyncAction::otherPath)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.MOVE_LOCAL, "x1", "old"),
                        org.assertj.core.groups.Tuple.tuple(Kind.DOWNLOAD, "x2", null));
        // other bytes: no pairing
        SyncPlan other = plan(Map.of("old", A), Map.of("new", remote(B, "t2")), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL));
        assertThat(other.actions()).extracting(SyncAction::kind).containsExactlyInAnyOrder(Kind.DELETE_LOCAL, Kind.DOWNLOAD);
        // the local file was edited since the last sync: it is uploaded back (a modification beats a delete), not moved
        SyncPlan edited = plan(Map.of("old", B), Map.of("new", remote(B, "t2")), Map.of("old", journal(A, "t1")),
                bi(ConflictStrategy.MANUAL));
        assertThat(edited.actions()).extracting(SyncAction::kind).containsExactlyInAnyOrder(Kind.UPLOAD, Kind.DOWNLOAD);
        // the target path is known to the journal (deleted here, changed there): a plain download
        SyncPlan known = plan(Map.of("old", A), Map.of("new", a2), Map.of("old", journal(A, "t1"), "new", journal(C, "t0")),
                bi(ConflictStrategy.MANUAL));
        assertThat(known.actions()).extracting(SyncAction::kind).containsExactlyInAnyOrder(Kind.DELETE_LOCAL, Kind.DOWNLOAD);
        // a direction that never writes the local side has neither step to pair
        SyncPlan upload = plan(Map.of("old", A), Map.of("new", a2), Map.of("old", journal(A, "t1")),
                SyncOptions.of(SyncDirection.UPLOAD, ConflictStrategy.MANUAL));
        assertThat(upload.actions()).extracting(SyncAction::kind).doesNotContain(Kind.MOVE_LOCAL, Kind.DELETE_LOCAL);
    }

    @Test
    void aModificationBeatsADelete() {
        SyncPlan p1 = plan(Map.of("f", B), Map.of(), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.REMOTE_WINS));
        assertThat(p1.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.UPLOAD);
            assertThat(a.remote()).as("create-only: the object is gone").isNull();
        });
        SyncPlan p2 = plan(Map.of(), Map.of("f", remote(B, "t2")), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.LOCAL_WINS));
        assertThat(p2.actions()).extracting(SyncAction::kind).containsExactly(Kind.DOWNLOAD);
    }

    @Test
    void deletedOnBothSidesIsForgotten() {
        SyncPlan p = plan(Map.of(), Map.of(), Map.of("f", journal(A, "t1")), bi(ConflictStrategy.MANUAL));
        assertThat(p.actions()).extracting(SyncAction::kind).containsExactly(Kind.JOURNAL_REMOVE);
    }

    @Test
    void eachStrategySettlesAnEditOnBothSides() {
        Map<String, FileState> l = Map.of("d/f.txt", B);
        Map<String, FileState> r = Map.of("d/f.txt", remote(C, "t2"));
        Map<String, JournalState> j = Map.of("d/f.txt", journal(A, "t1"));
        assertThat(plan(l, r, j, bi(ConflictStrategy.LOCAL_WINS)).actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.UPLOAD);
            assertThat(a.remote().versionTag()).as("If-Match the version seen").isEqualTo("t2");
            assertThat(a.conflict()).isTrue();
        });
        assertThat(plan(l, r, j, bi(ConflictStrategy.REMOTE_WINS)).actions()).extracting(SyncAction::kind)
                .containsExactly(Kind.DOWNLOAD);
        // remote mtime 300 > local 200
        assertThat(plan(l, r, j, bi(ConflictStrategy.NEWEST_WINS)).actions()).extracting(SyncAction::kind)
                .containsExactly(Kind.DOWNLOAD);
        assertThat(plan(l, r, j, bi(ConflictStrategy.MANUAL)).actions()).extracting(SyncAction::kind)
                .containsExactly(Kind.RECORD_CONFLICT);
        SyncOptions keep = new SyncOptions(SyncDirection.BIDIRECTIONAL, ConflictStrategy.KEEP_BOTH, null, 50,
                Long.MAX_VALUE, "laptop 1", Instant.parse("2026-11-25T16:05:09Z"), Map.of());
        assertThat(plan(l, r, j, keep).actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.KEEP_BOTH);
            assertThat(a.otherPath()).isEqualTo("d/f.conflict-20261125-160509-laptop_1.txt");
        });
        // a resolution chosen through the API overrides the item's strategy for that path
        assertThat(plan(l, r, j, bi(ConflictStrategy.MANUAL).withResolutions(Map.of("d/f.txt", ConflictStrategy.LOCAL_WINS)))
                .actions()).extracting(SyncAction::kind).containsExactly(Kind.UPLOAD);
    }

    @Test
    void newestWinsWithEqualTimesKeepsBoth() {
        FileState l = FileState.local(1, 500, SyncModel.sha("l"));
        FileState r = FileState.remote(1, 500, SyncModel.sha("r"), "t2");
        assertThat(plan(Map.of("f", l), Map.of("f", r), Map.of(), bi(ConflictStrategy.NEWEST_WINS)).actions())
                .extracting(SyncAction::kind).containsExactly(Kind.KEEP_BOTH);
    }

    @Test
    void oneWayDirectionsSkipTheTargetsOwnChanges() {
        Map<String, JournalState> j = Map.of("f", journal(A, "t1"));
        SyncPlan up = plan(Map.of("f", A), Map.of("f", remote(B, "t2")), j, SyncOptions.of(SyncDirection.UPLOAD, ConflictStrategy.MANUAL));
        assertThat(up.actions()).isEmpty();
        assertThat(up.skipped()).extracting(SyncPlan.Skipped::path).containsExactly("f");
        SyncPlan down = plan(Map.of("f", B), Map.of("f", remote(A, "t1")), j, SyncOptions.of(SyncDirection.DOWNLOAD, ConflictStrategy.MANUAL));
        assertThat(down.actions()).isEmpty();
        SyncPlan upConflict = plan(Map.of("f", B), Map.of("f", remote(C, "t2")), j,
                SyncOptions.of(SyncDirection.UPLOAD, ConflictStrategy.KEEP_BOTH));
        assertThat(upConflict.actions()).extracting(SyncAction::kind).containsExactly(Kind.UPLOAD);
    }

    @Test
    void deleteGuardAbortsBeforeAnyDelete() {
        Map<String, FileState> remote = Map.of("a", remote(A, "1"), "b", remote(A, "2"), "c", remote(A, "3"));
        Map<String, JournalState> j = Map.of("a", journal(A, "1"), "b", journal(A, "2"), "c", journal(A, "3"));
        SyncOptions o = bi(ConflictStrategy.MANUAL).withMaxDeletePercent(50);
        // two of three local files deleted: 67% > 50%
        SyncPlan p = plan(Map.of("c", A, "new", B), remote, j, o);
        assertThat(p.aborted()).isTrue();
        assertThat(p.actions()).isEmpty();
        assertThat(p.deleteGuard()).isEqualTo(new SyncPlan.DeleteGuard(0, 2, 2, 3, 50));
        // one of three: 33% is allowed
        assertThat(plan(Map.of("b", A, "c", A), remote, j, o).actions()).extracting(SyncAction::kind)
                .containsExactly(Kind.DELETE_REMOTE);
    }

    @Test
    void filtersAndSizeLimitLeavePathsAlone() {
        PathFilter f = new PathFilter(List.of("*.txt", "keep/**"), List.of("*.tmp.txt", "keep/cache/**"));
        assertThat(f.accepts("a.txt")).isTrue();
        assertThat(f.accepts("d/e/a.txt")).isTrue();
        assertThat(f.accepts("a.md")).isFalse();
        assertThat(f.accepts("x.tmp.txt")).isFalse();
        assertThat(f.accepts("keep/x.bin")).isTrue();
        assertThat(f.accepts("keep/cache/x.bin")).isFalse();

        FileState big = FileState.local(10_000, 1, SyncModel.sha("big"));
        SyncPlan p = plan(Map.of("big.txt", big, "x.md", A, "small.txt", A), Map.of(), Map.of(),
                bi(ConflictStrategy.MANUAL).withFilter(f).withMaxFileSize(1000));
        assertThat(p.actions()).extracting(SyncAction::path).containsExactly("small.txt");
        assertThat(p.skipped()).extracting(SyncPlan.Skipped::path).containsExactly("big.txt");
    }

    @Test
    void conflictCopyNames() {
        Instant t = Instant.parse("2026-01-02T03:04:05Z");
        assertThat(ConflictNames.copyName("notes.md", t, "n1", x -> false)).isEqualTo("notes.conflict-20260102-030405-n1.md");
        assertThat(ConflictNames.copyName("a/Makefile", t, "n1", x -> false)).isEqualTo("a/Makefile.conflict-20260102-030405-n1");
        assertThat(ConflictNames.copyName(".bashrc", t, "n1", x -> false)).isEqualTo(".bashrc.conflict-20260102-030405-n1");
        assertThat(ConflictNames.copyName("x.txt", t, "n1", x -> x.equals("x.conflict-20260102-030405-n1.txt")))
                .isEqualTo("x.conflict-20260102-030405-n1-2.txt");
        assertThat(ConflictNames.isCopy("x.conflict-20260102-030405-n1-2.txt")).isTrue();
        assertThat(ConflictNames.isCopy("x.txt")).isFalse();
    }
}
