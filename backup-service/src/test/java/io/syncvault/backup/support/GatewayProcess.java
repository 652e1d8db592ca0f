package io.syncvault.backup.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real storage gateway, started from its packaged jar as a child process on a free port
 * with two local stores in a fresh folder: {@code default} (no encryption) and {@code secure}
 * (encrypted). It verifies tokens with this test run's public key, so the service's own
 * tokens and the tests' tokens are accepted.
 */
public final class GatewayProcess {

    /** The packaged gateway; {@code -Dsyncvault.test.gateway.jar=...} points elsewhere. */
    public static final Path JAR = Path.of(System.getProperty("syncvault.test.gateway.jar",
            "../storage-gateway/target/quarkus-app/quarkus-run.jar"));
    public static final String SECURE_PASSPHRASE = "backup-service test passphrase";

    private final Process process;
    private final int port;
    private final Path data;

    private GatewayProcess(Process process, int port, Path data) {
        this.process = process;
        this.port = port;
        this.data = data;
    }

    /** Starts the gateway; fails with the build command when its jar is missing. */
    public static GatewayProcess start(Path publicKey, String kafka) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException("the storage gateway is not built: " + JAR.toAbsolutePath()
                    + " is missing; build it with `flock /tmp/syncvault-mvn.lock mvn -B -q -o -pl storage-gateway -am package -DskipTests`");
        }
        try {
            Path data = Files.createDirectories(Path.of("target", "gateway", UUID.randomUUID().toString()))
                    .toAbsolutePath();
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx256m",
                    "-Dsyncvault.gateway.stores.default.provider=local",
                    "-Dsyncvault.gateway.stores.default.root=" + data.resolve("default"),
                    "-Dsyncvault.gateway.stores.default.encryption=false",
                    "-Dsyncvault.gateway.stores.secure.provider=local",
                    "-Dsyncvault.gateway.stores.secure.root=" + data.resolve("secure"),
                    "-Dsyncvault.gateway.stores.secure.encryption=true",
                    "-Dsyncvault.gateway.stores.secure.passphrase=" + SECURE_PASSPHRASE,
                    "-jar", JAR.toAbsolutePath().toString()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(data.resolve("gateway.log").toFile());
            pb.environment().put("SYNCVAULT_HTTP_PORT", String.valueOf(port));
            pb.environment().put("SYNCVAULT_JWT_PUBLIC_KEY", publicKey.toAbsolutePath().toString());
            pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", kafka);
            pb.environment().put("SYNCVAULT_GATEWAY_STORES_DEFAULT_ROOT", data.resolve("default").toString());
            pb.environment().put("SYNCVAULT_DATA_DIR", data.toString());
            GatewayProcess gateway = new GatewayProcess(pb.start(), port, data);
            gateway.awaitReady();
            return gateway;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the storage gateway: " + e.getMessage(), e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Where the gateway keeps a local store's objects ({@code <root>/<key>}). */
    public Path storeRoot(String store) {
        return data.resolve(store);
    }

    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("syncvault.gateway.url", url());
        config.put("syncvault.test.gateway.url", url());
        config.put("syncvault.test.gateway.default-root", storeRoot("default").toString());
        config.put("syncvault.test.gateway.secure-root", storeRoot("secure").toString());
        return config;
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the storage gateway exited with " + process.exitValue() + "; see "
                        + data.resolve("gateway.log"));
            }
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the gateway", e);
            }
            try {
                process.waitFor(300, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the gateway", e);
            }
        }
        stop();
        throw new IllegalStateException("the storage gateway did not become ready in 90 s; see " + data.resolve("gateway.log"));
    }

    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
