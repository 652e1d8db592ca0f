package io.syncvault.sync.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The real storage gateway, started from its packaged jar as a child process on a free port
 * with a local store in a fresh folder, trusting this test run's JWT public key.
 */
public final class GatewayProcess {

    public static final Path JAR = Path.of("..", "storage-gateway", "target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final String url;
    private final Path storeRoot;
    private final Path log;

    private GatewayProcess(Process process, String url, Path storeRoot, Path log) {
        this.process = process;
        this.url = url;
        this.storeRoot = storeRoot;
        this.log = log;
    }

    /**
     * Starts a gateway and waits until it is ready.
     *
     * @param extraEnv more environment, e.g. to turn encryption on for the default store
     */
    public static GatewayProcess start(Path publicKey, String kafka, Path storeRoot, Path log, Map<String, String> extraEnv) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("build storage-gateway first (mvn -pl storage-gateway -am package): "
                    + JAR.toAbsolutePath().normalize() + " is missing");
        }
        try {
            int port = freePort();
            Files.createDirectories(storeRoot);
            Files.createDirectories(log.getParent());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx384m", "-jar", JAR.toAbsolutePath().normalize().toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("SYNCVAULT_HTTP_PORT", Integer.toString(port));
            env.put("SYNCVAULT_JWT_PUBLIC_KEY", publicKey.toAbsolutePath().toString());
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
            env.put("SYNCVAULT_GATEWAY_STORES_DEFAULT_ROOT", storeRoot.toAbsolutePath().toString());
            env.put("SYNCVAULT_DATA_DIR", storeRoot.toAbsolutePath().toString());
            env.putAll(extraEnv);
            Process p = pb.start();
            GatewayProcess g = new GatewayProcess(p, "http://127.0.0.1:" + port, storeRoot, log);
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            g.awaitReady(Duration.ofSeconds(90));
            return g;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the storage gateway", e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest live = HttpRequest.newBuilder(URI.create(url + "/q/health/live")).timeout(Duration.ofSeconds(2))
                .GET().build();
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the storage gateway exited with " + process.exitValue()
                                    + "; see " + log + "\n" + tail());
                        }
                        return http.send(live, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    });
        } catch (ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the storage gateway did not become live within " + timeout + "; see " + log
                    + "\n" + tail());
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    public String url() {
        return url;
    }

    public Path storeRoot() {
        return storeRoot;
    }

    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
