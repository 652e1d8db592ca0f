package io.syncvault.state;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import io.syncvault.platform.Roles;
import io.syncvault.platform.testing.LocalInfrastructure;
import io.syncvault.state.support.ServiceProcess;
import io.syncvault.state.support.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two packaged state-service processes with different node ids and databases, replicating over
 * the real Kafka broker: concurrent edits converge under every strategy, MANUAL leaves the same
 * conflict on both, deletes stay deleted, a restarted node catches up, and random concurrent
 * traffic ends with both nodes equal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicationIT {

    static final Duration SETTLE = Duration.ofSeconds(60);

    ServiceProcess a;
    ServiceProcess b;
    String token;
    String bootstrap;
    List<String> topics = new ArrayList<>();

    @BeforeAll
    void startTwoNodes() throws Exception {
        Map<String, String> env = LocalInfrastructure.localEnv();
        String kafka = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        String dbHost = env.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1");
        LocalInfrastructure.require("Kafka", kafka, "deploy/local/infra start kafka");
        LocalInfrastructure.require("PostgreSQL", dbHost + ":5432", "deploy/local/infra start postgres");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "state.changes.it-" + run;
        TestInfrastructure.createCompactedTopic(kafka, topic);
        String events = "state.events.it-" + run;
        TestInfrastructure.createTopic(kafka, events, false);
        bootstrap = kafka;
        topics.addAll(List.of(topic, events));

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Path publicKey = Files.createDirectories(Path.of("target", "it-jwt")).resolve("public.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        token = Jwt.issuer("syncvault").upn("replication-it").groups(Set.of(Roles.READ, Roles.WRITE))
                .expiresIn(3600).sign(keys.getPrivate());

        Map<String, String> common = new HashMap<>(env);
        common.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        common.put("SYNCVAULT_JWT_PUBLIC_KEY", publicKey.toAbsolutePath().toString());
        common.put("SYNCVAULT_STATE_CHANGES_TOPIC", topic);
        common.put("SYNCVAULT_STATE_EVENTS_TOPIC", events);
        common.put("SYNCVAULT_EVENTS_RELAY_INTERVAL", "1s");
        for (String db : List.of("syncvault_state_test_b", "syncvault_state_test_c")) {
            clean(dbHost, db, env.getOrDefault("SYNCVAULT_DB_USER", "syncvault"),
                    env.getOrDefault("SYNCVAULT_DB_PASSWORD", ""));
        }
        a = new ServiceProcess("it-a-" + run, "syncvault_state_test_b", common).start();
        b = new ServiceProcess("it-b-" + run, "syncvault_state_test_c", common).start();
    }

    @AfterAll
    void stopNodes() {
        if (a != null) {
            a.stop();
        }
        if (b != null) {
            b.stop();
        }
        if (bootstrap != null) {
            TestInfrastructure.deleteTopics(bootstrap, topics);
        }
    }

    /** Flyway clean is off in the service: the test empties its databases itself. */
    static void clean(String host, String db, String user, String password) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":5432/" + db, user, password);
                Statement s = c.createStatement()) {
            // every table, view and function of this test database's schema, whatever migration it was left at
            s.execute("do $$ declare r record; begin for r in select c.relname, c.relkind from pg_class c"
                    + " join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema()"
                    + " and c.relkind in ('r', 'v') loop execute format('drop %s if exists %I cascade',"
                    + " case r.relkind when 'v' then 'view' else 'table' end, r.relname); end loop;"
                    + " for r in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n"
                    + " on n.oid = p.pronamespace where n.nspname = current_schema() loop"
                    + " execute format('drop function if exists %s cascade', r.sig); end loop; end $$");
        }
    }

    RequestSpecification on(ServiceProcess node) {
        return given().baseUri("http://127.0.0.1").port(node.port).auth().oauth2(token).contentType(ContentType.JSON);
    }

    /** A namespace set on one node; the other takes its settings from state.changes. */
    String namespaceOnBoth(String strategy) {
        String ns = "it-" + strategy.toLowerCase().replace('_', '-') + "-" + UUID.randomUUID().toString().substring(0, 6);
        on(a).body(Map.of("conflictStrategy", strategy)).when().put("/v1/namespaces/" + ns).then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> on(b).when().get("/v1/namespaces/" + ns).then()
                .statusCode(200).body("conflictStrategy", equalTo(strategy)));
        return ns;
    }

    JsonPath state(ServiceProcess node, String ns, String id) {
        Response r = on(node).when().get("/v1/namespaces/" + ns + "/states/" + id);
        return r.statusCode() == 200 || r.statusCode() == 404 ? r.jsonPath() : null;
    }

    void awaitPresent(ServiceProcess node, String ns, String id) {
        await().atMost(SETTLE).untilAsserted(() -> on(node).when().get("/v1/namespaces/" + ns + "/states/" + id)
                .then().statusCode(200));
    }

    /** The node's whole namespace as comparable lines: id, content checksum, tombstone, clock counters. */
    List<String> snapshot(ServiceProcess node, String ns) {
        String ndjson = on(node).when().get("/v1/namespaces/" + ns + "/export").then().statusCode(200).extract().asString();
        List<String> lines = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                JsonPath j = new JsonPath(line);
                Map<String, Map<String, Object>> clock = j.getMap("clock");
                Map<String, Object> counters = new java.util.TreeMap<>();
                clock.forEach((k, v) -> counters.put(k, v.get("counter")));
                lines.add(j.getString("id") + " " + j.getString("checksum") + " " + j.getBoolean("deleted") + " "
                        + counters);
            }
        }
        return lines;
    }

    void awaitEqual(String ns) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(snapshot(b, ns)).isEqualTo(snapshot(a, ns)).isNotEmpty());
    }

    /**
     * Updates the same state on both nodes at the same moment, each from the version it has.
     * Retries with a new state when one node had already received the other's change (409):
     * those edits were not concurrent.
     */
    String concurrentEdits(String ns, Map<String, Object> onA, Map<String, Object> onB) {
        for (int attempt = 0; attempt < 8; attempt++) {
            String id = "c-" + attempt + "-" + UUID.randomUUID().toString().substring(0, 6);
            on(a).body(Map.of("id", id, "data", Map.of("a", 0, "b", 0))).when().post("/v1/namespaces/" + ns + "/states")
                    .then().statusCode(201);
            awaitPresent(b, ns, id);
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> on(a).header("If-Match", "1")
                    .body(Map.of("data", onA)).when().put("/v1/namespaces/" + ns + "/states/" + id).statusCode());
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> on(b).header("If-Match", "1")
                    .body(Map.of("data", onB)).when().put("/v1/namespaces/" + ns + "/states/" + id).statusCode());
            if (first.join() == 200 && second.join() == 200) {
                return id;
            }
        }
        throw new AssertionError("could not make two concurrent edits in 8 attempts");
    }

    @Test
    void concurrentEditsConvergeUnderEveryAutomaticStrategy() {
        for (String strategy : List.of("LAST_WRITE_WINS", "LOCAL_WINS", "REMOTE_WINS", "MERGE")) {
            String ns = namespaceOnBoth(strategy);
            String id = concurrentEdits(ns, Map.of("a", 1, "b", 0), Map.of("a", 0, "b", 2));
            awaitEqual(ns);
            JsonPath onA = state(a, ns, id);
            assertThat(onA.getMap("data")).as(strategy).isEqualTo(state(b, ns, id).getMap("data"));
            if (strategy.equals("MERGE")) {
                assertThat(onA.getMap("data")).isEqualTo(Map.of("a", 1, "b", 2));
            }
            // the losing write is on record on both nodes
            for (ServiceProcess n : List.of(a, b)) {
                on(n).queryParam("status", "all").when().get("/v1/namespaces/" + ns + "/conflicts").then()
                        .statusCode(200).body("items.findAll { it.stateId == '" + id + "' }.size()", equalTo(1));
            }
        }
    }

    @Test
    void manualLeavesTheSameConflictOnBothUntilResolved() {
        String ns = namespaceOnBoth("MANUAL");
        String id = concurrentEdits(ns, Map.of("a", 1, "b", 0), Map.of("a", 2, "b", 0));
        await().atMost(SETTLE).untilAsserted(() -> {
            List<String> onA = on(a).when().get("/v1/namespaces/" + ns + "/conflicts").jsonPath().getList("items.id");
            List<String> onB = on(b).when().get("/v1/namespaces/" + ns + "/conflicts").jsonPath().getList("items.id");
            assertThat(onA).hasSize(1).isEqualTo(onB);
        });
        // each node keeps its own version meanwhile
        assertThat(state(a, ns, id).getInt("data.a")).isEqualTo(1);
        assertThat(state(b, ns, id).getInt("data.a")).isEqualTo(2);
        String conflict = on(a).when().get("/v1/namespaces/" + ns + "/conflicts").jsonPath().getString("items[0].id");
        on(a).body(Map.of("resolution", "REMOTE")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflict + "/resolve").then().statusCode(200)
                .body("data.a", equalTo(2));
        awaitEqual(ns);
        await().atMost(SETTLE).untilAsserted(() -> on(b).when().get("/v1/namespaces/" + ns + "/conflicts").then()
                .body("items.size()", equalTo(0)));
        assertThat(state(b, ns, id).getInt("data.a")).isEqualTo(2);
    }

    @Test
    void deletesStayDeleted() {
        String ns = namespaceOnBoth("REMOTE_WINS");
        on(a).body(Map.of("id", "d1", "data", Map.of("v", 1))).when().post("/v1/namespaces/" + ns + "/states")
                .then().statusCode(201);
        awaitPresent(b, ns, "d1");
        String old = on(b).when().get("/v1/namespaces/" + ns + "/export").then().extract().asString();
        on(b).header("If-Match", "1").when().delete("/v1/namespaces/" + ns + "/states/d1").then().statusCode(200);
        await().atMost(SETTLE).untilAsserted(() -> on(a).when().get("/v1/namespaces/" + ns + "/states/d1").then()
                .statusCode(404));
        // the old version, imported again on either node, does not bring it back
        for (ServiceProcess n : List.of(a, b)) {
            given().baseUri("http://127.0.0.1").port(n.port).auth().oauth2(token).contentType("application/x-ndjson")
                    .body(old.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .when().post("/v1/namespaces/" + ns + "/import").then().statusCode(200)
                    .body("unchangedCount", equalTo(1));
        }
        awaitEqual(ns);
        on(a).when().get("/v1/namespaces/" + ns + "/states/d1").then().statusCode(404);
        on(b).when().get("/v1/namespaces/" + ns + "/states/d1").then().statusCode(404);
    }

    @Test
    void aRestartedNodeCatchesUp() {
        String ns = namespaceOnBoth("LAST_WRITE_WINS");
        on(a).body(Map.of("id", "before", "data", Map.of("v", 1))).when().post("/v1/namespaces/" + ns + "/states")
                .then().statusCode(201);
        awaitPresent(b, ns, "before");
        b.stop();
        for (int i = 0; i < 5; i++) {
            on(a).body(Map.of("id", "while-down-" + i, "data", Map.of("v", i))).when()
                    .post("/v1/namespaces/" + ns + "/states").then().statusCode(201);
        }
        on(a).header("If-Match", "1").body(Map.of("data", Map.of("v", 2))).when()
                .put("/v1/namespaces/" + ns + "/states/before").then().statusCode(200);
        b.start();
        awaitEqual(ns);
        assertThat(snapshot(b, ns)).hasSize(6);
        assertThat(state(b, ns, "before").getInt("data.v")).isEqualTo(2);
    }

    @Test
    void randomConcurrentTrafficEndsWithBothNodesEqual() {
        String ns = namespaceOnBoth("LAST_WRITE_WINS");
        Random random = new Random(42);
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ServiceProcess node = random.nextBoolean() ? a : b;
            String id = "r" + random.nextInt(6);
            int value = i;
            int kind = random.nextInt(5);
            calls.add(CompletableFuture.supplyAsync(() -> {
                JsonPath current = state(node, ns, id);
                boolean live = current != null && current.get("id") != null && !current.getBoolean("deleted");
                if (!live) {
                    return on(node).body(Map.of("id", id, "data", Map.of("v", value))).when()
                            .post("/v1/namespaces/" + ns + "/states").statusCode();
                }
                String version = Long.toString(current.getLong("version"));
                if (kind == 0) {
                    return on(node).header("If-Match", version).when().delete("/v1/namespaces/" + ns + "/states/" + id)
                            .statusCode();
                }
                return on(node).header("If-Match", version).body(Map.of("data", Map.of("v", value, "n", node.nodeId)))
                        .when().put("/v1/namespaces/" + ns + "/states/" + id).statusCode();
            }));
        }
        List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
        // every call either succeeded or lost a race it was told about (409, or 404 for a state deleted meanwhile)
        assertThat(statuses).allMatch(s -> s == 200 || s == 201 || s == 409 || s == 404);
        assertThat(statuses).filteredOn(s -> s == 200 || s == 201).isNotEmpty();
        awaitEqual(ns);
    }
}
