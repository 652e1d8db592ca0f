package io.syncvault.state.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.state.ConflictStrategy;
import io.syncvault.state.SyncState;
import io.syncvault.state.VectorClock;
import io.syncvault.state.service.Reconciler.Decision;
import io.syncvault.state.service.Reconciler.Outcome;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconciliation decision for each causal case and each strategy. */
class ReconcilerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static SyncState state(String data, Map<String, Long> clock, String writer, Instant at) {
        JsonNode d = json(data);
        return new SyncState("ns", "s1", d, VectorClock.of(clock), writer, 1, T0, at, CanonicalJson.checksum(d), false);
    }

    final SyncState base = state("{\"a\":1,\"b\":1}", Map.of("n1", 1L), "n1", T0);
    final SyncState local = state("{\"a\":2,\"b\":1}", Map.of("n1", 2L), "n1", T0.plusSeconds(1));
    final SyncState remote = state("{\"a\":1,\"b\":2}", Map.of("n1", 1L, "n2", 1L), "n2", T0.plusSeconds(2));

    @Test
    void unknownStateIsTaken() {
        Decision d = Reconciler.decide(null, null, remote, ConflictStrategy.MANUAL, T0);
        assertThat(d.outcome()).isEqualTo(Outcome.TAKEN);
        assertThat(d.result().clock()).isEqualTo(remote.clock());
    }

    @Test
    void dominatingRemoteIsTakenAndOlderOneIgnored() {
        SyncState newer = state("{\"a\":3}", Map.of("n1", 3L), "n1", T0);
        assertThat(Reconciler.decide(local, base, newer, ConflictStrategy.MANUAL, T0).outcome()).isEqualTo(Outcome.TAKEN);
        assertThat(Reconciler.decide(local, base, base, ConflictStrategy.MANUAL, T0).outcome())
                .isEqualTo(Outcome.UNCHANGED);
        assertThat(Reconciler.decide(local, base, local, ConflictStrategy.MANUAL, T0).outcome())
                .isEqualTo(Outcome.UNCHANGED);
    }

    @Test
    void tombstoneIsNotUndoneByAnOlderVersion() {
        SyncState tomb = new SyncState("ns", "s1", null, VectorClock.of(Map.of("n1", 3L)), "n1", 3, T0, T0,
                CanonicalJson.checksum(null), true);
        assertThat(Reconciler.decide(tomb, base, local, ConflictStrategy.REMOTE_WINS, T0).outcome())
                .isEqualTo(Outcome.UNCHANGED);
    }

    @Test
    void lastWriteWinsPicksTheLaterWriteOnBothSides() {
        Decision here = Reconciler.decide(local, base, remote, ConflictStrategy.LAST_WRITE_WINS, T0);
        Decision there = Reconciler.decide(remote, base, local, ConflictStrategy.LAST_WRITE_WINS, T0);
        assertThat(here.outcome()).isEqualTo(Outcome.RESOLVED);
        assertThat(here.result().data()).isEqualTo(remote.data());
        assertThat(there.result().data()).isEqualTo(remote.data());
        assertThat(here.result().clock()).isEqualTo(there.result().clock()).isEqualTo(local.clock().merge(remote.clock()));
        assertThat(here.conflict().id()).isEqualTo(there.conflict().id());
        assertThat(here.conflict().resolution()).isEqualTo("LAST_WRITE_WINS");
    }

    @Test
    void localAndRemoteWins() {
        assertThat(Reconciler.decide(local, base, remote, ConflictStrategy.LOCAL_WINS, T0).result().data())
                .isEqualTo(local.data());
        assertThat(Reconciler.decide(local, base, remote, ConflictStrategy.REMOTE_WINS, T0).result().data())
                .isEqualTo(remote.data());
    }

    @Test
    void twoLocalWinsResolutionsConvergeByWriteOrder() {
        SyncState a = Reconciler.decide(local, base, remote, ConflictStrategy.LOCAL_WINS, T0).result();
        SyncState b = Reconciler.decide(remote, base, local, ConflictStrategy.LOCAL_WINS, T0).result();
        Decision atA = Reconciler.decide(a, base, b, ConflictStrategy.LOCAL_WINS, T0);
        Decision atB = Reconciler.decide(b, base, a, ConflictStrategy.LOCAL_WINS, T0);
        SyncState finalA = atA.outcome() == Outcome.TAKEN ? atA.result() : a;
        SyncState finalB = atB.outcome() == Outcome.TAKEN ? atB.result() : b;
        assertThat(finalA.checksum()).isEqualTo(finalB.checksum());
    }

    @Test
    void mergeCombinesFieldsChangedOnOneSideEach() {
        Decision d = Reconciler.decide(local, base, remote, ConflictStrategy.MERGE, T0);
        assertThat(d.outcome()).isEqualTo(Outcome.RESOLVED);
        assertThat(d.result().data()).isEqualTo(json("{\"a\":2,\"b\":2}"));
        assertThat(Reconciler.decide(remote, base, local, ConflictStrategy.MERGE, T0).result().checksum())
                .isEqualTo(d.result().checksum());
    }

    @Test
    void mergeOfTheSameFieldChangedDifferentlyIsAConflict() {
        SyncState other = state("{\"a\":5,\"b\":1}", Map.of("n1", 1L, "n2", 1L), "n2", T0);
        Decision d = Reconciler.decide(local, base, other, ConflictStrategy.MERGE, T0);
        assertThat(d.outcome()).isEqualTo(Outcome.CONFLICT);
        assertThat(d.conflict().open()).isTrue();
    }

    @Test
    void mergeWithoutCommonVersionConflictsOnEveryDifference() {
        assertThat(Reconciler.decide(local, null, remote, ConflictStrategy.MERGE, T0).outcome())
                .isEqualTo(Outcome.CONFLICT);
    }

    @Test
    void manualLeavesTheSameOpenConflictOnBothSides() {
        Decision here = Reconciler.decide(local, base, remote, ConflictStrategy.MANUAL, T0);
        Decision there = Reconciler.decide(remote, base, local, ConflictStrategy.MANUAL, T0);
        assertThat(here.outcome()).isEqualTo(Outcome.CONFLICT);
        assertThat(here.result()).isNull();
        assertThat(here.conflict().id()).isEqualTo(there.conflict().id());
    }

    @Test
    void jsonMergeRemovesAFieldRemovedOnOneSide() {
        JsonMerge.Result r = JsonMerge.merge(json("{\"a\":1,\"b\":{\"c\":1,\"d\":1}}"),
                json("{\"b\":{\"c\":1,\"d\":1}}"), json("{\"a\":1,\"b\":{\"c\":2,\"d\":1}}"));
        assertThat(r.clean()).isTrue();
        assertThat(r.merged()).isEqualTo(json("{\"b\":{\"c\":2,\"d\":1}}"));
        assertThat(JsonMerge.merge(json("{\"x\":[1]}"), json("{\"x\":[2]}"), json("{\"x\":[3]}")).conflicts())
                .containsExactly("/x");
    }

    @Test
    void canonicalChecksumIgnoresKeyOrderAndNumberSpelling() {
        assertThat(CanonicalJson.checksum(json("{\"b\":1.0,\"a\":[1e2]}")))
                .isEqualTo(CanonicalJson.checksum(json("{\"a\":[100],\"b\":1}")));
    }
}
