package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every {@link StorageProvider} must meet, run unchanged against each real
 * backend (a local folder, S3Proxy, Azurite, the GCS JSON API test server) by a subclass that
 * only says how to build the provider. Each test works under its own random prefix.
 */
public abstract class ProviderContract {

    /** Bytes per S3 part, Azure block and GCS chunk in these tests; one object is made larger than it. */
    protected static final int PART_SIZE = 5 * 1024 * 1024;

    protected StorageProvider provider;
    protected String base;

    /** A provider over a fresh, empty place (bucket/container created by the subclass). */
    protected abstract StorageProvider createProvider() throws Exception;

    /** A provider over a place that is not there (a bucket or container never created, a folder removed). */
    protected abstract StorageProvider providerOfAMissingPlace() throws Exception;

    @BeforeEach
    void open() throws Exception {
        provider = createProvider();
        base = "contract-" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void close() {
        provider.close();
    }

    protected static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    protected ProviderObject put(String key, byte[] data, WriteCondition condition, Map<String, String> metadata) {
        return provider.put(key, new ByteArrayInputStream(data), condition, metadata);
    }

    protected byte[] read(String key, long offset, long length) throws IOException {
        try (ProviderRead r = provider.get(key, offset, length)) {
            return r.body().readAllBytes();
        }
    }

    @Test
    void aProbeAnswersForAPlaceThatIsThereAndSaysWhenItIsNot() throws Exception {
        provider.probe();
        try (StorageProvider missing = providerOfAMissingPlace()) {
            assertThatThrownBy(missing::probe).isInstanceOf(ProviderUnavailableException.class)
                    .hasMessageMatching("(?s).*(does not exist|is gone).*");
        }
    }

    @Test
    void putGetHeadDeleteWithMetadata() throws IOException {
        String key = base + "dir/hello world ü.txt";
        byte[] data = "hello, providers".getBytes();
        ProviderObject stored = put(key, data, WriteCondition.NONE, Map.of("svsha256", "abc", "svmeta", "a=b%20c"));
        assertThat(stored.versionTag()).isNotBlank();
        assertThat(stored.storedSize()).isEqualTo(data.length);
        ProviderObject head = provider.head(key).orElseThrow();
        assertThat(head.versionTag()).isEqualTo(stored.versionTag());
        assertThat(head.storedSize()).isEqualTo(data.length);
        assertThat(head.metadata()).containsEntry("svsha256", "abc").containsEntry("svmeta", "a=b%20c");
        assertThat(head.modified()).isNotNull();
        try (ProviderRead r = provider.get(key, 0, -1)) {
            assertThat(r.body().readAllBytes()).isEqualTo(data);
            assertThat(r.object().versionTag()).isEqualTo(stored.versionTag());
            assertThat(r.object().metadata()).containsEntry("svsha256", "abc");
        }
        provider.delete(key, null);
        assertThat(provider.head(key)).isEmpty();
        assertThatThrownBy(() -> provider.get(key, 0, -1)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> provider.delete(key, null)).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void emptyObject() throws IOException {
        String key = base + "empty";
        put(key, new byte[0], WriteCondition.NONE, Map.of());
        assertThat(provider.head(key).orElseThrow().storedSize()).isZero();
        assertThat(read(key, 0, -1)).isEmpty();
    }

    @Test
    void overwriteChangesVersionTag() {
        String key = base + "over";
        ProviderObject first = put(key, "one".getBytes(), WriteCondition.NONE, Map.of());
        ProviderObject second = put(key, "two!".getBytes(), WriteCondition.NONE, Map.of());
        assertThat(second.versionTag()).isNotEqualTo(first.versionTag());
        assertThat(provider.head(key).orElseThrow().storedSize()).isEqualTo(4);
    }

    @Test
    void conditionalWrites() throws IOException {
        String key = base + "cond";
        ProviderObject v1 = put(key, "one".getBytes(), WriteCondition.createOnly(), Map.of());
        assertThatThrownBy(() -> put(key, "x".getBytes(), WriteCondition.createOnly(), Map.of()))
                .isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> put(key, "x".getBytes(), WriteCondition.ifMatch("not-a-version"), Map.of()))
                .isInstanceOf(PreconditionFailedException.class);
        ProviderObject v2 = put(key, "two".getBytes(), WriteCondition.ifMatch(v1.versionTag()), Map.of());
        assertThatThrownBy(() -> put(key, "x".getBytes(), WriteCondition.ifMatch(v1.versionTag()), Map.of()))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(read(key, 0, -1)).isEqualTo("two".getBytes());
        assertThatThrownBy(() -> put(base + "absent", "x".getBytes(), WriteCondition.ifMatch(v2.versionTag()), Map.of()))
                .isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> provider.delete(key, v1.versionTag())).isInstanceOf(PreconditionFailedException.class);
        provider.delete(key, v2.versionTag());
        assertThat(provider.head(key)).isEmpty();
    }

