package io.syncvault.backup.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The pipe between the archive writer and the HTTP request body. */
class BoundedPipeTest {

    @Test
    void aReadTakesEveryChunkAlreadyQueuedNotJustOne() throws Exception {
        BoundedPipe pipe = new BoundedPipe(1 << 20);
        byte[] data = random(300_000, 1);
        pipe.write(data, 0, data.length);
        pipe.close();
        InputStream in = pipe.input();
        byte[] buffer = new byte[1 << 20];

        assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(data.length);
        assertThat(Arrays.copyOf(buffer, data.length)).isEqualTo(data);
        assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(-1);
    }

    @Test
    void whatTheWriterWritesIsReadInOrderWhateverTheReadSizes() throws Exception {
        BoundedPipe pipe = new BoundedPipe(256 * 1024);
        byte[] data = random(5_000_000, 2);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                Random sizes = new Random(3);
                for (int off = 0; off < data.length; ) {
                    int n = Math.min(data.length - off, 1 + sizes.nextInt(100_000));
                    pipe.write(data, off, n);
                    off += n;
                }
                pipe.close();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        InputStream in = pipe.input();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Random sizes = new Random(4);
        byte[] buffer = new byte[400_000];
        int n;
        while ((n = in.read(buffer, 0, 1 + sizes.nextInt(buffer.length))) >= 0) {
            got.write(buffer, 0, n);
        }
        writer.get();
        assertThat(got.toByteArray()).isEqualTo(data);
    }

    @Test
    void aFailedWriterFailsTheReaderInsteadOfEndingTheStreamCleanly() throws Exception {
        BoundedPipe pipe = new BoundedPipe(1 << 20);
        byte[] data = random(100_000, 5);
        pipe.write(data, 0, data.length);
        pipe.fail();
        InputStream in = pipe.input();

        assertThatThrownBy(() -> in.read(new byte[1 << 20], 0, 1 << 20)).isInstanceOf(IOException.class)
                .hasMessageContaining("abandoned");
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
