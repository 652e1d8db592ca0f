package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncvault.platform.FileSystemFlush;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider contract against a local folder (records in extended attributes, as this
 * machine's file systems allow), plus what only a folder can get wrong (escapes, temp files,
 * records and sidecars). {@link LocalProviderSidecarTest} runs the same with sidecars only.
 */
class LocalProviderTest extends ProviderContract {

    @TempDir
    Path root;

    @Override
    protected StorageProvider createProvider() {
        return new LocalProvider(root.resolve("store"));
    }

    @Override
    protected StorageProvider providerOfAMissingPlace() throws Exception {
        // a store whose disk went away: its folder is left as an empty mount point
        Path gone = root.resolve("gone");
        StorageProvider provider = new LocalProvider(gone);
        try (var files = Files.walk(gone)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(gone)).forEach(p -> p.toFile().delete());
        }
        return provider;
    }

    @Test
    void aKeyWhoseLastSegmentIsNearlyAFileNameLongIsStoredAndDeletedWholeOrRefusedBeforeAnythingChanges() throws Exception {
        // 253 bytes: a file can have that name, its sidecar (the name and ".json") cannot
        String key = base + "long/" + "x".repeat(253);
        if (((LocalProvider) provider).recordsInAttributes()) {
            ProviderObject first = put(key, "one".getBytes(), WriteCondition.createOnly(), Map.of());
            ProviderObject second = put(key, "two".getBytes(), WriteCondition.ifMatch(first.versionTag()), Map.of());
            assertThat(provider.head(key).orElseThrow().versionTag()).isEqualTo(second.versionTag());
            assertThat(read(key, 0, -1)).isEqualTo("two".getBytes());
            provider.delete(key, second.versionTag());
            assertThat(provider.head(key)).isEmpty();
        } else {
            assertThatThrownBy(() -> put(key, "one".getBytes(), WriteCondition.createOnly(), Map.of()))
                    .isInstanceOf(InvalidKeyException.class).hasMessageContaining("too long");
            assertThat(provider.head(key)).isEmpty();
        }
    }

    @Test
    void keysNeverLeaveTheRoot() throws Exception {
        Path outside = root.resolve("outside");
        Files.createDirectories(outside);
        Files.createSymbolicLink(root.resolve("store/link"), outside);
        for (String key : new String[] {"../x", "a/../../x", "/etc/passwd", "a\\..\\x", "a//b", "./a", "a/.", "x\0y", ""}) {
            assertThatThrownBy(() -> put(key, "x".getBytes(), WriteCondition.NONE, Map.of())).as(key)
                    .isInstanceOf(InvalidKeyException.class);
        }
        assertThatThrownBy(() -> put("link/escape", "x".getBytes(), WriteCondition.NONE, Map.of()))
                .isInstanceOf(InvalidKeyException.class);
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aFolderLinkPlantedInTheRootLeadsNoReadCopyOrDeleteOutsideIt() throws Exception {
        Path outside = root.resolve("outside-secrets");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("secret.txt"), "not for the store");
        Files.createDirectories(root.resolve("store/docs"));
        Files.createSymbolicLink(root.resolve("store/docs/planted"), outside);
        String key = "docs/planted/secret.txt";

        assertThat(provider.head(key)).isEmpty();
        assertThatThrownBy(() -> provider.get(key, 0, -1)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> provider.copy(key, "docs/copied.txt")).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> provider.delete(key, null)).isInstanceOf(ObjectNotFoundException.class);
        assertThat(provider.head("docs/copied.txt")).isEmpty();
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo("not for the store");
    }

    @Test
    void objectsArePlainFilesAndTempFilesAreHidden() throws Exception {
        put(base + "plain.txt", "readable".getBytes(), WriteCondition.NONE, Map.of());
        Path file = root.resolve("store").resolve(base + "plain.txt");
        assertThat(Files.readString(file)).isEqualTo("readable");
        Files.writeString(file.resolveSibling(LocalProvider.TEMP_PREFIX + "leftover"), "partial");
        assertThat(provider.list(base, null, null, 100).objects()).extracting(ProviderObject::key)
                .containsExactly(base + "plain.txt");
    }

    @Test
    void aFileReplacedByHandGetsANewVersionTag() throws Exception {
        ProviderObject stored = put(base + "edited", "one".getBytes(), WriteCondition.NONE, Map.of("svsha256", "x"));
        Path file = root.resolve("store").resolve(base + "edited");
        Path replacement = root.resolve("replacement");
        Files.writeString(replacement, "edited by hand");
        Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ProviderObject now = provider.head(base + "edited").orElseThrow();
        assertThat(now.versionTag()).isNotEqualTo(stored.versionTag());
        assertThat(now.metadata()).doesNotContainKey("svsha256");
    }

    @Test
    void aFileEditedInPlaceByHandGetsANewVersionTag() throws Exception {
        ProviderObject stored = put(base + "appended", "one".getBytes(), WriteCondition.NONE, Map.of("svsha256", "x"));
        Files.writeString(root.resolve("store").resolve(base + "appended"), " and more", StandardOpenOption.APPEND);
        ProviderObject now = provider.head(base + "appended").orElseThrow();
        assertThat(now.versionTag()).isNotEqualTo(stored.versionTag());
        assertThat(now.metadata()).doesNotContainKey("svsha256");
    }

    @Test
    void theRecordTravelsWithTheFileOrLivesInASidecar() throws Exception {
        boolean onFiles = ((LocalProvider) provider).recordsInAttributes();
        ProviderObject stored = put(base + "a/b.txt", "bytes".getBytes(), WriteCondition.NONE, Map.of("svsha256", "x"));
        Path file = root.resolve("store").resolve(base + "a/b.txt");
        Path sidecar = root.resolve("store/.syncvault/meta").resolve(base + "a/b.txt.json");
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        // a copy of the store that keeps attributes (cp -a, rsync -X) keeps tags and metadata only when they are on the files
        Path copied = root.resolve("store").resolve(base + "c.txt");
        Files.copy(file, copied, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        ProviderObject copy = provider.head(base + "c.txt").orElseThrow();
        if (onFiles) {
            assertThat(view.list()).contains(LocalProvider.RECORD_ATTRIBUTE);
            assertThat(sidecar).doesNotExist();
            assertThat(copy.versionTag()).isEqualTo(stored.versionTag());
            assertThat(copy.metadata()).containsEntry("svsha256", "x");
        } else {
            assertThat(sidecar).exists();
            assertThat(copy.versionTag()).isNotEqualTo(stored.versionTag());
            assertThat(copy.metadata()).isEmpty();
        }
    }

    @Test
    void objectsWrittenWithSidecarsStayReadableAndAreRewrittenWithRecordsOnTheirFiles() throws Exception {
        Path store = root.resolve("store");
        LocalProvider sidecars = new LocalProvider(store, false);
        ProviderObject old = sidecars.put(base + "old.txt", new java.io.ByteArrayInputStream("old".getBytes()),
                WriteCondition.NONE, Map.of("svsha256", "o"));
        Path sidecar = store.resolve(".syncvault/meta").resolve(base + "old.txt.json");
        assertThat(sidecar).exists();

        ProviderObject seen = provider.head(base + "old.txt").orElseThrow();
        assertThat(seen.versionTag()).isEqualTo(old.versionTag());
        assertThat(seen.metadata()).containsEntry("svsha256", "o");
        assertThat(provider.list(base, null, null, 10).objects()).extracting(ProviderObject::versionTag)
                .containsExactly(old.versionTag());

        // a kept version (a hard link) of a sidecar object must not change the source's tag through a shared attribute
        ProviderObject version = provider.copy(base + "old.txt", base + "versions/old.txt/1");
        assertThat(version.versionTag()).isNotEqualTo(old.versionTag());
        assertThat(provider.head(base + "old.txt").orElseThrow().versionTag()).isEqualTo(old.versionTag());
        assertThat(provider.head(base + "versions/old.txt/1").orElseThrow().versionTag()).isEqualTo(version.versionTag());

        ProviderObject replaced = put(base + "old.txt", "new".getBytes(), WriteCondition.ifMatch(old.versionTag()), Map.of());
        assertThat(replaced.versionTag()).isNotEqualTo(old.versionTag());
        assertThat(provider.head(base + "old.txt").orElseThrow().versionTag()).isEqualTo(replaced.versionTag());
        if (((LocalProvider) provider).recordsInAttributes()) {
            assertThat(sidecar).doesNotExist();
        }
        if (((LocalProvider) provider).recordsInAttributes()) {
            // a provider that cannot read attributes sees such a file as one it did not write: a tag from the file, no metadata
            ProviderObject foreign = sidecars.head(base + "old.txt").orElseThrow();
            assertThat(foreign.versionTag()).isNotEqualTo(replaced.versionTag()).startsWith("f");
            assertThat(foreign.metadata()).isEmpty();
        }
    }

    @Test
    void aRecordAnEarlierVersionKeptAsJsonIsStillReadAndTheNextWriteKeepsItCompact() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(((LocalProvider) provider).recordsInAttributes());
        Path file = root.resolve("store").resolve(base + "json/old.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "old");
        String oldTag = "0123456789abcdef0123456789abcdef";
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        view.write(LocalProvider.JSON_RECORD_ATTRIBUTE, java.nio.ByteBuffer.wrap(
                ("{\"versionTag\":\"" + oldTag + "\",\"size\":3,\"metadata\":{\"svsha256\":\"o\"}}").getBytes()));

        ProviderObject seen = provider.head(base + "json/old.txt").orElseThrow();
        assertThat(seen.versionTag()).isEqualTo(oldTag);
        assertThat(seen.metadata()).containsEntry("svsha256", "o");
        // a kept version is a hard link, and shares the JSON record as it would a compact one
        assertThat(provider.copy(base + "json/old.txt", base + "json/versions/1").versionTag()).isEqualTo(oldTag);

        Map<String, String> usual = io.syncvault.storage.service.ObjectMetadata.encode(3L, "ab".repeat(32),
                1_764_000_000_000L, io.syncvault.storage.crypto.BodyFormat.ENCRYPTED_V1, 1_764_100_000_000L, Map.of());
        ProviderObject replaced = put(base + "json/old.txt", "new".getBytes(), WriteCondition.ifMatch(oldTag), usual);

        UserDefinedFileAttributeView now = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        assertThat(now.list()).containsExactly(LocalProvider.RECORD_ATTRIBUTE);
        // small enough for a 256-byte ext4 inode to keep in place (68 bytes under this name)
        assertThat(now.size(LocalProvider.RECORD_ATTRIBUTE)).isLessThanOrEqualTo(68);
        assertThat(replaced.versionTag()).isNotEqualTo(oldTag).matches("[0-9a-f]{16}");
        ProviderObject read = provider.head(base + "json/old.txt").orElseThrow();
        assertThat(read.versionTag()).isEqualTo(replaced.versionTag());
        assertThat(read.metadata()).isEqualTo(usual);
        assertThat(provider.head(base + "json/versions/1").orElseThrow().versionTag()).isEqualTo(oldTag);
    }

    @Test
    void writesMadeDurableTogetherShareOneFolderSyncPerFolderAndAreVisibleAtOnce() {
        LocalProvider local = (LocalProvider) provider;
        long before = local.folderSyncs();
        put(base + "single/x", "x".getBytes(), WriteCondition.NONE, Map.of());
        long perObject = local.folderSyncs() - before;
        assertThat(perObject).isPositive();

        before = local.folderSyncs();
        long scopeStart = before;
        int stored = local.durableTogether(() -> {
            for (int i = 0; i < 20; i++) {
                put(base + (i % 2 == 0 ? "even/" : "odd/") + i, ("v" + i).getBytes(), WriteCondition.NONE, Map.of());
                // visible before the shared sync
                assertThat(provider.head(base + (i % 2 == 0 ? "even/" : "odd/") + i)).isPresent();
            }
            // nested: runs inside the same sharing
            local.durableTogether(() -> put(base + "even/nested", "n".getBytes(), WriteCondition.NONE, Map.of()));
            assertThat(local.folderSyncs()).as("no folder synced before the end").isEqualTo(scopeStart);
            return 20;
        });
        assertThat(stored).isEqualTo(20);
        // two folders (and their sidecar folders when records live in sidecars), once each, instead of 21 times per object
        assertThat(local.folderSyncs() - before).isEqualTo(2 * perObject);
        assertThat(provider.list(base + "even/", null, null, 100).objects()).hasSize(11);

        before = local.folderSyncs();
        assertThatThrownBy(() -> local.durableTogether(() -> {
            put(base + "failed/kept", "k".getBytes(), WriteCondition.NONE, Map.of());
            throw new IllegalStateException("stop");
        })).hasMessage("stop");
        assertThat(local.folderSyncs() - before).as("synced also when the work failed").isEqualTo(perObject);
        assertThat(provider.head(base + "failed/kept")).isPresent();
    }
    /** A writer of {@code key} that has been given {@code content}, not committed. */
    private ObjectWriter written(String key, String content) {
        ObjectWriter w = provider.openWriter(key, WriteCondition.NONE, Map.of());
        try {
            w.stream().write(content.getBytes());
        } catch (java.io.IOException e) {
            w.close();
            throw new java.io.UncheckedIOException(e);
        }
        return w;
    }

    private static Future<ProviderObject> commitOn(ExecutorService threads, ObjectWriter w, Map<String, String> metadata) {
        return threads.submit(() -> {
            try (w) {
                return w.commit(metadata);
            }
        });
    }

    private static void awaitAll(List<Future<ProviderObject>> commits) {
        for (Future<ProviderObject> f : commits) {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void objectsWrittenTogetherShareFlushesOfTheFileSystemInsteadOfAnFsyncEach() throws Exception {
        LocalProvider local = (LocalProvider) provider;
        // the machines SyncVault is built and tested on run Linux 5.8 or later, where syncfs can be trusted
        assertThat(FileSystemFlush.available()).isTrue();
        long fsyncs = local.objectFsyncs();
        put(base + "alone/x", "x".getBytes(), WriteCondition.NONE, Map.of());
        assertThat(local.objectFsyncs() - fsyncs).as("an object written alone has an fsync of its own").isEqualTo(1);

        // as a batch does: writers opened and filled in one scope, committed by several threads at once
        long flushes = local.fileSystemFlushes();
        long fsyncsBefore = local.objectFsyncs();
        ExecutorService commits = Executors.newFixedThreadPool(8);
        try {
            local.durableTogether(() -> {
                List<Future<ProviderObject>> done = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    done.add(commitOn(commits, written(base + "together/" + i, "object " + i), Map.of()));
                }
                awaitAll(done);
                return null;
            });
        } finally {
            commits.shutdownNow();
        }
        assertThat(local.objectFsyncs() - fsyncsBefore).as("no object fsynced on its own").isZero();
        assertThat(local.fileSystemFlushes() - flushes).as("flushes of the file system").isBetween(1L, 40L);
        for (int i = 0; i < 40; i++) {
            assertThat(new String(read(base + "together/" + i, 0, -1))).isEqualTo("object " + i);
        }
    }

    @Test
    void objectsPreparedTogetherBeforeAnyIsCommittedShareOneFlush() throws Exception {
        LocalProvider local = (LocalProvider) provider;
        long flushes = local.fileSystemFlushes();
        long fsyncs = local.objectFsyncs();
        ExecutorService commits = Executors.newFixedThreadPool(8);
        try {
            local.durableTogether(() -> {
                // as a batch of a local store does: every entry written and prepared, then all committed at once
                List<ObjectWriter> prepared = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    ObjectWriter w = written(base + "prepared/" + i, "object " + i);
                    assertThat(w.prepare(Map.of("n", Integer.toString(i)))).as("its commit waits for a shared flush")
                            .isTrue();
                    prepared.add(w);
                }
                assertThat(provider.head(base + "prepared/0")).as("nothing visible before its commit").isEmpty();
                List<Future<ProviderObject>> done = new ArrayList<>();
                for (int i = 0; i < prepared.size(); i++) {
                    done.add(commitOn(commits, prepared.get(i), Map.of("n", Integer.toString(i))));
                }
                awaitAll(done);
                return null;
            });
        } finally {
            commits.shutdownNow();
        }
        assertThat(local.fileSystemFlushes() - flushes).as("one flush for the 40 objects").isEqualTo(1);
        assertThat(local.objectFsyncs() - fsyncs).isZero();
        for (int i = 0; i < 40; i++) {
            assertThat(new String(read(base + "prepared/" + i, 0, -1))).isEqualTo("object " + i);
            assertThat(provider.head(base + "prepared/" + i).orElseThrow().metadata()).containsEntry("n", Integer.toString(i));
        }

        // alone, a prepared write is made durable by its own fsync: nothing to wait for
        try (ObjectWriter w = provider.openWriter(base + "prepared/alone", WriteCondition.NONE, Map.of())) {
            w.stream().write("alone".getBytes());
            assertThat(w.prepare(Map.of())).isFalse();
            assertThat(local.objectFsyncs() - fsyncs).isEqualTo(1);
            assertThatThrownBy(() -> w.commit(Map.of("other", "metadata"))).isInstanceOf(IllegalStateException.class);
            w.commit(Map.of());
        }
        assertThat(new String(read(base + "prepared/alone", 0, -1))).isEqualTo("alone");
    }

    @Test
    void aListingWhileOtherFilesOfTheFolderComeAndGoStillListsEveryFileThatStays() throws Exception {
        int kept = 100;
        for (int i = 0; i < kept; i++) {
            put(base + "busy/keep-" + i, ("k" + i).getBytes(), WriteCondition.NONE, Map.of());
        }
        Path folder = root.resolve("store").resolve(base + "busy");
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService churn = Executors.newSingleThreadExecutor();
        Future<Integer> churned = churn.submit(() -> {
            int n = 0;
            while (!stop.get()) {
                Path file = folder.resolve("churn-" + n++ % 50);
                Files.writeString(file, "brief");
                Files.deleteIfExists(file);
            }
            return n;
        });
        try {
            for (int round = 0; round < 400; round++) {
                // a file that vanished between reading the folder and looking at the file is skipped, not the folder
                assertThat(provider.list(base + "busy/", null, null, 1000).objects()).as("round " + round)
                        .filteredOn(o -> o.key().contains("/keep-")).hasSize(kept);
                assertThat(provider.list(base + "busy/keep-1", null, null, 1000).objects()).hasSize(11);
            }
        } finally {
            stop.set(true);
            assertThat(churned.get()).isPositive();
            churn.shutdown();
        }
    }

    @Test
    void writesIntoAFolderThatADeleteBesideThemEmptiesAndRemovesStillLand() throws Exception {
        // a delete of the last object of a folder removes the folder (and emptied parents): a write that made
        // the folder a moment before finds it gone, and makes it again rather than failing
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (String name : List.of("x", "y")) {
                done.add(writers.submit(() -> {
                    int rounds = 0;
                    for (; rounds < 2000; rounds++) {
                        String key = base + "shared/deeper/" + name;
                        put(key, name.getBytes(), WriteCondition.NONE, Map.of());
                        provider.copy(key, base + "shared/copies/" + name);
                        provider.delete(base + "shared/copies/" + name, null);
                        provider.delete(key, null);
                    }
                    return rounds;
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get()).isEqualTo(2000);
            }
        } finally {
            writers.shutdown();
        }
        assertThat(provider.list(base, null, null, 100).objects()).isEmpty();
    }

    @Test
    void aCopyOntoAKeyThatNamesAFolderIsRefusedAndLeavesNoTempFile() throws Exception {
        put(base + "folder/inside", "i".getBytes(), WriteCondition.NONE, Map.of());
        put(base + "source", "s".getBytes(), WriteCondition.NONE, Map.of());
        assertThatThrownBy(() -> provider.copy(base + "source", base + "folder")).isInstanceOf(InvalidKeyException.class);
        try (var files = Files.walk(root.resolve("store"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(LocalProvider.TEMP_PREFIX));
        }
    }

    @Test
    void aListingGoesStraightToItsPrefixAndPagesThroughAFolderOfManyKeys() {
        for (int i = 0; i < 30; i++) {
            put(base + "many/" + String.format("%02d", i), new byte[] {(byte) i}, WriteCondition.NONE, Map.of());
        }
        put(base + "many-not/x", "x".getBytes(), WriteCondition.NONE, Map.of());
        put(base + "file", "f".getBytes(), WriteCondition.NONE, Map.of());
        List<String> keys = new ArrayList<>();
        String cursor = null;
        do {
            ProviderListing page = provider.list(base + "many/1", null, cursor, 4);
            page.objects().forEach(o -> keys.add(o.key().substring(base.length())));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(keys).containsExactly("many/10", "many/11", "many/12", "many/13", "many/14", "many/15", "many/16",
                "many/17", "many/18", "many/19");
        assertThat(provider.list(base + "many", "/", null, 100).prefixes()).containsExactly(base + "many-not/", base + "many/");
        // a folder's keys come where its name + "/" sorts: after names it begins with '-' or '.', before '0'
        for (String key : List.of("o/b/1", "o/b-x", "o/b.x", "o/b0", "o/a", "o/b-x-y/z")) {
            put(base + key, key.getBytes(), WriteCondition.NONE, Map.of());
        }
        List<String> ordered = new ArrayList<>();
        cursor = null;
        do {
            ProviderListing page = provider.list(base + "o/", null, cursor, 2);
            page.objects().forEach(o -> ordered.add(o.key().substring(base.length())));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(ordered).containsExactly("o/a", "o/b-x", "o/b-x-y/z", "o/b.x", "o/b/1", "o/b0");
        // through a file, through a missing folder, into what keys can never name: nothing, and no error
        assertThat(provider.list(base + "file/x", null, null, 100).objects()).isEmpty();
        assertThat(provider.list(base + "missing/deeper/", null, null, 100).objects()).isEmpty();
        assertThat(provider.list(base + "../" + base, null, null, 100).objects()).isEmpty();
    }

    @Test
    void aWriterOpenedInsideDurableTogetherMayBeCommittedOnAnotherThreadAndStillSharesTheFolderSync() throws Exception {
        LocalProvider local = (LocalProvider) provider;
        long before = local.folderSyncs();
        put(base + "alone/x", "x".getBytes(), WriteCondition.NONE, Map.of());
        long perObject = local.folderSyncs() - before;

        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            before = local.folderSyncs();
            long scopeStart = before;
            ProviderObject stored = local.durableTogether(() -> {
                ObjectWriter writer = provider.openWriter(base + "handed/over", WriteCondition.NONE, Map.of());
                try {
                    writer.stream().write("moved on".getBytes());
                    ProviderObject done = other.submit(() -> writer.commit(Map.of())).get();
                    assertThat(local.folderSyncs()).as("left to the end of the scope").isEqualTo(scopeStart);
                    return done;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    writer.close();
                }
            });
            assertThat(local.folderSyncs() - before).isEqualTo(perObject);
            assertThat(read(stored.key(), 0, -1)).isEqualTo("moved on".getBytes());
        } finally {
            other.shutdown();
        }
    }

    @Test
    void whenASharedFlushFailsEachObjectItCoveredIsFsyncedOnItsOwnWhichSaysWhetherItsBytesWereHit() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        // the file system reports a failed write-back to the first flush: whose bytes it hit, it does not say
        LocalProvider failing = new LocalProvider(root.resolve("failing-flush"), true, () -> {
            if (runs.incrementAndGet() == 1) {
                throw new java.io.IOException("write-back failed");
            }
        });
        try (failing) {
            failing.durableTogether(() -> {
                try {
                    ObjectWriter before = failing.openWriter("began-before", WriteCondition.NONE, Map.of());
                    before.stream().write("begun before the failure".getBytes());
                    List<ObjectWriter> batch = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        ObjectWriter w = failing.openWriter("batch/" + i, WriteCondition.NONE, Map.of());
                        w.stream().write(("object " + i).getBytes());
                        w.prepare(Map.of());
                        batch.add(w);
                    }
                    for (ObjectWriter w : batch) {
                        try (w) {
                            w.commit(Map.of());
                        }
                    }
                    assertThat(runs.get()).as("one shared flush, which failed").isEqualTo(1);
                    assertThat(failing.objectFsyncs()).as("each object it covered fsynced on its own").isEqualTo(10);

                    // a write that began before the failure, covered by a later flush that succeeds: the failure may
                    // have been its bytes', so it is fsynced on its own too; one that began after it shares the flush
                    ObjectWriter after = failing.openWriter("began-after", WriteCondition.NONE, Map.of());
                    try (before; after) {
                        after.stream().write("begun after the failure".getBytes());
                        before.prepare(Map.of());
                        after.prepare(Map.of());
                        before.commit(Map.of());
                        after.commit(Map.of());
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
            assertThat(runs.get()).isEqualTo(2);
            assertThat(failing.objectFsyncs()).as("and only the write that began before the failure").isEqualTo(11);
            for (int i = 0; i < 10; i++) {
                try (ProviderRead read = failing.get("batch/" + i, 0, -1)) {
                    assertThat(new String(read.body().readAllBytes())).isEqualTo("object " + i);
                }
            }
            assertThat(failing.head("began-before")).isPresent();
            assertThat(failing.head("began-after")).isPresent();
        }
    }
}
