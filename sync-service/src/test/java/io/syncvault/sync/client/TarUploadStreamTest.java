package io.syncvault.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch upload body: a tar produced from files while it is read, exactly the sizes the scan saw. */
class TarUploadStreamTest {

    @TempDir
    Path dir;

    record Got(String name, long size, Map<String, String> pax, byte[] content) {
    }

    @Test
    void entriesCarryTheFilesWithTheirKeysHashesMtimesAndConditions() throws Exception {
        byte[] big = new byte[300_000];
        new Random(1).nextBytes(big);
        Path a = write("a.bin", big);
        Path b = write("b.txt", "small".getBytes(StandardCharsets.UTF_8));
        Path empty = write("empty", new byte[0]);
        String longKey = "prefix/caf\u00e9/" + "n".repeat(200) + ".txt";
        List<StorageGatewayClient.BatchUpload> files = List.of(
                new StorageGatewayClient.BatchUpload("prefix/a.bin", a, big.length, "aa", 1_700_000_000_123L, null),
                new StorageGatewayClient.BatchUpload(longKey, b, 5, "bb", 42L, "tag-1"),
                new StorageGatewayClient.BatchUpload("prefix/empty", empty, 0, "cc", 7L, null));
        TarUploadStream stream = new TarUploadStream(files);
        List<Got> got = read(stream);

        assertThat(got).extracting(Got::name).containsExactly("prefix/a.bin", longKey, "prefix/empty");
        assertThat(got.get(0).content()).isEqualTo(big);
        assertThat(got.get(0).pax()).containsEntry("SYNCVAULT.sha256", "aa").containsEntry("SYNCVAULT.mtime", "1700000000123")
                .containsEntry("SYNCVAULT.if-none-match", "*").doesNotContainKey("SYNCVAULT.if-match");
        assertThat(got.get(1).content()).isEqualTo("small".getBytes(StandardCharsets.UTF_8));
        assertThat(got.get(1).pax()).containsEntry("SYNCVAULT.if-match", "tag-1").doesNotContainKey("SYNCVAULT.if-none-match");
        assertThat(got.get(2).size()).isZero();
        assertThat(stream.notSent()).isEmpty();
    }

    @Test
    void aFileThatChangedSinceTheScanIsSentAtItsScannedSizeAndAVanishedOneIsLeftOut() throws Exception {
        Path grew = write("grew", "0123456789-more".getBytes(StandardCharsets.UTF_8));
        Path shrank = write("shrank", "abc".getBytes(StandardCharsets.UTF_8));
        Path gone = dir.resolve("gone");
        List<StorageGatewayClient.BatchUpload> files = List.of(
                new StorageGatewayClient.BatchUpload("k/grew", grew, 10, "x", 1, null),
                new StorageGatewayClient.BatchUpload("k/gone", gone, 4, "y", 1, null),
                new StorageGatewayClient.BatchUpload("k/shrank", shrank, 8, "z", 1, null));
        TarUploadStream stream = new TarUploadStream(files);
        List<Got> got = read(stream);

        assertThat(got).extracting(Got::name).containsExactly("k/grew", "k/shrank");
        assertThat(new String(got.get(0).content(), StandardCharsets.UTF_8)).isEqualTo("0123456789");
        // padded to the announced size: the gateway then refuses it for its SHA-256
        assertThat(got.get(1).content()).isEqualTo(Arrays.copyOf("abc".getBytes(StandardCharsets.UTF_8), 8));
        assertThat(stream.notSent()).containsOnlyKeys("k/gone");
        assertThat(stream.notSent().get("k/gone")).contains("could not be opened");
    }

    @Test
    void aReadFillsTheCallersBufferAcrossEntriesUntilTheArchiveEnds() throws Exception {
        List<StorageGatewayClient.BatchUpload> files = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            files.add(new StorageGatewayClient.BatchUpload("k/f" + i, write("f" + i, ("file " + i).getBytes(StandardCharsets.UTF_8)),
                    ("file " + i).length(), "s" + i, 1, null));
        }
        TarUploadStream stream = new TarUploadStream(files);
        byte[] buffer = new byte[1 << 18];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Integer> reads = new ArrayList<>();
        int n;
        while ((n = stream.read(buffer, 0, buffer.length)) >= 0) {
            reads.add(n);
            all.write(buffer, 0, n);
        }
        // 50 PAX headers, headers and contents (about 100 KiB) come in one read, not one per piece
        assertThat(reads).hasSize(1);
        assertThat(stream.read(buffer, 0, buffer.length)).isEqualTo(-1);
        assertThat(stream.read(buffer, 0, 0)).isZero();
        List<Got> got = read(new ByteArrayInputStream(all.toByteArray()));
        assertThat(got).hasSize(50);
        assertThat(new String(got.get(49).content(), StandardCharsets.UTF_8)).isEqualTo("file 49");
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static List<Got> read(InputStream stream) throws IOException {
        List<Got> got = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(stream, "UTF-8")) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                got.add(new Got(e.getName(), e.getSize(), e.getExtraPaxHeaders(), tar.readAllBytes()));
            }
        }
        return got;
    }
}
