package io.syncvault.backup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest;
import io.syncvault.backup.BackupManifest.FileEntry;
import io.syncvault.backup.Compression;
import io.syncvault.backup.support.Trees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The backup and restore pipelines on local folders, parts stored as files. */
class BackupStreamsTest {

    private static final long PART = 64 * 1024;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripIsByteIdenticalWithTheSameMtimes(Compression compression) throws IOException {
        Path source = tmp.resolve("source");
        Trees.generate(source, 42, 300, 5 * PART + 123);
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));

        BackupStreams.Written written = backup(source, compression, store);

        assertThat(written.parts()).hasSizeGreaterThan(1);
        for (BackupManifest.PartEntry p : written.parts()) {
            assertThat(p.size()).isLessThanOrEqualTo(PART).isEqualTo(Files.size(store.part(p.index())));
            assertThat(p.sha256()).isEqualTo(Trees.sha256(store.part(p.index())));
        }
        assertThat(written.parts().subList(0, written.parts().size() - 1)).allMatch(p -> p.size() == PART);
        FileEntry big = byPath(written).get("big.bin");
        assertThat(big.sha256()).isEqualTo(Trees.sha256(source.resolve("big.bin")));

        Path target = tmp.resolve("target");
        ArchiveExtractor.Report report = restore(written, store, compression, target, false);

        assertThat(report.ok()).as("%s", report).isTrue();
        Trees.assertSameTree(source, target);
    }

    @Test
    void includeAndExcludeGlobsSelectEntries() throws IOException {
        Path source = tmp.resolve("source");
        Files.createDirectories(source.resolve("cache"));
        Files.writeString(source.resolve("a.txt"), "a");
        Files.writeString(source.resolve("b.log"), "b");
        Files.writeString(source.resolve("cache/c.txt"), "c");
        ArchiveWriter writer = new ArchiveWriter(List.of(new ArchiveWriter.SourceItem(source, "data")),
                List.of("*.txt"), List.of("data/cache"));
        BackupStreams.Written written = BackupStreams.backup(writer, Compression.GZIP, PART,
                new LocalFolderSink(tmp.resolve("store")), i -> "p" + i, (f, b) -> { }, () -> false);
        assertThat(written.files()).extracting(FileEntry::path).containsExactly("data", "data/a.txt");
    }

    @Test
    void filesDeletedWhileTheBackupRunsAreLeftOutAndNamedAndTheRestIsBackedUp() throws IOException {
        Path source = tmp.resolve("source");
        Files.createDirectories(source.resolve("cache/deep"));
        Files.writeString(source.resolve("a.txt"), "a");
        Files.writeString(source.resolve("b.tmp"), "b");
        Files.writeString(source.resolve("cache/deep/c.tmp"), "c");
        Files.writeString(source.resolve("z.txt"), "z");
        ArchiveWriter writer = new ArchiveWriter(List.of(new ArchiveWriter.SourceItem(source, "data")), List.of(), List.of());
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        // the application removes its temp files once the backup has read the first file (the walk listed them already)
        BackupStreams.Written written = BackupStreams.backup(writer, Compression.GZIP, PART, store, i -> "p" + i,
                (files, bytes) -> {
                    if (files == 1) {
                        try {
                            Files.delete(source.resolve("b.tmp"));
                            Files.delete(source.resolve("cache/deep/c.tmp"));
                            Files.delete(source.resolve("cache/deep"));
                            Files.delete(source.resolve("cache"));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }, () -> false);

        assertThat(written.files()).extracting(FileEntry::path).containsExactly("data", "data/a.txt", "data/z.txt");
        assertThat(writer.vanished()).containsExactly("data/b.tmp", "data/cache");
        Path target = tmp.resolve("target");
        assertThat(restore(written, store, Compression.GZIP, target, false).ok()).isTrue();
        assertThat(Files.readString(target.resolve("data/a.txt"))).isEqualTo("a");
        assertThat(Files.readString(target.resolve("data/z.txt"))).isEqualTo("z");
        assertThat(target.resolve("data/b.tmp")).doesNotExist();
    }

    @Test
    void aTamperedPartIsNamedAndNoPartialFileKeepsItsFinalName() throws IOException {
        Path source = tmp.resolve("source");
        Trees.generate(source, 7, 20, 6 * PART);
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.NONE, store);
        try (RandomAccessFile f = new RandomAccessFile(store.part(2).toFile(), "rw")) {
            f.seek(1000);
            int b = f.read();
            f.seek(1000);
            f.write(b ^ 0xff);
        }
        Path target = tmp.resolve("target");

        assertThatThrownBy(() -> restore(written, store, Compression.NONE, target, false))
                .isInstanceOf(BackupCorruptException.class)
                .hasMessageContaining("part-00002")
                .satisfies(e -> assertThat(((BackupCorruptException) e).part()).isEqualTo("part-00002"));
        assertNoPartialFiles(source, target);
    }

    @Test
    void aMissingPartIsNamed() throws IOException {
        Path source = tmp.resolve("source");
        Trees.generate(source, 8, 10, 4 * PART);
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.GZIP, store);
        Files.delete(store.part(1));
        Path target = tmp.resolve("target");

        assertThatThrownBy(() -> restore(written, store, Compression.GZIP, target, false))
                .isInstanceOf(BackupCorruptException.class).hasMessageContaining("part-00001 is missing");
        assertNoPartialFiles(source, target);
    }

    @Test
    void aFileThatDoesNotMatchTheManifestIsNamedAndNotRestored() throws IOException {
        Path source = tmp.resolve("source");
        Files.createDirectories(source);
        Files.writeString(source.resolve("good.txt"), "good");
        Files.writeString(source.resolve("bad.txt"), "bad");
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.GZIP, store);
        Map<String, FileEntry> files = byPath(written);
        FileEntry bad = files.get("bad.txt");
        files.put("bad.txt", new FileEntry(bad.path(), bad.type(), bad.size(), bad.mtime(), bad.mode(), "00".repeat(32), null));
        Path target = tmp.resolve("target");

        ArchiveExtractor.Report report = BackupStreams.restore(written.parts(), store, Compression.GZIP, files,
                new ArchiveExtractor.Options(target, p -> true, false), (f, b) -> { });

        assertThat(report.bad()).extracting(ArchiveExtractor.Problem::path).containsExactly("bad.txt");
        assertThat(target.resolve("good.txt")).hasContent("good");
        assertThat(target.resolve("bad.txt")).doesNotExist();
        assertThat(listAll(target)).noneMatch(ArchiveExtractor::isTemp);
    }

    @Test
    void existingFilesAreKeptUnlessOverwrite() throws IOException {
        Path source = tmp.resolve("source");
        Files.createDirectories(source);
        Files.writeString(source.resolve("x.txt"), "from backup");
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.ZSTD, store);
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.writeString(target.resolve("x.txt"), "local");

        ArchiveExtractor.Report kept = restore(written, store, Compression.ZSTD, target, false);
        assertThat(kept.skippedExisting()).isEqualTo(1);
        assertThat(target.resolve("x.txt")).hasContent("local");

        restore(written, store, Compression.ZSTD, target, true);
        assertThat(target.resolve("x.txt")).hasContent("from backup");
    }

    @Test
    void selectedPathsRestoreOnlyThose() throws IOException {
        Path source = tmp.resolve("source");
        Files.createDirectories(source.resolve("keep/sub"));
        Files.createDirectories(source.resolve("skip"));
        Files.writeString(source.resolve("keep/sub/a.txt"), "a");
        Files.writeString(source.resolve("skip/b.txt"), "b");
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.GZIP, store);
        Path target = tmp.resolve("target");

        BackupStreams.restore(written.parts(), store, Compression.GZIP, byPath(written),
                new ArchiveExtractor.Options(target, RestoreSelection.of(List.of("keep")), false), (f, b) -> { });

        assertThat(target.resolve("keep/sub/a.txt")).hasContent("a");
        assertThat(target.resolve("skip")).doesNotExist();
    }

    @Test
    void escapingEntriesAreRefusedAndNothingIsWrittenOutsideTheTarget() throws IOException {
        Path craft = tmp.resolve("crafted.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(craft))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            addFile(tar, "../escaped-dotdot.txt", "evil");
            addFile(tar, "inner/../../escaped-nested.txt", "evil");
            addFile(tar, tmp.resolve("escaped-absolute.txt").toString(), "evil");
            addLink(tar, "out-link", "../../..");
            addLink(tar, "abs-link", "/etc");
            addFile(tar, "out-link/escaped-through-link.txt", "evil");
            addLink(tar, "sub/in-link", "../fine.txt");
            addFile(tar, "fine.txt", "fine");
        }
        Path target = tmp.resolve("a/b/target");

        ArchiveExtractor.Report report = extractCrafted(craft, target, false);

        assertThat(report.refused()).extracting(ArchiveExtractor.Problem::path).containsExactlyInAnyOrder(
                "../escaped-dotdot.txt", "inner/../../escaped-nested.txt",
                tmp.resolve("escaped-absolute.txt").toString(), "out-link", "abs-link");
        assertThat(target.resolve("fine.txt")).hasContent("fine");
        assertThat(Files.readSymbolicLink(target.resolve("sub/in-link"))).isEqualTo(Path.of("../fine.txt"));
        // out-link was refused, so the entry under it became a plain folder inside the target
        assertThat(listAll(tmp)).filteredOn(p -> p.getFileName().toString().startsWith("escaped"))
                .allMatch(p -> p.startsWith(target));
        assertThat(Files.exists(tmp.resolve("escaped-absolute.txt"))).isFalse();
    }

    @Test
    void anExistingLinkInTheTargetCannotBeUsedToEscape() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path target = targetWithDoorTo(outside);
        Path craft = tmp.resolve("crafted.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(craft))) {
            addFile(tar, "door/escaped.txt", "evil");
        }
        ArchiveExtractor.Report report = extractCrafted(craft, target, true);
        assertThat(report.refused()).extracting(ArchiveExtractor.Problem::path).containsExactly("door/escaped.txt");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void filesReachedThroughALinkRestoredEarlierLandInsideTheTargetWhileAnOutsideLinkStaysRefused() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path target = targetWithDoorTo(outside);
        Path craft = tmp.resolve("crafted.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(craft))) {
            addFile(tar, "real/one.txt", "1");
            addLink(tar, "alias", "real");
            addFile(tar, "alias/two.txt", "2");
            addFile(tar, "real/three.txt", "3");
            addFile(tar, "door/first.txt", "evil");
            addFile(tar, "door/second.txt", "evil");
        }
        ArchiveExtractor.Report report = extractCrafted(craft, target, true);
        assertThat(target.resolve("real/one.txt")).hasContent("1");
        assertThat(target.resolve("real/two.txt")).hasContent("2");
        assertThat(target.resolve("real/three.txt")).hasContent("3");
        // every entry under the outside link is checked, not only the first of its folder
        assertThat(report.refused()).extracting(ArchiveExtractor.Problem::path)
                .containsExactly("door/first.txt", "door/second.txt");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aPathTheArchiveNamesTwiceEndsAsIfTheEntriesWereWrittenInOrder() throws IOException {
        Path craft = tmp.resolve("twice.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(craft))) {
            for (int i = 0; i < 200; i++) {
                addFile(tar, "many/f" + i + ".txt", "file " + i);
            }
            addFile(tar, "twice.txt", "first");
            for (int i = 200; i < 400; i++) {
                addFile(tar, "many/f" + i + ".txt", "file " + i);
            }
            addFile(tar, "twice.txt", "second");
        }
        Path kept = tmp.resolve("kept");
        ArchiveExtractor.Report first = extractCrafted(craft, kept, false);
        assertThat(kept.resolve("twice.txt")).hasContent("first");
        assertThat(first.files()).isEqualTo(401);
        assertThat(first.skippedExisting()).isEqualTo(1);

        Path replaced = tmp.resolve("replaced");
        ArchiveExtractor.Report last = extractCrafted(craft, replaced, true);
        assertThat(replaced.resolve("twice.txt")).hasContent("second");
        assertThat(last.files()).isEqualTo(402);
        for (int i = 0; i < 400; i++) {
            assertThat(replaced.resolve("many/f" + i + ".txt")).hasContent("file " + i);
        }
        assertThat(listAll(replaced)).noneMatch(ArchiveExtractor::isTemp);
    }

    @Test
    void aFileThatCannotBeWrittenStopsTheRestoreNamesItAndLeavesNoTempFiles() throws IOException {
        Path craft = tmp.resolve("unwritable.tar");
        // a name segment longer than a folder entry may be (255 bytes): the archive is fine, the target refuses it
        String tooLong = "x".repeat(300);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(craft))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < 300; i++) {
                addFile(tar, "before/f" + i + ".txt", "file " + i);
            }
            addFile(tar, tooLong, "cannot be written");
            for (int i = 0; i < 300; i++) {
                addFile(tar, "after/f" + i + ".txt", "file " + i);
            }
        }
        Path target = tmp.resolve("target");
        assertThatThrownBy(() -> extractCrafted(craft, target, false))
                .isInstanceOf(ArchiveExtractor.TargetException.class)
                .hasMessageContaining("cannot write " + target.resolve(tooLong));
        assertThat(listAll(target)).noneMatch(ArchiveExtractor::isTemp);
        assertThat(target.resolve("after")).doesNotExist();
        // what was written before the failure is complete
        try (Stream<Path> written = Files.list(target.resolve("before"))) {
            written.forEach(f -> assertThat(f).hasContent("file " + f.getFileName().toString().replaceAll("\\D", "")));
        }
    }

    @Test
    void aTargetThatCannotBeWrittenIsNotReportedAsADamagedPartAndLongNamesRestore() throws IOException {
        Path source = tmp.resolve("source");
        // 250 bytes: a valid name, which a temp name made from it would not be
        String longName = "n".repeat(250);
        Files.createDirectories(source.resolve("d"));
        Files.writeString(source.resolve("d").resolve(longName), "long name");
        Files.writeString(source.resolve("d/plain.txt"), "plain");
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, Compression.ZSTD, store);

        Path target = tmp.resolve("target");
        ArchiveExtractor.Report report = restore(written, store, Compression.ZSTD, target, false);
        assertThat(report.ok()).as("%s", report).isTrue();
        Trees.assertSameTree(source, target);

        // a target where a folder of the archive is a plain file: writing there fails, the parts are fine
        Path blocked = Files.createDirectories(tmp.resolve("blocked"));
        Files.writeString(blocked.resolve("d"), "a file where the folder goes");
        assertThatThrownBy(() -> restore(written, store, Compression.ZSTD, blocked, false))
                .isInstanceOf(ArchiveExtractor.TargetException.class)
                .isNotInstanceOf(BackupCorruptException.class)
                .hasMessageContaining("cannot write " + blocked.resolve("d"));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "NONE"})
    void concatenatedPartsArePlainArchivesForTheSystemTar(Compression compression) throws Exception {
        Path source = tmp.resolve("source");
        Trees.generate(source, 3, 50, 3 * PART);
        LocalFolderSink store = new LocalFolderSink(tmp.resolve("store"));
        BackupStreams.Written written = backup(source, compression, store);
        Path joined = tmp.resolve("backup" + compression.extension());
        try (OutputStream out = Files.newOutputStream(joined)) {
            for (BackupManifest.PartEntry p : written.parts()) {
                Files.copy(store.part(p.index()), out);
            }
        }
        Path target = Files.createDirectories(tmp.resolve("by-tar"));
        Process tar = new ProcessBuilder("tar", compression == Compression.GZIP ? "-xzf" : "-xf", joined.toString(),
                "-C", target.toString()).redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(output).isZero();
        Trees.assertSameTree(source, target);
    }

    private BackupStreams.Written backup(Path source, Compression compression, LocalFolderSink store) throws IOException {
        ArchiveWriter writer = new ArchiveWriter(List.of(new ArchiveWriter.SourceItem(source, "")), List.of(), List.of());
        return BackupStreams.backup(writer, compression, PART, store, i -> BackupManifest.partKey("t", i),
                (f, b) -> { }, () -> false);
    }

    private ArchiveExtractor.Report restore(BackupStreams.Written written, LocalFolderSink store, Compression compression,
            Path target, boolean overwrite) throws IOException {
        return BackupStreams.restore(written.parts(), store, compression, byPath(written),
                new ArchiveExtractor.Options(target, p -> true, overwrite), (f, b) -> { });
    }

    private static Map<String, FileEntry> byPath(BackupStreams.Written written) {
        return written.files().stream().collect(Collectors.toMap(FileEntry::path, Function.identity(),
                (a, b) -> a, java.util.HashMap::new));
    }

    /** Restores a hand-made archive without a manifest. */
    private static ArchiveExtractor.Report extractCrafted(Path craft, Path target, boolean overwrite) throws IOException {
        try (var in = Files.newInputStream(craft)) {
            return new ArchiveExtractor(Map.of()).extract(in, new ArchiveExtractor.Options(target, p -> true, overwrite),
                    (f, b) -> { });
        }
    }

    /** A target folder holding a link "door" that leads to {@code outside}. */
    private Path targetWithDoorTo(Path outside) throws IOException {
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.createSymbolicLink(target.resolve("door"), outside);
        return target;
    }

    private static void addLink(TarArchiveOutputStream tar, String name, String linkTarget) throws IOException {
        TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        link.setLinkName(linkTarget);
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
    }

    private static void addFile(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** Every file under target is complete: identical to the source's file of the same name; no temp names. */
    private static void assertNoPartialFiles(Path source, Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        for (Path p : listAll(target)) {
            assertThat(ArchiveExtractor.isTemp(p)).as("leftover temp file %s", p).isFalse();
            if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                assertThat(Trees.sha256(p)).as("%s is complete", p)
                        .isEqualTo(Trees.sha256(source.resolve(target.relativize(p).toString())));
            }
        }
    }

    private static List<Path> listAll(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.toList();
        }
    }
}
