package io.syncvault.sync.flow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.syncvault.platform.testing.LocalInfrastructure;
import io.syncvault.platform.testing.Tokens;
import io.syncvault.sync.service.LocalScanner;
import io.syncvault.sync.support.GatewayProcess;
import io.syncvault.sync.support.TestInfrastructure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged sync-service and gateway as real processes: the sync-service is killed with
 * SIGKILL in the middle of a large upload and again in the middle of a large download, started
 * again, and each item converges: the store and the folder hold the same bytes, no temp file is
 * left, no file is half-written, and what made it before the kill is not transferred again.
 */
class KillAndRestartIT {

    static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static GatewayProcess gateway;
    static Process sync;
    static String syncUrl;
    static int syncPort;
    static Map<String, String> env;
    static Path root;

    @BeforeAll
    static void start() throws Exception {
        assertThat(APP).as("the packaged sync-service (mvn -pl sync-service -am package)").exists();
        env = LocalInfrastructure.localEnv();
        String kafka = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        LocalInfrastructure.require("Kafka", kafka, "deploy/local/infra start kafka");
        LocalInfrastructure.require("PostgreSQL", "127.0.0.1:5432", "deploy/local/infra start postgres");
        // the items the tests before this one left enabled would run in the service started here too
        Map<String, String> db = new HashMap<>(env);
        db.put("SYNCVAULT_DB_NAME", "syncvault_sync_test");
        TestInfrastructure.retireEarlierRunsItems(db);
        Map<String, String> keys = LocalInfrastructure.jwtKeys();
        System.setProperty("smallrye.jwt.sign.key", keys.get("smallrye.jwt.sign.key"));
        root = Files.createDirectories(Path.of("target", "it-roots", UUID.randomUUID().toString()).toAbsolutePath());
        gateway = GatewayProcess.start(Path.of("target", "test-jwt", "public.pem"), kafka,
                Path.of("target", "it-gateway", "store-" + System.currentTimeMillis()), Path.of("target", "it-gateway", "gateway.log"),
                Map.of());
        syncPort = GatewayProcess.freePort();
        syncUrl = "http://127.0.0.1:" + syncPort;
        startSync();
    }

    @AfterAll
    static void stop() {
        if (sync != null) {
            sync.destroy();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    static void startSync() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-jar", APP.toAbsolutePath().toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "it-sync.log").toFile()));
        Map<String, String> e = pb.environment();
        e.putAll(env);
        e.put("SYNCVAULT_HTTP_PORT", Integer.toString(syncPort));
        e.put("SYNCVAULT_DB_NAME", "syncvault_sync_test");
        e.put("SYNCVAULT_JWT_PUBLIC_KEY", Path.of("target", "test-jwt", "public.pem").toAbsolutePath().toString());
        e.put("SYNCVAULT_JWT_SIGNING_KEY", Path.of("target", "test-jwt", "private.pem").toAbsolutePath().toString());
        e.put("SYNCVAULT_GATEWAY_URL", gateway.url());
        e.put("SYNCVAULT_SYNC_ROOTS", root.toString());
        e.put("SYNCVAULT_SYNC_NODE", "kill-it");
        sync = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create(syncUrl + "/q/health/live")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200);
    }

    static void killSync() throws Exception {
        sync.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no cleanup
        sync.waitFor();
    }

    @Test
    void killedMidUploadAndMidDownloadItConvergesWithoutHalfWrittenFiles() throws Exception {
        Path source = Files.createDirectories(root.resolve("source"));
        Random rnd = new Random(42);
        int files = 1500;
        for (int i = 0; i < files; i++) {
            byte[] data = new byte[i % 100 == 0 ? 2_000_000 : 20_000 + rnd.nextInt(20_000)];
            rnd.nextBytes(data);
            Path f = source.resolve("d" + (i % 20) + "/f" + i + ".bin");
            Files.createDirectories(f.getParent());
            try (OutputStream out = Files.newOutputStream(f)) {
                out.write(data);
            }
        }
        String prefix = "kill/" + UUID.randomUUID();
        String up = item(source, prefix);

        // 1. upload, killed halfway
        String run1 = startRun(up);
        long doneBeforeKill = awaitProgress(run1, files / 3);
        killSync();
        startSync();
        JsonPath interrupted = run(run1);
        assertThat(interrupted.getString("status")).isEqualTo("FAILED");
        assertThat(interrupted.getString("error")).contains("interrupted");
        JsonPath resumed = awaitRun(startRun(up));
        assertThat(resumed.getString("status")).as(resumed.prettify()).isEqualTo("SUCCEEDED");
        assertThat(resumed.getLong("result.uploaded")).as("what made it before the kill is not sent again")
                .isLessThanOrEqualTo(files - doneBeforeKill);
        Map<String, String> local = hashes(source);
        assertThat(local).hasSize(files);

        // 2. download into an empty folder, killed halfway
        Path target = Files.createDirectories(root.resolve("target"));
        String down = item(target, prefix);
        String run2 = startRun(down);
        awaitProgress(run2, files / 3);
        killSync();
        startSync();
        JsonPath finished = awaitRun(startRun(down));
        assertThat(finished.getString("status")).as(finished.prettify()).isEqualTo("SUCCEEDED");
        assertThat(hashes(target)).isEqualTo(local);
        try (Stream<Path> all = Files.walk(target)) {
            assertThat(all.filter(p -> p.getFileName().toString().startsWith(LocalScanner.TEMP_PREFIX)).toList()).isEmpty();
        }
        // and a further run finds nothing to do on either item
        for (String item : List.of(up, down)) {
            JsonPath idle = awaitRun(startRun(item));
            assertThat(idle.getLong("result.uploaded") + idle.getLong("result.downloaded")).isZero();
        }
    }

    static String item(Path dir, String prefix) {
        Map<String, Object> spec = new HashMap<>();
        spec.put("name", "kill " + dir.getFileName());
        spec.put("localPath", dir.toString());
        spec.put("remotePrefix", prefix);
        spec.put("enabled", false);
        return given().baseUri(syncUrl).auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(spec)
                .when().post("/v1/sync/items").then().statusCode(201).extract().path("id");
    }

    static String startRun(String item) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            var r = given().baseUri(syncUrl).auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/" + item + "/run");
            return r.statusCode() == 202 ? r.jsonPath().getString("runId") : null;
        }, id -> id != null);
    }

    static JsonPath run(String runId) {
        return given().baseUri(syncUrl).auth().oauth2(Tokens.reader()).when().get("/v1/sync/runs/" + runId).then()
                .statusCode(200).extract().jsonPath();
    }

    static long awaitProgress(String runId, long files) {
        return await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(50))
                .until(() -> run(runId).getLong("filesDone"), n -> n >= files);
    }

    static JsonPath awaitRun(String runId) {
        return await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
                .until(() -> run(runId), r -> !"RUNNING".equals(r.getString("status")));
    }

    static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), LocalScanner.sha256(p));
            }
        }
        return m;
    }
}
