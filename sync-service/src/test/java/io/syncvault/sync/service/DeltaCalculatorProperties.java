package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Laws of the three-way delta, checked on random histories: a synced start (or an empty journal),
 * then independent random creates, edits, touches and deletes on each side, then one planned run.
 */
class DeltaCalculatorProperties {

    private static final String[] PATHS = {"a.txt", "b", "d/c.txt", "d/e/f.md", ".hidden", "g h.txt", "ü.txt"};
    private static final String[] TEXTS = {"x", "y", "zz", "www", ""};

    record History(SyncModel model, Set<String> localEdits, Map<String, String> editedLocalTexts) {
    }

    static History history(long seed, boolean firstRun) {
        Random rnd = new Random(seed);
        SyncModel m = new SyncModel();
        long t = 1_000;
        for (String p : PATHS) {
            if (rnd.nextInt(3) > 0) {
                m.synced(p, TEXTS[rnd.nextInt(TEXTS.length)], t++);
            }
        }
        if (firstRun) {
            m.journal.clear();
        }
        Set<String> edits = new HashSet<>();
        for (String p : PATHS) {
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    m.local.put(p, new SyncModel.Content(TEXTS[rnd.nextInt(TEXTS.length)], t + rnd.nextInt(3)));
                    edits.add(p);
                }
                case 1 -> m.local.remove(p);
                case 2 -> {
                    var c = m.local.get(p);
                    if (c != null) {
                        m.local.put(p, new SyncModel.Content(c.text(), c.mtime() + 7));
                    }
                }
                default -> {
                }
            }
            switch (rnd.nextInt(5)) {
                case 0 -> m.putRemote(p, TEXTS[rnd.nextInt(TEXTS.length)], t + rnd.nextInt(3));
                case 1 -> m.deleteRemote(p);
                default -> {
                }
            }
        }
        // an edit is content the journal does not know
        Map<String, String> edited = new TreeMap<>();
        for (String p : edits) {
            var c = m.local.get(p);
            var j = m.journal.get(p);
            if (c != null && (j == null || !j.sameContent(c.local()))) {
                edited.put(p, c.text());
            }
        }
        return new History(m, edited.keySet(), edited);
    }

    static SyncOptions options(SyncDirection d, ConflictStrategy s) {
        return SyncOptions.of(d, s);
    }

    @Property(tries = 2000)
    void bidirectionalRunMakesBothSidesEqualExceptManualConflicts(@ForAll long seed, @ForAll ConflictStrategy strategy,
            @ForAll boolean firstRun) {
        SyncModel m = history(seed, firstRun).model();
        SyncPlan plan = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal,
                options(SyncDirection.BIDIRECTIONAL, strategy));
        m.apply(plan, SyncDirection.BIDIRECTIONAL);

        Set<String> manual = new HashSet<>();
        plan.actions().stream().filter(a -> a.kind() == SyncAction.Kind.RECORD_CONFLICT).forEach(a -> manual.add(a.path()));
        Map<String, String> l = m.localTexts();
        Map<String, String> r = m.remoteTexts();
        l.keySet().removeAll(manual);
        r.keySet().removeAll(manual);
        assertThat(l).isEqualTo(r);
        Set<String> journaled = new HashSet<>(m.journal.keySet());
        journaled.removeAll(manual);
        assertThat(journaled).isEqualTo(l.keySet());
        if (strategy != ConflictStrategy.MANUAL) {
            assertThat(manual).isEmpty();
        }
    }

    @Property(tries = 2000)
    void aSecondRunHasNothingLeftToDo(@ForAll long seed, @ForAll SyncDirection direction,
            @ForAll ConflictStrategy strategy, @ForAll boolean firstRun) {
        SyncModel m = history(seed, firstRun).model();
        SyncOptions o = options(direction, strategy);
        m.apply(DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, o), direction);
        SyncPlan again = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, o);
        assertThat(again.actions()).allMatch(a -> a.kind() == SyncAction.Kind.RECORD_CONFLICT);
    }

    @Property(tries = 2000)
    void noLocalEditIsLostSilently(@ForAll long seed, @ForAll SyncDirection direction, @ForAll ConflictStrategy strategy,
            @ForAll boolean firstRun) {
        History h = history(seed, firstRun);
        SyncModel m = h.model();
        SyncPlan plan = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, options(direction, strategy));
        m.apply(plan, direction);
        Set<String> announcedOverwrites = new HashSet<>();
        plan.actions().stream().filter(a -> a.conflict() && a.kind() == SyncAction.Kind.DOWNLOAD)
                .forEach(a -> announcedOverwrites.add(a.path()));
        for (var e : h.editedLocalTexts().entrySet()) {
            String text = e.getValue();
            boolean kept = m.localTexts().containsValue(text) || m.remoteTexts().containsValue(text)
                    || m.versions.values().stream().anyMatch(v -> v.contains(text));
            assertThat(kept || announcedOverwrites.contains(e.getKey()))
                    .as("edit of %s (%s) kept or announced as a conflict", e.getKey(), text).isTrue();
        }
        if (strategy == ConflictStrategy.LOCAL_WINS || strategy == ConflictStrategy.KEEP_BOTH
                || strategy == ConflictStrategy.MANUAL) {
            assertThat(announcedOverwrites).isEmpty();
        }
    }

    @Property(tries = 1000)
    void oneWayDirectionsNeverWriteTheirSource(@ForAll long seed, @ForAll ConflictStrategy strategy, @ForAll boolean firstRun,
            @ForAll boolean upload) {
        SyncDirection d = upload ? SyncDirection.UPLOAD : SyncDirection.DOWNLOAD;
        SyncModel m = history(seed, firstRun).model();
        Map<String, String> localBefore = m.localTexts();
        Map<String, String> remoteBefore = m.remoteTexts();
        SyncPlan plan = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, options(d, strategy));
        m.apply(plan, d);
        if (upload) {
            assertThat(m.localTexts()).isEqualTo(localBefore);
        } else {
            // KEEP_BOTH may rename a local loser, but the store is never written
            assertThat(m.remoteTexts()).isEqualTo(remoteBefore);
        }
    }

    @Property(tries = 1000)
    void firstRunNeverDeletes(@ForAll long seed, @ForAll SyncDirection direction, @ForAll ConflictStrategy strategy) {
        SyncModel m = history(seed, true).model();
        SyncPlan plan = DeltaCalculator.plan(m.localStates(), m.remoteStates(), Map.of(), options(direction, strategy));
        assertThat(plan.actions()).noneMatch(SyncAction::deletes);
    }

    @Property(tries = 1000)
    void tooManyDeletesAbortEverything(@ForAll long seed, @ForAll SyncDirection direction) {
        SyncModel m = history(seed, false).model();
        SyncOptions o = options(direction, ConflictStrategy.KEEP_BOTH).withMaxDeletePercent(10);
        SyncPlan unguarded = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, o.withMaxDeletePercent(100));
        long localDeletes = unguarded.count(SyncAction.Kind.DELETE_LOCAL);
        long remoteDeletes = unguarded.count(SyncAction.Kind.DELETE_REMOTE);
        SyncPlan plan = DeltaCalculator.plan(m.localStates(), m.remoteStates(), m.journal, o);
        boolean expectTrip = localDeletes * 100 > 10L * m.local.size() || remoteDeletes * 100 > 10L * m.remote.size();
        assertThat(plan.aborted()).isEqualTo(expectTrip);
        if (plan.aborted()) {
            assertThat(plan.actions()).isEmpty();
        } else {
            assertThat(plan.actions()).isEqualTo(unguarded.actions());
        }
    }
}
