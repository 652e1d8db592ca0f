package io.syncvault.storage.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka broker of a test's own (single-node KRaft, from the jars {@code deploy/local/infra} fetched), on free ports
 * and in a folder of the test: it can be killed and started again, where the broker the whole build shares cannot.
 */
public final class OwnBroker implements AutoCloseable {

    private static final Path LIB = Path.of("..", "deploy", "local", ".cache", "kafka", "lib");
    private static final Path CONFIG = Path.of("..", "deploy", "local", "kafka", "server.properties");

    private final Path dir;
    private final int port;
    private Process process;

    private OwnBroker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Formats a broker's storage in {@code dir}, starts it and makes {@code topics} (3 partitions each). */
    public static OwnBroker start(Path dir, String... topics) throws Exception {
        if (!Files.isDirectory(LIB)) {
            throw new IllegalStateException("the Kafka jars are missing (" + LIB.toAbsolutePath().normalize()
                    + "); run deploy/local/infra start kafka first");
        }
        int port = GatewayJar.freePort();
        int controller = GatewayJar.freePort();
        // the local broker's configuration (deploy/local/kafka), on this broker's ports and folder
        Path conf = dir.resolve("server.properties");
        Files.writeString(conf, Files.readString(CONFIG)
                .replace("127.0.0.1:9092", "127.0.0.1:" + port)
                .replace("127.0.0.1:9093", "127.0.0.1:" + controller)
                .replace("@DATA@", dir.resolve("data").toAbsolutePath().toString()));
        Process format = java(dir.resolve("format.log"), "-Xmx128m", "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", conf.toAbsolutePath().toString());
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed: " + Files.readString(dir.resolve("format.log")));
        }
        OwnBroker broker = new OwnBroker(dir, port);
        broker.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(topics).stream().map(t -> new NewTopic(t, 3, (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
        return broker;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) on its storage and waits until it takes connections and has its topics' leaders. */
    public void start() throws IOException {
        Path log = dir.resolve("broker.log");
        int from = Files.exists(log) ? Files.readString(log).length() : 0;
        process = java(log, "-Xmx256m", "kafka.Kafka", dir.resolve("server.properties").toAbsolutePath().toString());
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker stopped: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return Files.readString(log).substring(from).contains("Kafka Server started");
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** Kills the broker at once (SIGKILL), as a crash or a lost machine would stop it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private static Process java(Path log, String heap, String main, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "-Dlog4j2.level=WARN", "-cp", LIB.toAbsolutePath().normalize() + "/*", main));
        command.addAll(List.of(args));
        // appended to: the log of a restarted broker follows the first one's
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
