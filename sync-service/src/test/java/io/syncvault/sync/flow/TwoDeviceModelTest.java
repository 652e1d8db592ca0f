package io.syncvault.sync.flow;

import static io.syncvault.sync.support.SyncFixture.createItem;
import static io.syncvault.sync.support.SyncFixture.localTree;
import static io.syncvault.sync.support.SyncFixture.remoteTree;
import static io.syncvault.sync.support.SyncFixture.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.syncvault.sync.client.ObjectVersion;
import io.syncvault.sync.support.SyncFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two devices, each an item with its own folder, syncing through the same remote prefix. Many
 * rounds of random creates, edits, deletes and renames on both, with syncs in between; at the
 * end both folders and the remote prefix are identical, and every content a device held when
 * it synced is still somewhere: a file, a conflict copy or a kept version in the gateway. Device A
 * writes names decomposed (NFD), as macOS does: a name that is there in another spelling is that
 * one, as on a file system that ignores the difference; so A's folder equals the others up to the
 * spelling of its names.
 */
@QuarkusTest
class TwoDeviceModelTest {

    static final String[] NAMES = {"a.txt", "b.md", "docs/c.txt", "docs/deep/d.bin", "e f.txt", "ü/ñ.txt", "café/résumé.txt"};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void twoDevicesConvergeAndNothingIsLost(long seed) throws Exception {
        Random rnd = new Random(seed);
        String prefix = SyncFixture.newPrefix();
        Path dirA = SyncFixture.newFolder();
        Path dirB = SyncFixture.newFolder();
        String a = createItem(SyncFixture.spec(dirA, prefix, "BIDIRECTIONAL", "KEEP_BOTH"));
        String b = createItem(SyncFixture.spec(dirB, prefix, "BIDIRECTIONAL", "KEEP_BOTH"));
        Set<String> synced = new HashSet<>();
        Set<String> keysSeen = new HashSet<>();
        int edit = 0;
        long clock = 1_700_000_000_000L;
        for (int round = 0; round < 8; round++) {
            for (Path dir : List.of(dirA, dirB)) {
                int ops = 1 + rnd.nextInt(4);
                for (int i = 0; i < ops; i++) {
                    clock += 1000;
                    List<String> present = new ArrayList<>(localTree(dir).keySet());
                    String name = NAMES[rnd.nextInt(NAMES.length)];
                    if (dir == dirA) {
                        name = dir.relativize(decomposed(dir, name)).toString();
                    }
                    switch (rnd.nextInt(4)) {
                        case 0, 1 -> SyncFixture.write(dir, name, "seed" + seed + "-edit" + (++edit) + "-" + dir.getFileName(), clock);
                        case 2 -> {
                            if (!present.isEmpty()) {
                                Files.delete(dir.resolve(present.get(rnd.nextInt(present.size()))));
                            }
                        }
                        default -> {
                            if (!present.isEmpty()) {
                                String from = present.get(rnd.nextInt(present.size()));
                                Path to = dir.resolve(name);
                                if (!Files.exists(to)) {
                                    Files.createDirectories(to.getParent());
                                    Files.move(dir.resolve(from), to);
                                }
                            }
                        }
                    }
                }
            }
            // each device syncs; what it holds at that moment must never be lost
            synced.addAll(localTree(dirA).values());
            assertThat(runAndWait(a).getString("status")).isEqualTo("SUCCEEDED");
            synced.addAll(localTree(dirB).values());
            assertThat(runAndWait(b).getString("status")).isEqualTo("SUCCEEDED");
            keysSeen.addAll(SyncFixture.remoteKeys(prefix));
        }
        // settle: A picks up B's last changes; then nothing is left to do anywhere
        runAndWait(a);
        runAndWait(b);
        JsonPath lastA = runAndWait(a);
        JsonPath lastB = runAndWait(b);
        for (JsonPath last : List.of(lastA, lastB)) {
            assertThat(last.getLong("result.uploaded") + last.getLong("result.downloaded") + last.getLong("result.deletedLocal")
                    + last.getLong("result.deletedRemote")).as(last.prettify()).isZero();
        }
        Map<String, String> remote = remoteTree(prefix);
        Map<String, String> onA = new HashMap<>();
        localTree(dirA).forEach((name, content) -> assertThat(onA.put(nfc(name), content)).as("one spelling of " + name).isNull());
        assertThat(onA).isEqualTo(remote);
        assertThat(localTree(dirB)).isEqualTo(remote);

        Set<String> kept = new HashSet<>();
        remote.values().forEach(v -> kept.add(sha(v)));
        Set<String> keys = new HashSet<>(remote.keySet());
        keys.addAll(keysSeen);
        for (String k : keys) {
            for (ObjectVersion v : SyncFixture.versions(prefix + "/" + k)) {
                kept.add(v.sha256());
            }
        }
        Map<String, String> missing = new HashMap<>();
        for (String content : synced) {
            if (!kept.contains(sha(content))) {
                missing.put(content, sha(content));
            }
        }
        assertThat(missing).as("contents held at a sync and found nowhere afterwards").isEmpty();
    }

    /**
     * Where a device that writes names decomposed puts {@code name}: each segment that is there in another spelling
     * is that one (as on a file system that ignores the difference), any other is written decomposed.
     */
    static Path decomposed(Path dir, String name) throws java.io.IOException {
        Path p = dir;
        for (String segment : name.split("/")) {
            Path there = null;
            if (Files.isDirectory(p)) {
                try (var entries = Files.list(p)) {
                    there = entries.filter(e -> nfc(e.getFileName().toString()).equals(nfc(segment))).findFirst().orElse(null);
                }
            }
            p = there != null ? there : p.resolve(Normalizer.normalize(segment, Normalizer.Form.NFD));
        }
        return p;
    }

    static String nfc(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
