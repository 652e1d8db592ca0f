package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local snapshot: hashing only what changed, and protecting what cannot be judged. */
class LocalScannerTest {

    @TempDir
    Path root;

    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void reusesTheJournalHashWhenSizeAndMtimeAreUnchanged() throws Exception {
        Path f = root.resolve("d/a.txt");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "hello");
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000));
        // the journal claims another hash for the same size and mtime: the scanner trusts it (no read)
        Map<String, JournalState> journal = Map.of("d/a.txt", new JournalState(5, 1_000_000, "cafe", "t1"));
        LocalScanner.Snapshot s = LocalScanner.scan(root, journal, PathFilter.ALL, "p/", pool);
        assertThat(s.files().get("d/a.txt").sha256()).isEqualTo("cafe");
        assertThat(s.hashedBytes()).isZero();
        // a different mtime makes it hash
        Files.setLastModifiedTime(f, FileTime.fromMillis(2_000_000));
        s = LocalScanner.scan(root, journal, PathFilter.ALL, "p/", pool);
        assertThat(s.files().get("d/a.txt").sha256()).isEqualTo(LocalScanner.sha256(f)).isNotEqualTo("cafe");
        assertThat(s.hashedBytes()).isEqualTo(5);
    }

    @Test
    void protectsWhatItCannotJudgeRemovesLeftoverTempFilesAndIgnoresExcludedPaths() throws Exception {
        Files.writeString(root.resolve("ok.txt"), "ok");
        Files.writeString(root.resolve(LocalScanner.TEMP_PREFIX + "123"), "half a download");
        Files.writeString(root.resolve("skip.tmp"), "excluded");
        Files.createSymbolicLink(root.resolve("link"), root.resolve("ok.txt"));
        Files.writeString(root.resolve("back\\slash.txt"), "x");
        LocalScanner.Snapshot s = LocalScanner.scan(root, Map.of(), new PathFilter(java.util.List.of(),
                java.util.List.of("*.tmp")), "", pool);
        assertThat(s.files()).containsOnlyKeys("ok.txt");
        // a link's name, and what the journal may hold under it (a folder replaced by a link)
        assertThat(s.protectedPaths()).containsOnlyKeys("link", "link/", "back\\slash.txt");
        assertThat(s.isProtected("link")).isTrue();
        assertThat(s.isProtected("link/inside.txt")).isTrue();
        assertThat(s.isProtected("ok.txt")).isFalse();
        assertThat(root.resolve(LocalScanner.TEMP_PREFIX + "123")).doesNotExist();
        assertThat(root.resolve("skip.tmp")).exists();
    }

    @Test
    void namesNotInNfcAreSnapshotUnderTheirNfcFormAndFoundOnDiskUnderTheirOwn() throws Exception {
        // "Café/é.txt" with both names decomposed, a new file's folder, and one path under two decomposed spellings
        Path folder = Files.createDirectories(root.resolve("Cafe\u0301"));
        Files.writeString(folder.resolve("e\u0301.txt"), "decomposed");
        Files.writeString(root.resolve("A\u030a.txt"), "one spelling");
        Files.writeString(root.resolve("\u212b.txt"), "another spelling"); // the angstrom sign: also "Å" in NFC
        LocalScanner.Snapshot s = LocalScanner.scan(root, Map.of(), PathFilter.ALL, "", pool);
        assertThat(s.files()).containsOnlyKeys("Caf\u00e9/\u00e9.txt");
        assertThat(s.names().onDisk("Caf\u00e9/\u00e9.txt")).isEqualTo("Cafe\u0301/e\u0301.txt");
        // a file that is not there yet goes into the folder that is
        assertThat(s.names().onDisk("Caf\u00e9/new.txt")).isEqualTo("Cafe\u0301/new.txt");
        assertThat(s.names().onDisk("plain/new.txt")).isEqualTo("plain/new.txt");
        // which of two spellings is the file is not guessed: the path is left alone on both sides
        assertThat(s.protectedPaths()).containsOnlyKeys("\u00c5.txt");
        assertThat(s.protectedPaths().get("\u00c5.txt")).contains("NFC");
    }
}