    @Test
    void abortedWriteLeavesNothing() throws IOException {
        String key = base + "aborted";
        ProviderObject before = put(key, "old".getBytes(), WriteCondition.NONE, Map.of());
        try (ObjectWriter writer = provider.openWriter(key, WriteCondition.NONE, Map.of())) {
            writer.stream().write(random(PART_SIZE + 1000, 3));
        }
        assertThat(provider.head(key).orElseThrow().versionTag()).isEqualTo(before.versionTag());
        assertThat(read(key, 0, -1)).isEqualTo("old".getBytes());
        try (ObjectWriter writer = provider.openWriter(base + "never", WriteCondition.NONE, Map.of())) {
            writer.stream().write("partial".getBytes());
        }
        assertThat(provider.head(base + "never")).isEmpty();
        assertThat(provider.list(base, null, null, 100).objects()).extracting(ProviderObject::key)
                .containsExactly(key);
    }

    @Test
    void ranges() throws IOException {
        String key = base + "ranged";
        byte[] data = random(100_000, 5);
        put(key, data, WriteCondition.NONE, Map.of());
        assertThat(read(key, 10, 90)).isEqualTo(Arrays.copyOfRange(data, 10, 100));
        assertThat(read(key, 99_990, -1)).isEqualTo(Arrays.copyOfRange(data, 99_990, 100_000));
        assertThat(read(key, 0, 1)).isEqualTo(Arrays.copyOfRange(data, 0, 1));
    }

    @Test
    void largerThanOnePart() throws IOException {
        String key = base + "large.bin";
        int size = 2 * PART_SIZE + 12345;
        byte[] data = random(size, 9);
        ProviderObject stored;
        try (ObjectWriter writer = provider.openWriter(key, WriteCondition.createOnly(), Map.of("svformat", "plain"))) {
            OutputStream out = writer.stream();
            for (int at = 0; at < size; at += 100_000) {
                out.write(data, at, Math.min(100_000, size - at));
            }
            stored = writer.commit(Map.of("svformat", "plain", "svsha256", "final"));
        }
        assertThat(stored.storedSize()).isEqualTo(size);
        ProviderObject head = provider.head(key).orElseThrow();
        assertThat(head.storedSize()).isEqualTo(size);
        assertThat(head.metadata()).containsEntry("svsha256", "final");
        assertThat(head.versionTag()).isEqualTo(stored.versionTag());
        try (ProviderRead r = provider.get(key, 0, -1); InputStream in = r.body()) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(read(key, PART_SIZE - 10, 20)).isEqualTo(Arrays.copyOfRange(data, PART_SIZE - 10, PART_SIZE + 10));
    }

    @Test
    void aWriteMayBeCommittedOnAnotherThreadThanTheOneThatWroteIt() throws Exception {
        // a batch put streams an entry on its own thread and commits it on a commit thread
        String key = base + "handed-over.bin";
        byte[] data = random(PART_SIZE + 4321, 21);
        ExecutorService committer = Executors.newSingleThreadExecutor();
        try (ObjectWriter writer = provider.openWriter(key, WriteCondition.createOnly(), Map.of())) {
            writer.stream().write(data);
            ProviderObject stored = committer.submit(() -> writer.commit(Map.of("svsha256", "handed"))).get();
            assertThat(provider.head(key).orElseThrow().versionTag()).isEqualTo(stored.versionTag());
        } finally {
            committer.shutdown();
        }
        assertThat(read(key, 0, -1)).isEqualTo(data);
        assertThat(provider.head(key).orElseThrow().metadata()).containsEntry("svsha256", "handed");
    }

    /** Whether a write sent in chunks keeps the condition it was opened with (GCS: its resumable upload's). */
    protected boolean fixesTheConditionOfAChunkedWrite() {
        return false;
    }

