package io.syncvault.state.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The packaged state-service (target/quarkus-app/quarkus-run.jar) running as a child process
 * with its own node id, database and HTTP port, for tests of several nodes.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    public final String nodeId;
    public final String database;
    public final int port;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    public ServiceProcess(String nodeId, String database, Map<String, String> env) {
        this.nodeId = nodeId;
        this.database = database;
        this.port = freePort();
        this.env = new HashMap<>(env);
        this.env.put("SYNCVAULT_HTTP_PORT", Integer.toString(port));
        this.env.put("SYNCVAULT_NODE_ID", nodeId);
        this.env.put("SYNCVAULT_DB_NAME", database);
        this.log = Path.of("target", "it-logs", nodeId + ".log");
    }

    public ServiceProcess start() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: *IT tests run after `mvn package` (failsafe)");
        }
        try {
            Files.createDirectories(log.getParent());
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString());
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + nodeId, e);
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(nodeId + " exited with " + process.exitValue() + "; see " + log);
            }
            return ready();
        });
        return this;
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready")
                    .toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
