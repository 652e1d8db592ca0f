package io.syncvault.gatewayhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Response bodies read through {@link GatewayHttp#bodies}, from a real HTTP exchange with a server that
 * answers as each test scripts it: whole, slowly, or with headers and then silence on an open connection.
 */
@Timeout(60)
class GatewayHttpTest {

    private static final Duration IDLE = Duration.ofMillis(1000);

    private final HttpClient client = GatewayHttp.builder().build();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        pace.shutdownNow();
        release.countDown();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBodyThatStopsArrivingOnAnOpenConnectionFailsOnceARead() throws Exception {
        serve(out -> {
            out.write(head(100_000));
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            release.await(); // the connection stays open, and silent
        });
        try (InputStream body = get()) {
            byte[] first = body.readNBytes(5);
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("hello");
            long start = System.nanoTime();
            assertThatThrownBy(body::read).isInstanceOf(StalledBodyException.class)
                    .hasMessageContaining("no byte of the answer arrived for 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(IDLE);
            // and it stays failed: nothing more is read from a connection that was given up
            assertThatThrownBy(() -> body.read(new byte[10])).isInstanceOf(StalledBodyException.class);
        }
    }

    @Test
    void aBodyThatKeepsComingSlowerThanTheLimitAllTogetherIsReadWhole() throws Exception {
        byte[] expected = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        serve(out -> {
            out.write(head(expected.length));
            out.flush();
            // a byte every 150 ms: 16 bytes over 2.4 s, longer than the limit, with no gap near it
            CountDownLatch sent = new CountDownLatch(expected.length);
            AtomicInteger next = new AtomicInteger();
            pace.scheduleAtFixedRate(() -> {
                int i = next.getAndIncrement();
                if (i < expected.length) {
                    try {
                        out.write(expected[i]);
                        out.flush();
                    } catch (IOException e) {
                        return;
                    }
                    sent.countDown();
                }
            }, 150, 150, TimeUnit.MILLISECONDS);
            sent.await(30, TimeUnit.SECONDS);
        });
        try (InputStream body = get()) {
            assertThat(body.readAllBytes()).isEqualTo(expected);
        }
    }

    @Test
    void theTimeTheReaderTakesBetweenReadsDoesNotCount() throws Exception {
        byte[] expected = new byte[3 * 1024];
        java.util.Arrays.fill(expected, (byte) 'x');
        serve(out -> {
            out.write(head(expected.length));
            out.write(expected);
            out.flush();
            release.await();
        });
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        // a slow disk on the reader's side: each piece is written once the disk takes it, every 1.5 limits
        Semaphore disk = new Semaphore(0);
        long every = IDLE.toMillis() * 3 / 2;
        pace.scheduleAtFixedRate(disk::release, every, every, TimeUnit.MILLISECONDS);
        try (InputStream body = get()) {
            byte[] piece = new byte[1024];
            for (int n; (n = body.read(piece)) > 0;) {
                disk.acquire();
                got.write(piece, 0, n);
            }
        }
        assertThat(got.toByteArray()).isEqualTo(expected);
    }

    private InputStream get() throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getLocalPort() + "/o")).timeout(Duration.ofSeconds(10)).build(),
                GatewayHttp.bodies(IDLE));
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static byte[] head(long length) {
        return ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private interface Script {
        void answer(OutputStream out) throws Exception;
    }

    /** Answers the first request on a new local port as {@code script} writes. */
    private void serve(Script script) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                // the request: up to its blank line (it has no body)
                for (int matched = 0; matched < 4;) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
                }
                script.answer(s.getOutputStream());
                release.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the test ended
            }
        }, "scripted-server");
        t.setDaemon(true);
        t.start();
    }
}
