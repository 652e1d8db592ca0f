package io.syncvault.sync.flow;

import static io.restassured.RestAssured.given;
import static io.syncvault.sync.support.SyncFixture.createItem;
import static io.syncvault.sync.support.SyncFixture.deleteRemote;
import static io.syncvault.sync.support.SyncFixture.localTree;
import static io.syncvault.sync.support.SyncFixture.putRemote;
import static io.syncvault.sync.support.SyncFixture.remoteTree;
import static io.syncvault.sync.support.SyncFixture.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.support.SyncFixture;
import io.syncvault.platform.testing.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scenario matrix against the real gateway: for each direction and strategy, one item whose
 * paths cover every combination of new / changed / deleted / unchanged on the local side and on
 * the remote side (a path new on one side is by definition unknown to the journal, so it pairs
 * with new or absent on the other), synced once to a common state, changed on both sides, synced
 * again; then the exact contents of both sides are checked against the table below, and for the
 * bidirectional items the events on sync.events too.
 */
@QuarkusTest
class SyncScenarioMatrixTest {

    static final long T0 = 1_700_000_000_000L;
    static final long T_LOCAL = T0 + 10_000;
    static final long T_REMOTE = T0 + 20_000;
    static final long T_LOCAL_LATER = T0 + 30_000;

    /** The cells: name → whether the journal knows the path (both sides had base content at the last sync). */
    static final List<String> JOURNALED = List.of("uu", "cu", "uc", "du", "ud", "dd", "cd", "dc", "ccs", "ccr", "ccl");
    static final List<String> UNJOURNALED = List.of("na", "an", "nns", "nnr");
    static final Set<String> CONFLICTS = Set.of("ccr", "ccl", "nnr");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static Stream<Arguments> matrix() {
        List<Arguments> args = new ArrayList<>();
        for (SyncDirection d : SyncDirection.values()) {
            for (ConflictStrategy s : ConflictStrategy.values()) {
                args.add(Arguments.of(d, s));
            }
        }
        return args.stream();
    }

    static String path(String cell) {
        return "c/" + cell + ".txt";
    }

    static String content(String token, String cell) {
        return token == null ? null : token + ":" + cell;
    }

    /** The expected (local, remote) contents of a cell after the second run; tokens B, L, R, S; null = absent. */
    static String[] expected(SyncDirection d, ConflictStrategy s, String cell) {
        if (CONFLICTS.contains(cell)) {
            boolean remoteNewer = !cell.equals("ccl");
            String winner = switch (s) {
                case LOCAL_WINS -> "L";
                case REMOTE_WINS -> "R";
                case NEWEST_WINS -> remoteNewer ? "R" : "L";
                case KEEP_BOTH -> "BOTH";
                case MANUAL -> "NONE";
            };
            return switch (d) {
                case BIDIRECTIONAL -> switch (winner) {
                    case "L" -> pair("L", "L");
                    case "R", "BOTH" -> pair("R", "R");
                    default -> pair("L", "R");
                };
                case UPLOAD -> winner.equals("L") || winner.equals("BOTH") ? pair("L", "L") : pair("L", "R");
                case DOWNLOAD -> winner.equals("R") || winner.equals("BOTH") ? pair("R", "R") : pair("L", "R");
            };
        }
        Map<String, String[]> bi = Map.ofEntries(e("uu", "B", "B"), e("cu", "L", "L"), e("uc", "R", "R"), e("du", null, null),
                e("ud", null, null), e("dd", null, null), e("cd", "L", "L"), e("dc", "R", "R"), e("ccs", "S", "S"),
                e("na", "L", "L"), e("an", "R", "R"), e("nns", "S", "S"));
        Map<String, String[]> up = Map.ofEntries(e("uu", "B", "B"), e("cu", "L", "L"), e("uc", "B", "R"), e("du", null, null),
                e("ud", "B", null), e("dd", null, null), e("cd", "L", "L"), e("dc", null, "R"), e("ccs", "S", "S"),
                e("na", "L", "L"), e("an", null, "R"), e("nns", "S", "S"));
        Map<String, String[]> down = Map.ofEntries(e("uu", "B", "B"), e("cu", "L", "B"), e("uc", "R", "R"), e("du", null, "B"),
                e("ud", null, null), e("dd", null, null), e("cd", "L", null), e("dc", "R", "R"), e("ccs", "S", "S"),
                e("na", "L", null), e("an", "R", "R"), e("nns", "S", "S"));
        return (d == SyncDirection.BIDIRECTIONAL ? bi : d == SyncDirection.UPLOAD ? up : down).get(cell);
    }

