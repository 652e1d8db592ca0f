package io.syncvault.storage.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder the gateway keeps refused events in: order, whole files only, what survives a restart. */
class EventSpoolTest {

    @TempDir
    Path root;

    static EventSpool.Spooled event(String id) {
        return new EventSpool.Spooled(id, StorageEvents.OBJECT_STORED, "default/" + id, Instant.parse("2026-11-27T10:00:00Z"),
                "{\"key\":\"" + id + "\"}");
    }

    @Test
    void keepsOnlyWhatTheBrokerRefusedAndHandsItBackInOrderAcrossARestart() throws Exception {
        Path dir = root.resolve("spool");
        EventSpool spool = new EventSpool(dir);
        assertThat(spool.pending(10)).isEmpty();
        assertThat(dir).doesNotExist(); // made when the first event is kept

        CompletableFuture<Void> taken = new CompletableFuture<>();
        spool.keepIfRefused(taken, event("taken"));
        taken.complete(null);
        for (String id : List.of("a", "b", "c")) {
            CompletableFuture<Void> refused = new CompletableFuture<>();
            spool.keepIfRefused(refused, event(id));
            refused.completeExceptionally(new IllegalStateException("broker away"));
        }
        assertThat(spool.pending(10)).hasSize(3);
        assertThat(spool.read(spool.pending(10).get(0))).isEqualTo(event("a"));

        // a kept event that was being written when the process died, and a file that is no event
        Files.writeString(dir.resolve(".tmp-00000000000000000001-000000000001-x.json"), "{\"id\":");
        Path garbage = dir.resolve("00000000000000000002-000000000001-y.json");
        Files.writeString(garbage, "not json");

        EventSpool again = new EventSpool(dir);
        List<Path> pending = again.pending(10);
        assertThat(pending).hasSize(4).first().isEqualTo(garbage);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
        assertThat(pending.subList(1, 4).stream().map(p -> {
            try {
                return again.read(p).id();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })).containsExactly("a", "b", "c");
        assertThat(again.pending(2)).hasSize(2);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> again.read(garbage)).isInstanceOf(java.io.IOException.class);
        again.setAside(garbage);
        again.remove(pending.get(1));
        assertThat(again.pending(10)).hasSize(2);
        assertThat(again.size()).isEqualTo(2);
        assertThat(dir.resolve("unreadable-" + garbage.getFileName())).exists();
    }

    @Test
    void eventsOnTheirWayAreNotedUntilSettledAndKeptAtTheNextStartIfTheProcessDiedMeanwhile() throws Exception {
        Path dir = root.resolve("spool");
        EventSpool spool = new EventSpool(dir);
        CompletableFuture<Void> settled = new CompletableFuture<>();
        spool.inFlight(List.of(event("a"), event("b")), settled);
        assertThat(spool.inFlightFiles()).isEqualTo(1);
        assertThat(spool.pending(10)).as("on their way, not kept").isEmpty();
        settled.complete(null);
        assertThat(spool.inFlightFiles()).isZero();

        // the process dies with two events of a batch and one of a single write on their way
        spool.inFlight(List.of(event("c"), event("d")), new CompletableFuture<>());
        spool.inFlight(List.of(event("e")), new CompletableFuture<>());
        assertThat(spool.inFlightFiles()).isEqualTo(2);

        EventSpool again = new EventSpool(dir);
        assertThat(again.inFlightFiles()).isZero();
        List<String> kept = new java.util.ArrayList<>();
        for (Path p : again.pending(10)) {
            kept.add(again.read(p).id());
        }
        assertThat(kept).containsExactly("c", "d", "e");
        assertThat(again.read(again.pending(10).get(0))).isEqualTo(event("c"));
    }
}