    @Test
    void aWriteRefusedByTheConditionGivenAtCommitMayBeCommittedUnderAnother() throws IOException {
        for (int size : new int[] {1000, PART_SIZE + 777}) {
            String key = base + "recondition-" + size + ".bin";
            ProviderObject first = put(key, "first".getBytes(), WriteCondition.NONE, Map.of());
            byte[] data = random(size, size);
            try (ObjectWriter writer = provider.openWriter(key, WriteCondition.ifMatch(first.versionTag()), Map.of())) {
                writer.stream().write(data);
                ProviderObject second = put(key, "second".getBytes(), WriteCondition.NONE, Map.of());
                assertThatThrownBy(() -> writer.commit(Map.of("svsha256", "x"),
                        WriteCondition.ifMatch(first.versionTag()))).isInstanceOf(PreconditionFailedException.class);
                assertThat(read(key, 0, -1)).isEqualTo("second".getBytes());
                if (size > PART_SIZE && fixesTheConditionOfAChunkedWrite()) {
                    assertThatThrownBy(() -> writer.commit(Map.of("svsha256", "x"),
                            WriteCondition.ifMatch(second.versionTag()))).isInstanceOf(ConditionFixedException.class);
                    assertThat(read(key, 0, -1)).isEqualTo("second".getBytes());
                    continue;
                }
                ProviderObject stored = writer.commit(Map.of("svsha256", "x"), WriteCondition.ifMatch(second.versionTag()));
                assertThat(provider.head(key).orElseThrow().versionTag()).isEqualTo(stored.versionTag());
            }
            assertThat(read(key, 0, -1)).isEqualTo(data);
            assertThat(provider.head(key).orElseThrow().metadata()).containsEntry("svsha256", "x");
        }
    }

    @Test
    void listingPagesPrefixesAndDelimiter() {
        List<String> names = List.of("a", "b/1", "b/2", "b/c/3", "c-d", "d", "e/f");
        for (String name : names) {
            put(base + name, name.getBytes(), WriteCondition.NONE, Map.of("svsha256", "s-" + name.replace('/', '_')));
        }
        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ProviderListing page = provider.list(base, null, cursor, 2);
            assertThat(page.objects().size()).isLessThanOrEqualTo(2);
            page.objects().forEach(o -> {
                all.add(o.key().substring(base.length()));
                assertThat(o.metadata()).containsEntry("svsha256", "s-" + o.key().substring(base.length()).replace('/', '_'));
                assertThat(o.storedSize()).isEqualTo(o.key().length() - base.length());
                assertThat(o.versionTag()).isNotBlank();
            });
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null && pages < 20);
        assertThat(all).containsExactlyElementsOf(names);
        assertThat(pages).isGreaterThanOrEqualTo(4);

        List<String> keys = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        cursor = null;
        pages = 0;
        do {
            ProviderListing page = provider.list(base, "/", cursor, 2);
            page.objects().forEach(o -> keys.add(o.key().substring(base.length())));
            page.prefixes().forEach(p -> prefixes.add(p.substring(base.length())));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null && pages < 20);
        assertThat(keys).containsExactly("a", "c-d", "d");
        assertThat(prefixes).containsExactly("b/", "e/");

        ProviderListing sub = provider.list(base + "b/", "/", null, 100);
        assertThat(sub.objects()).extracting(o -> o.key().substring(base.length())).containsExactly("b/1", "b/2");
        assertThat(sub.prefixes()).containsExactly(base + "b/c/");
        assertThat(sub.nextCursor()).isNull();
        ProviderListing partial = provider.list(base + "b", null, null, 100);
        assertThat(partial.objects()).hasSize(3);
        assertThat(provider.list(base + "nothing/", "/", null, 100).objects()).isEmpty();
    }

    @Test
    void copyKeepsBytesAndMetadata() throws IOException {
        String source = base + "src";
        byte[] data = random(1000, 11);
        put(source, data, WriteCondition.NONE, Map.of("svsha256", "x1"));
        ProviderObject copy = provider.copy(source, base + ".versions/src/1");
        assertThat(copy.metadata()).containsEntry("svsha256", "x1");
        put(source, "changed".getBytes(), WriteCondition.NONE, Map.of());
        assertThat(read(base + ".versions/src/1", 0, -1)).isEqualTo(data);
        assertThat(provider.head(base + ".versions/src/1").orElseThrow().metadata()).containsEntry("svsha256", "x1");
    }
}
