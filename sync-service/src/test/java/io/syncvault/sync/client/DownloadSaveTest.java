package io.syncvault.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A download's bytes reach the file whole and hashed, whatever pieces the response hands over and whatever size it announced. */
class DownloadSaveTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes announced as {1}, handed over {2} at a time")
    @CsvSource({
            "0, 0, 100",
            "1, 1, 1",
            "1000, 1000, 7",
            "40000, 40000, 16384",
            "300000, 300000, 65536",
            "600000, -1, 262144",
            "70000, 10, 999",
            "10, 70000, 3",
    })
    void savesEveryByteAndItsSha256(int size, long announced, int piece) throws Exception {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        InputStream response = new ByteArrayInputStream(content) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, piece));
            }
        };
        Path target = dir.resolve("f" + size + "-" + announced);

        StorageGatewayClient.Received got = StorageGatewayClient.save(
                new RemoteObject("k", announced, null, "v1", 0), response, target);

        assertThat(Files.readAllBytes(target)).isEqualTo(content);
        assertThat(got.bytes()).isEqualTo(size);
        assertThat(got.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        assertThat(got.object().versionTag()).isEqualTo("v1");
    }
}
