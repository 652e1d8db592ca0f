package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A journal batch that failed to commit goes back before what was recorded meanwhile, with the folders to sync. */
class PendingJournalTest {

    private static JournalState state(long size) {
        return new JournalState(size, 1_000, "sha" + size, "tag" + size);
    }

    @Test
    void theNewerChangeOfAPathWinsAndEventsKeepTheirOrder() {
        var first = new RunLedger.Event("item_uploaded", Map.of("n", 1));
        var second = new RunLedger.Event("item_deleted", Map.of("n", 2));
        SyncEngine.Pending older = new SyncEngine.Pending(
                Map.of("a", state(1), "b", state(1), "c", state(1)), List.of("d", "e"), List.of(first), 5,
                Set.of(Path.of("/x"), Path.of("/x/y")));
        // since then: a stored again, b deleted, d stored again, f deleted
        SyncEngine.Pending newer = new SyncEngine.Pending(Map.of("a", state(2), "d", state(2)), List.of("b", "f"),
                List.of(second), 4, Set.of(Path.of("/x"), Path.of("/z")));

        SyncEngine.Pending all = older.then(newer);

        assertThat(all.upserts()).containsOnly(Map.entry("a", state(2)), Map.entry("c", state(1)), Map.entry("d", state(2)));
        assertThat(all.removals()).containsExactlyInAnyOrder("e", "b", "f");
        assertThat(all.events()).containsExactly(first, second);
        assertThat(all.count()).isEqualTo(9);
        // the folders of both batches' downloads are made durable before it commits
        assertThat(all.folders()).containsExactlyInAnyOrder(Path.of("/x"), Path.of("/x/y"), Path.of("/z"));
    }
}
