package io.syncvault.backup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.syncvault.backup.support.GatewayProcess;
import io.syncvault.backup.support.Trees;
import io.syncvault.platform.testing.LocalInfrastructure;
import io.syncvault.platform.testing.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged service killed (SIGKILL) in the middle of a backup: no backup is listed, the
 * next backup succeeds, and the dead run's parts are removed as orphans. Runs against the real
 * gateway process, PostgreSQL and Kafka.
 */
class BackupKillIT {

    private static final Path SERVICE_JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private GatewayProcess gateway;
    private Process service;
    private int port;
    private Path root;
    private Path logs;
    private Map<String, String> env;

    @BeforeEach
    void start() throws IOException {
        env = LocalInfrastructure.localEnv();
        String kafka = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        LocalInfrastructure.require("Kafka", kafka, "deploy/local/infra start kafka");
        LocalInfrastructure.require("PostgreSQL", env.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":5432",
                "deploy/local/infra start postgres");
        Map<String, String> keys = LocalInfrastructure.jwtKeys();
        System.setProperty("smallrye.jwt.sign.key.location", keys.get("smallrye.jwt.sign.key.location"));
        gateway = GatewayProcess.start(Path.of("target", "test-jwt", "public.pem"), kafka);
        root = Files.createDirectories(Path.of("target", "kill-it", UUID.randomUUID().toString())).toAbsolutePath();
        logs = root.resolveSibling(root.getFileName() + "-service.log");
        port = GatewayProcess.freePort();
        startService();
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.destroy();
        }
        if (gateway != null) {
            gateway.stop();
        }
        if (root != null) {
            // the generated tree is large: do not keep it in target/
            try (java.util.stream.Stream<Path> all = Files.walk(root)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        }
    }

    @Test
    void aKilledBackupLeavesNoBackupAndItsPartsAreCleanedByTheNextRun() throws Exception {
        Path tree = Files.createDirectories(root.resolve("big"));
        Random random = new Random(99);
        for (int i = 0; i < 6; i++) {
            Trees.write(tree.resolve("file-" + i + ".bin"), random, 40L * 1024 * 1024);
        }
        String definitionId = given().baseUri(url()).auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "kill-" + UUID.randomUUID(), "items", List.of("big"), "partSize", 1024 * 1024))
                .when().post("/v1/backup/definitions").then().statusCode(201).extract().path("id");
        String killed = startBackup(definitionId);
        await().atMost(Duration.ofMinutes(2)).until(() -> progress(killed) >= 3);

        service.destroyForcibly().waitFor();

        List<String> left = keys("backups/" + killed + "/");
        assertThat(left).isNotEmpty().noneMatch(k -> k.endsWith("manifest.json"));

        startService();
        given().baseUri(url()).auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId)
                .when().get("/v1/backups").then().statusCode(200).body("items.size()", org.hamcrest.Matchers.equalTo(0));

        // a dead run's heartbeat ages past the (test) grace; then the next backup may start
        String next = await().atMost(Duration.ofSeconds(30)).until(() -> tryStart(definitionId), id -> id != null);
        await().atMost(Duration.ofMinutes(3)).until(() -> "COMPLETED".equals(status(next)));

        given().baseUri(url()).auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId)
                .when().get("/v1/backups").then().statusCode(200).body("items.id", org.hamcrest.Matchers.equalTo(List.of(next)));
        await().atMost(Duration.ofSeconds(30)).until(() -> keys("backups/" + killed + "/").isEmpty());
        assertThat(status(killed)).isEqualTo("FAILED");
    }

    private void startService() throws IOException {
        if (!Files.isRegularFile(SERVICE_JAR)) {
            throw new IllegalStateException(SERVICE_JAR + " is missing: this test runs after `mvn -pl backup-service -am package`");
        }
        ProcessBuilder pb = new ProcessBuilder(GatewayProcess.javaBin(), "-Xmx256m",
                "-Dsyncvault.backup.orphan-grace=3s", "-Dsyncvault.backup.min-part-size=4K",
                "-Dsyncvault.backup.progress-interval=200ms",
                "-jar", SERVICE_JAR.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("SYNCVAULT_HTTP_PORT", String.valueOf(port));
        pb.environment().put("SYNCVAULT_DB_NAME", "syncvault_backup_test");
        pb.environment().put("SYNCVAULT_JWT_PUBLIC_KEY", Path.of("target", "test-jwt", "public.pem").toAbsolutePath().toString());
        pb.environment().put("SYNCVAULT_JWT_SIGNING_KEY", Path.of("target", "test-jwt", "private.pem").toAbsolutePath().toString());
        pb.environment().put("SYNCVAULT_GATEWAY_URL", gateway.url());
        pb.environment().put("SYNCVAULT_BACKUP_ROOTS", root.toString());
        service = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            if (!service.isAlive()) {
                throw new AssertionError("the service exited; see " + logs);
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private String url() {
        return "http://127.0.0.1:" + port;
    }

    private String startBackup(String definitionId) {
        return given().baseUri(url()).auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("definitionId", definitionId)).when().post("/v1/backups")
                .then().statusCode(202).extract().path("id");
    }

    private String tryStart(String definitionId) {
        var r = given().baseUri(url()).auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("definitionId", definitionId)).when().post("/v1/backups");
        return r.statusCode() == 202 ? r.path("id") : null;
    }

    private int progress(String id) {
        return given().baseUri(url()).auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + id)
                .then().statusCode(200).extract().path("progress.partsDone");
    }

    private String status(String id) {
        return given().baseUri(url()).auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + id)
                .then().statusCode(200).extract().path("status");
    }

    private List<String> keys(String prefix) {
        return given().baseUri(gateway.url()).auth().oauth2(Tokens.reader()).queryParam("prefix", prefix)
                .when().get("/v1/stores/default/objects").then().statusCode(200).extract().path("items.key");
    }
}