    static String[] pair(String l, String r) {
        return new String[] {l, r};
    }

    static Map.Entry<String, String[]> e(String cell, String l, String r) {
        return Map.entry(cell, pair(l, r));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matrix")
    void everyCombinationEndsInTheExpectedState(SyncDirection d, ConflictStrategy s) throws IOException {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        String itemId = createItem(SyncFixture.spec(dir, prefix, d.name(), s.name()));
        try (SyncEventsProbe events = new SyncEventsProbe(bootstrap)) {
            // 1. a common starting point written on the direction's source side, then synced
            for (String cell : JOURNALED) {
                if (d == SyncDirection.DOWNLOAD) {
                    putRemote(prefix + "/" + path(cell), content("B", cell), T0);
                } else {
                    SyncFixture.write(dir, path(cell), content("B", cell), T0);
                }
            }
            JsonPath first = runAndWait(itemId);
            assertThat(first.getString("status")).isEqualTo("SUCCEEDED");
            Map<String, String> base = new TreeMap<>();
            JOURNALED.forEach(c -> base.put(path(c), content("B", c)));
            assertThat(localTree(dir)).isEqualTo(base);
            assertThat(remoteTree(prefix)).isEqualTo(base);

            // 2. changes on both sides
            local(dir, "cu", "L", T_LOCAL);
            remote(prefix, "uc", "R", T_REMOTE);
            Files.delete(dir.resolve(path("du")));
            deleteRemote(prefix + "/" + path("ud"));
            Files.delete(dir.resolve(path("dd")));
            deleteRemote(prefix + "/" + path("dd"));
            local(dir, "cd", "L", T_LOCAL);
            deleteRemote(prefix + "/" + path("cd"));
            Files.delete(dir.resolve(path("dc")));
            remote(prefix, "dc", "R", T_REMOTE);
            local(dir, "ccs", "S", T_LOCAL);
            remote(prefix, "ccs", "S", T_REMOTE);
            local(dir, "ccr", "L", T_LOCAL);
            remote(prefix, "ccr", "R", T_REMOTE);
            local(dir, "ccl", "L", T_LOCAL_LATER);
            remote(prefix, "ccl", "R", T_REMOTE);
            local(dir, "na", "L", T_LOCAL);
            remote(prefix, "an", "R", T_REMOTE);
            local(dir, "nns", "S", T_LOCAL);
            remote(prefix, "nns", "S", T_REMOTE);
            local(dir, "nnr", "L", T_LOCAL);
            remote(prefix, "nnr", "R", T_REMOTE);

            // 3. the run under test
            JsonPath second = runAndWait(itemId);
            assertThat(second.getString("status")).as(second.prettify()).isEqualTo("SUCCEEDED");

            Map<String, String> expectLocal = new TreeMap<>();
            Map<String, String> expectRemote = new TreeMap<>();
            for (String cell : concat(JOURNALED, UNJOURNALED)) {
                String[] x = expected(d, s, cell);
                if (x[0] != null) {
                    expectLocal.put(path(cell), content(x[0], cell));
                }
                if (x[1] != null) {
                    expectRemote.put(path(cell), content(x[1], cell));
                }
            }
            Map<String, String> localAfter = localTree(dir);
            Map<String, String> remoteAfter = remoteTree(prefix);
            Map<String, String> localWithCopies = new TreeMap<>(localAfter);
            Map<String, String> localCopies = copies(localAfter);
            Map<String, String> remoteCopies = copies(remoteAfter);
            assertThat(localAfter).as("local side").isEqualTo(expectLocal);
            assertThat(remoteAfter).as("remote side").isEqualTo(expectRemote);
            assertThat(SyncFixture.hasTempFiles(dir)).isFalse();

            // KEEP_BOTH keeps the losing local edit as a conflict copy (synced when the direction writes the store)
            Set<String> copyCells = new HashSet<>();
            if (s == ConflictStrategy.KEEP_BOTH && d != SyncDirection.UPLOAD) {
                copyCells.addAll(CONFLICTS);
            }
            assertThat(localCopies.values()).containsExactlyInAnyOrderElementsOf(copyCells.stream().map(c -> content("L", c)).toList());
            assertThat(remoteCopies.values()).containsExactlyInAnyOrderElementsOf(d == SyncDirection.BIDIRECTIONAL
                    ? copyCells.stream().map(c -> content("L", c)).toList() : List.of());
            localCopies.keySet().forEach(k -> assertThat(k).matches("c/(ccr|ccl|nnr)\\.conflict-\\d{8}-\\d{6}-test-\\d+\\.txt"));

            if (s == ConflictStrategy.MANUAL) {
                List<String> open = given().auth().oauth2(Tokens.reader()).queryParam("itemId", itemId)
                        .when().get("/v1/sync/conflicts").then().statusCode(200).extract().path("items.path");
                assertThat(open).containsExactlyInAnyOrder(path("ccr"), path("ccl"), path("nnr"));
            }

            // 4. a third run has nothing left to transfer
            JsonPath third = runAndWait(itemId);
            assertThat(third.getLong("result.uploaded") + third.getLong("result.downloaded")
                    + third.getLong("result.deletedLocal") + third.getLong("result.deletedRemote")).isZero();
            assertThat(localTree(dir)).isEqualTo(localWithCopies);

            if (d == SyncDirection.BIDIRECTIONAL) {
                assertEvents(events, itemId, second.getString("id"), s);
            }
        }
    }

    private void assertEvents(SyncEventsProbe events, String itemId, String runId, ConflictStrategy s) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(events.of(itemId, "sync_started")).hasSize(3);
            assertThat(events.of(itemId, "sync_completed")).hasSize(3);
        });
        assertThat(events.of(itemId)).allMatch(e -> itemId.equals(e.subject()) && e.id() != null);
        Set<String> uploaded = filesOf(events, itemId, runId, "item_uploaded");
        Set<String> downloaded = filesOf(events, itemId, runId, "item_downloaded");
        Set<String> deleted = filesOf(events, itemId, runId, "item_deleted");
        assertThat(uploaded).contains(path("cu"), path("cd"), path("na"));
        assertThat(downloaded).contains(path("uc"), path("dc"), path("an"));
        assertThat(deleted).containsExactlyInAnyOrder(path("du") + "@REMOTE", path("ud") + "@LOCAL");
        Set<String> conflictPaths = new HashSet<>();
        events.of(itemId, "conflict_detected").stream().filter(e -> runId.equals(e.data().path("runId").asText()))
                .forEach(e -> conflictPaths.add(e.data().path("path").asText()));
        assertThat(conflictPaths).containsExactlyInAnyOrder(path("ccr"), path("ccl"), path("nnr"));
        var completed = events.of(itemId, "sync_completed").stream()
                .filter(e -> runId.equals(e.data().path("runId").asText())).findFirst().orElseThrow();
        assertThat(completed.data().path("result").path("conflicts").asLong()).isEqualTo(3);
        if (s == ConflictStrategy.MANUAL) {
            assertThat(events.of(itemId, "conflict_detected")).allMatch(e -> e.data().hasNonNull("conflictId"));
        }
    }

    private static Set<String> filesOf(SyncEventsProbe events, String itemId, String runId, String type) {
        Set<String> paths = new HashSet<>();
        events.of(itemId, type).stream().filter(e -> runId.equals(e.data().path("runId").asText())).forEach(e -> {
            assertThat(e.data().path("count").asInt()).isEqualTo(e.data().path("files").size());
            e.data().path("files").forEach(f -> paths.add(f.path("path").asText()
                    + (f.has("side") ? "@" + f.path("side").asText() : "")));
        });
        return paths;
    }

    /** Removes conflict copies from a tree and returns them. */
    private static Map<String, String> copies(Map<String, String> tree) {
        Map<String, String> copies = new TreeMap<>();
        tree.entrySet().removeIf(en -> {
            if (en.getKey().contains(".conflict-")) {
                copies.put(en.getKey(), en.getValue());
                return true;
            }
            return false;
        });
        return copies;
    }

    private static void local(Path dir, String cell, String token, long mtime) {
        SyncFixture.write(dir, path(cell), content(token, cell), mtime);
    }

    private static void remote(String prefix, String cell, String token, long mtime) {
        putRemote(prefix + "/" + path(cell), content(token, cell), mtime);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

}
