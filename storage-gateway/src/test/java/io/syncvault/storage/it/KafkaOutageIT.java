package io.syncvault.storage.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.platform.Roles;
import io.syncvault.platform.testing.LocalInfrastructure;
import io.syncvault.storage.support.EventTail;
import io.syncvault.storage.support.GatewayJar;
import io.syncvault.storage.support.OwnBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real outage of Kafka under the packaged gateway, on a broker of the test's own that is killed and started again:
 * writes made meanwhile stand, their events are kept in the event spool and reach the broker once it is back, and
 * events flow as before afterwards.
 */
class KafkaOutageIT {

    @TempDir
    Path dir;
    Process gateway;
    OwnBroker broker;

    @AfterEach
    void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroy();
            gateway.waitFor();
        }
        if (broker != null) {
            broker.close();
        }
        // the processes' logs outlive the test's folder, to read after a failure
        Path logs = Files.createDirectories(Path.of("target", "kafka-outage-it", test.getTestMethod().orElseThrow().getName()));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, logs.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** No call to the gateway waits longer: a hang shows as a failure of its own. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    final HttpClient http = HttpClient.newHttpClient();
    URI base;
    String token;

    /**
     * Starts the packaged gateway on the test's broker, its data (and event spool) in the test's folder; the producer
     * gives an event up after {@code deliveryTimeoutMs} (also when it waits for the topic's metadata, which a send
     * does for up to a minute by default once the broker is gone), and kept events are sent again every second.
     */
    private void startGateway(long deliveryTimeoutMs, String log) throws Exception {
        Map<String, String> jwt = LocalInfrastructure.jwtKeys();
        System.setProperty("smallrye.jwt.sign.key.location", jwt.get("smallrye.jwt.sign.key.location"));
        int port = GatewayJar.freePort();
        ProcessBuilder pb = GatewayJar.builder(port, jwt.get("mp.jwt.verify.publickey.location"), broker.bootstrap(),
                dir.resolve("store"), "-Dmp.messaging.outgoing.events.delivery.timeout.ms=" + deliveryTimeoutMs,
                "-Dmp.messaging.outgoing.events.max.block.ms=" + Math.min(deliveryTimeoutMs, 60_000),
                "-Dmp.messaging.outgoing.events.request.timeout.ms=1000", "-Dsyncvault.events.spool-retry=1s");
        pb.environment().put("SYNCVAULT_DATA_DIR", dir.resolve("data").toString());
        gateway = pb.redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
        base = URI.create("http://127.0.0.1:" + port);
        GatewayJar.awaitLive(http, base);
        token = Jwt.issuer("syncvault").upn("outage-it").groups(Set.of(Roles.READ, Roles.WRITE)).expiresIn(600).sign();
    }

    @Test
    void writesDuringAnOutageStandAndTheirEventsArriveOnceTheBrokerIsBack() throws Exception {
        broker = OwnBroker.start(Files.createDirectories(dir.resolve("kafka")), "storage.events");
        // the producer gives an event up after 3 s instead of 2 min
        startGateway(3000, "gateway.log");
        Path spool = dir.resolve("data/gateway-events");

        try (KafkaCompanion kafka = new KafkaCompanion(broker.bootstrap())) {
            ConsumerTask<String, String> before = EventTail.follow(kafka, "storage.events");
            assertThat(put(http, base, token, "before.txt")).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> subjects(before.getRecords()).contains("default/before.txt"));
            before.stop();
        }

        broker.kill();
        // the write stands: stored and answered, its event kept once the producer gives it up
        assertThat(put(http, base, token, "during.txt")).isEqualTo(201);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(base.resolve("/v1/stores/default/objects/during.txt"))
                .timeout(TIMEOUT).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.body()).isEqualTo("written to during.txt");
        // kept once the producer gives it up (3 s), and no note of it on its way any more
        await().atMost(Duration.ofSeconds(30)).until(() -> spoolFiles(spool).size() == 1
                && spoolFiles(spool).get(0).getFileName().toString().matches("[0-9].*"));
        // and still kept, not dropped, by the rounds that try to send it again while the broker is away
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> kept(http, base) == 1.0);

        broker.start();
        try (KafkaCompanion kafka = new KafkaCompanion(broker.bootstrap())) {
            ConsumerTask<String, String> all = kafka.consumeStrings().fromTopics("storage.events");
            await().atMost(Duration.ofSeconds(60)).until(() -> subjects(all.getRecords()).contains("default/during.txt"));
            await().atMost(Duration.ofSeconds(30)).until(() -> kept(http, base) == 0.0);
            assertThat(spoolFiles(spool)).isEmpty();
            // and new writes' events flow as before
            assertThat(put(http, base, token, "after.txt")).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> subjects(all.getRecords()).contains("default/after.txt"));
            all.stop();
            ConsumerRecord<String, String> during = all.getRecords().stream()
                    .filter(r -> "default/during.txt".equals(header(r, "ce_subject"))).findFirst().orElseThrow();
            assertThat(header(during, "ce_type")).isEqualTo("io.syncvault.storage.object_stored");
            assertThat(during.value()).contains("\"key\":\"during.txt\"", "\"actor\":\"outage-it\"");
            assertThat(subjects(all.getRecords())).contains("default/before.txt");
        }
    }

    @Test
    void eventsOnTheirWayWhenTheGatewayIsKilledArriveAfterItsRestart() throws Exception {
        broker = OwnBroker.start(Files.createDirectories(dir.resolve("kafka")), "storage.events");
        // the producer would hold the event for two minutes while the broker is away
        startGateway(120_000, "gateway.log");
        Path spool = dir.resolve("data/gateway-events");
        broker.kill();
        // answered once its wait for the acknowledgement ends; the event is still with the producer
        assertThat(put(http, base, token, "in-flight.txt")).isEqualTo(201);
        assertThat(kept(http, base)).as("not refused yet, so not kept").isEqualTo(0.0);
        gateway.destroyForcibly(); // SIGKILL: the producer's buffer goes with the process
        gateway.waitFor();

        broker.start();
        startGateway(120_000, "gateway-restarted.log");
        try (KafkaCompanion kafka = new KafkaCompanion(broker.bootstrap())) {
            ConsumerTask<String, String> all = kafka.consumeStrings().fromTopics("storage.events");
            await().atMost(Duration.ofSeconds(60)).until(() -> subjects(all.getRecords()).contains("default/in-flight.txt"));
            all.stop();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> kept(http, base) == 0.0);
        assertThat(spoolFiles(spool)).isEmpty();
    }

    private static int put(HttpClient http, URI base, String token, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/v1/stores/default/objects/" + key)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .PUT(HttpRequest.BodyPublishers.ofString("written to " + key)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The gauge {@code syncvault_events_kept}, as the metrics endpoint reports it. */
    private static double kept(HttpClient http, URI base) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(base.resolve("/q/metrics")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^syncvault_events_kept(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static List<Path> spoolFiles(Path spool) throws Exception {
        if (!Files.isDirectory(spool)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).toList();
        }
    }

    private static List<String> subjects(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> header(r, "ce_subject")).toList();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
