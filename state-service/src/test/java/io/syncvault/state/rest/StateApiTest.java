package io.syncvault.state.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.platform.testing.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every endpoint and error status of the state API against the real PostgreSQL and Kafka. */
@QuarkusTest
class StateApiTest {

    @ConfigProperty(name = "syncvault.state.node-id")
    String node;

    @ConfigProperty(name = "syncvault.state.changes-topic")
    String changesTopic;

    @ConfigProperty(name = "syncvault.state.events-topic")
    String eventsTopic;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    EntityManager em;

    KafkaCompanion kafka;

    @BeforeEach
    void connect() {
        kafka = new KafkaCompanion(bootstrap);
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    static RequestSpecification writer() {
        return given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON);
    }

    static RequestSpecification reader() {
        return given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON);
    }

    static String namespace(String strategy) {
        String ns = "ns-" + UUID.randomUUID().toString().substring(0, 12);
        writer().body(Map.of("conflictStrategy", strategy)).when().put("/v1/namespaces/" + ns).then().statusCode(201);
        return ns;
    }

    static Response create(String ns, String id, Object data) {
        return writer().body(id == null ? Map.of("data", data) : Map.of("id", id, "data", data))
                .when().post("/v1/namespaces/" + ns + "/states");
    }

    static Map<String, Object> remote(String id, Object data, Map<String, Long> clock, String writer, Instant at) {
        return remote(id, data, clock, writer, at, false);
    }

    static Map<String, Object> remote(String id, Object data, Map<String, Long> clock, String writer, Instant at,
            boolean deleted) {
        java.util.HashMap<String, Object> m = new java.util.HashMap<>();
        m.put("id", id);
        m.put("data", data);
        m.put("clock", clock);
        m.put("lastWriter", writer);
        m.put("updatedAt", at.toString());
        m.put("deleted", deleted);
        return m;
    }

    static Response reconcile(String ns, List<?> states) {
        return writer().body(states).when().post("/v1/namespaces/" + ns + "/reconcile");
    }

    // ------------------------------------------------------------------ namespaces

    @Test
    void namespaceSettingsAndTheirErrors() {
        String ns = "ns-" + UUID.randomUUID().toString().substring(0, 12);
        given().contentType(ContentType.JSON).body(Map.of("conflictStrategy", "MERGE"))
                .when().put("/v1/namespaces/" + ns).then().statusCode(401)
                .contentType("application/problem+json");
        reader().body(Map.of("conflictStrategy", "MERGE")).when().put("/v1/namespaces/" + ns).then().statusCode(403);
        reader().when().get("/v1/namespaces/" + ns).then().statusCode(404).body("status", equalTo(404));
        writer().body(Map.of("conflictStrategy", "NEWEST")).when().put("/v1/namespaces/" + ns).then().statusCode(422)
                .body("detail", containsString("NEWEST"));
        writer().body(Map.of("conflictStrategy", "MERGE", "autoSyncInterval", "soon"))
                .when().put("/v1/namespaces/" + ns).then().statusCode(422);
        writer().body("{\"conflictStrategy\": ").when().put("/v1/namespaces/" + ns).then().statusCode(400);

        writer().body(Map.of("conflictStrategy", "MERGE", "autoSyncInterval", "PT5M"))
                .when().put("/v1/namespaces/" + ns).then().statusCode(201)
                .body("name", equalTo(ns)).body("conflictStrategy", equalTo("MERGE"))
                .body("autoSyncInterval", equalTo("PT5M"));
        writer().body(Map.of("conflictStrategy", "MANUAL")).when().put("/v1/namespaces/" + ns).then().statusCode(200)
                .body("conflictStrategy", equalTo("MANUAL")).body("autoSyncInterval", nullValue());
        reader().when().get("/v1/namespaces/" + ns).then().statusCode(200).body("conflictStrategy", equalTo("MANUAL"));
    }

    @Test
    void aNamespacePutSixTimesAtTheSameMomentIsCreatedOnceAndNoneFails() throws Exception {
        String ns = "ns-" + UUID.randomUUID().toString().substring(0, 12);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        List<Integer> statuses = new java.util.ArrayList<>();
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return writer().body(Map.of("conflictStrategy", "MERGE")).when().put("/v1/namespaces/" + ns)
                            .statusCode();
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }
        } finally {
            pool.shutdown();
        }
        // a PUT is idempotent: one creates it, the others find it made and set the same settings
        assertThat(statuses).containsOnly(200, 201).filteredOn(s -> s == 201).hasSize(1);
        reader().when().get("/v1/namespaces/" + ns).then().statusCode(200).body("conflictStrategy", equalTo("MERGE"));
    }

    // ------------------------------------------------------------------ CRUD

    @Test
    void createReadUpdateDeleteWithVersions() {
        String ns = namespace("LAST_WRITE_WINS");
        String id = create(ns, null, Map.of("theme", "dark")).then().statusCode(201)
                .header("ETag", "\"1\"").header("Location", containsString("/v1/namespaces/" + ns + "/states/"))
                .body("version", equalTo(1)).body("data.theme", equalTo("dark"))
                .body("clock." + node + ".counter", equalTo(1)).body("lastWriter", equalTo(node))
                .body("checksum", notNullValue()).body("deleted", equalTo(false))
                .extract().path("id");
        reader().when().get("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200)
                .header("ETag", "\"1\"").body("data.theme", equalTo("dark"));

        writer().header("If-Match", "\"1\"").body(Map.of("data", Map.of("theme", "light")))
                .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200)
                .body("version", equalTo(2)).body("clock." + node + ".counter", equalTo(2));
        // a stale version never overwrites: 409 with the current state
        writer().header("If-Match", "1").body(Map.of("data", Map.of("theme", "blue")))
                .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(409)
                .body("current.version", equalTo(2)).body("current.data.theme", equalTo("light"));
        writer().body(Map.of("data", Map.of("theme", "blue")))
                .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(428);
        writer().header("If-Match", "two").body(Map.of("data", Map.of("theme", "blue")))
                .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(400);
        reader().header("If-Match", "2").body(Map.of("data", Map.of("theme", "blue")))
                .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(403);

        writer().header("If-Match", "1").when().delete("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(409);
        writer().header("If-Match", "2").when().delete("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200)
                .body("deleted", equalTo(true)).body("data", nullValue()).body("version", equalTo(3));
        reader().when().get("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(404)
                .body("current.deleted", equalTo(true));
        writer().header("If-Match", "3").when().delete("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(404);
    }

    @Test
    void createErrors() {
        String ns = namespace("LAST_WRITE_WINS");
        writer().body("{\"data\": {").when().post("/v1/namespaces/" + ns + "/states").then().statusCode(400);
        writer().body(Map.of("id", "x")).when().post("/v1/namespaces/" + ns + "/states").then().statusCode(400);
        writer().body(Map.of("id", "../x", "data", Map.of())).when().post("/v1/namespaces/" + ns + "/states")
                .then().statusCode(400);
        create("no-such-namespace-" + UUID.randomUUID(), null, Map.of("a", 1)).then().statusCode(404);
        create(ns, "fixed", Map.of("a", 1)).then().statusCode(201);
        create(ns, "fixed", Map.of("a", 2)).then().statusCode(409).body("current.data.a", equalTo(1));
        given().contentType(ContentType.JSON).body(Map.of("data", Map.of()))
                .when().post("/v1/namespaces/" + ns + "/states").then().statusCode(401);
        reader().body(Map.of("data", Map.of())).when().post("/v1/namespaces/" + ns + "/states").then().statusCode(403);
        reader().when().get("/v1/namespaces/" + ns + "/states/missing").then().statusCode(404);
    }

    @Test
    void listPagesWithACursorAndHidesTombstonesUnlessAsked() {
        String ns = namespace("LAST_WRITE_WINS");
        for (int i = 0; i < 5; i++) {
            create(ns, "s" + i, Map.of("i", i)).then().statusCode(201);
        }
        writer().header("If-Match", "1").when().delete("/v1/namespaces/" + ns + "/states/s2").then().statusCode(200);
        String cursor = reader().queryParam("limit", 2).when().get("/v1/namespaces/" + ns + "/states").then()
                .statusCode(200).body("items.id", equalTo(List.of("s0", "s1"))).extract().path("nextCursor");
        String cursor2 = reader().queryParam("limit", 2).queryParam("cursor", cursor)
                .when().get("/v1/namespaces/" + ns + "/states").then().statusCode(200)
                .body("items.id", equalTo(List.of("s3", "s4"))).extract().path("nextCursor");
        reader().queryParam("limit", 2).queryParam("cursor", cursor2).when().get("/v1/namespaces/" + ns + "/states")
                .then().statusCode(200).body("items", empty()).body("nextCursor", nullValue());
        reader().queryParam("includeDeleted", true).when().get("/v1/namespaces/" + ns + "/states").then()
                .statusCode(200).body("items", hasSize(5));
        reader().queryParam("limit", 0).when().get("/v1/namespaces/" + ns + "/states").then().statusCode(400);
        reader().queryParam("cursor", "%%%").when().get("/v1/namespaces/" + ns + "/states").then().statusCode(400);
        reader().when().get("/v1/namespaces/nope-" + UUID.randomUUID() + "/states").then().statusCode(404);
    }

    @Test
    void concurrentCreatesOfOneIdLetExactlyOneWin() {
        String ns = namespace("LAST_WRITE_WINS");
        for (int round = 0; round < 5; round++) {
            String id = "race-" + round;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            List<java.util.concurrent.CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int value = i;
                calls.add(java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> create(ns, id, Map.of("v", value)).statusCode(), pool));
            }
            List<Integer> statuses = calls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
            pool.shutdown();
            // before the fix two creates could both pass the existence check and both answer 201
            assertThat(statuses).filteredOn(st -> st == 201).hasSize(1);
            assertThat(statuses).filteredOn(st -> st == 409).hasSize(5);
            reader().when().get("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200).body("version", equalTo(1));
        }
    }

    // ------------------------------------------------------------------ events, pending

    @Test
    void aChangeIsPublishedOnBothTopicsAndItsPendingOperationIsAcknowledged() {
        String ns = namespace("LAST_WRITE_WINS");
        ConsumerTask<String, String> events = kafka.consumeStrings().withGroupId("t-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(eventsTopic);
        ConsumerTask<String, String> changes = kafka.consumeStrings().withGroupId("t-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(changesTopic);
        create(ns, "p1", Map.of("a", 1)).then().statusCode(201);
        String key = ns + "/p1";
        ConsumerRecord<String, String> created = await().atMost(Duration.ofSeconds(30)).until(() -> events.getRecords()
                .stream().filter(r -> key.equals(r.key())).findFirst().orElse(null), r -> r != null);
        assertThat(header(created, "ce_type")).isEqualTo("io.syncvault.state.state_created");
        ConsumerRecord<String, String> changed = await().atMost(Duration.ofSeconds(30)).until(() -> changes.getRecords()
                .stream().filter(r -> key.equals(r.key())).findFirst().orElse(null), r -> r != null);
        assertThat(header(changed, "ce_type")).isEqualTo("io.syncvault.state.state_changed");
        assertThat(changed.value()).contains("\"origin\":\"" + node + "\"").contains("\"id\":\"p1\"");
        events.close();
        changes.close();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader()
                .when().get("/v1/namespaces/" + ns + "/pending").then().statusCode(200).body("", empty()));
        reader().when().get("/v1/namespaces/nope-" + UUID.randomUUID() + "/pending").then().statusCode(404);
        given().when().get("/v1/namespaces/" + ns + "/pending").then().statusCode(401);
    }

    @Test
    void autoSyncTicksForADueNamespace() {
        String ns = "ns-" + UUID.randomUUID().toString().substring(0, 12);
        ConsumerTask<String, String> events = kafka.consumeStrings().withGroupId("t-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(eventsTopic);
        writer().body(Map.of("conflictStrategy", "MERGE", "autoSyncInterval", "PT1S"))
                .when().put("/v1/namespaces/" + ns).then().statusCode(201);
        ConsumerRecord<String, String> tick = await().atMost(Duration.ofSeconds(30)).until(() -> events.getRecords()
                .stream().filter(r -> ns.equals(r.key())).findFirst().orElse(null), r -> r != null);
        events.close();
        assertThat(header(tick, "ce_type")).isEqualTo("io.syncvault.state.auto_sync_tick");
        assertThat(tick.value()).contains("\"pendingOperations\"");
    }

    // ------------------------------------------------------------------ reconcile

    @Test
    void reconcileTakesNewAndNewerIgnoresOlderAndIsIdempotent() {
        String ns = namespace("LAST_WRITE_WINS");
        create(ns, "known", Map.of("v", 1)).then().statusCode(201);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<Map<String, Object>> batch = List.of(
                remote("fresh", Map.of("v", "new"), Map.of("peer", 1L), "peer", t),
                remote("known", Map.of("v", 2), Map.of(node, 1L, "peer", 1L), "peer", t));
        reconcile(ns, batch).then().statusCode(200)
                .body("appliedCount", equalTo(2)).body("unchangedCount", equalTo(0)).body("conflictCount", equalTo(0))
                .body("applied", equalTo(List.of("fresh", "known")));
        String exported = reader().when().get("/v1/namespaces/" + ns + "/export").then().statusCode(200)
                .contentType("application/x-ndjson").extract().asString();
        reconcile(ns, batch).then().statusCode(200)
                .body("appliedCount", equalTo(0)).body("unchangedCount", equalTo(2));
        assertThat(reader().when().get("/v1/namespaces/" + ns + "/export").then().extract().asString())
                .isEqualTo(exported);
        // an older version changes nothing
        reconcile(ns, List.of(remote("known", Map.of("v", 0), Map.of(node, 1L), node, t))).then().statusCode(200)
                .body("unchangedCount", equalTo(1));
        reader().when().get("/v1/namespaces/" + ns + "/states/known").then().body("data.v", equalTo(2))
                .body("version", equalTo(2));
    }

    @Test
    void reconcileErrors() {
        String ns = namespace("LAST_WRITE_WINS");
        writer().body("[{").when().post("/v1/namespaces/" + ns + "/reconcile").then().statusCode(400);
        writer().body(Map.of("id", "x")).when().post("/v1/namespaces/" + ns + "/reconcile").then().statusCode(400);
        reconcile(ns, List.of(Map.of("id", "x", "data", Map.of()))).then().statusCode(400)
                .body("detail", containsString("clock"));
        reconcile("nope-" + UUID.randomUUID(), List.of()).then().statusCode(404);
        reader().body(List.of()).when().post("/v1/namespaces/" + ns + "/reconcile").then().statusCode(403);
        given().contentType(ContentType.JSON).body(List.of()).when().post("/v1/namespaces/" + ns + "/reconcile")
                .then().statusCode(401);
    }

    @Test
    void deletesStayDeletedAfterReconcile() {
        String ns = namespace("REMOTE_WINS");
        create(ns, "gone", Map.of("v", 1)).then().statusCode(201);
        writer().header("If-Match", "1").when().delete("/v1/namespaces/" + ns + "/states/gone").then().statusCode(200);
        reconcile(ns, List.of(remote("gone", Map.of("v", 1), Map.of(node, 1L), node, Instant.now())))
                .then().statusCode(200).body("unchangedCount", equalTo(1));
        reader().when().get("/v1/namespaces/" + ns + "/states/gone").then().statusCode(404);
    }

    /** A local version {node:2} and a remote {node:1, peer:1} after a shared {node:1}: concurrent. */
    private String concurrentPair(String strategy, String ns, Instant remoteAt) {
        create(ns, "c", Map.of("a", 1, "b", 1)).then().statusCode(201);
        writer().header("If-Match", "1").body(Map.of("data", Map.of("a", 2, "b", 1)))
                .when().put("/v1/namespaces/" + ns + "/states/c").then().statusCode(200);
        return strategy;
    }

    /** An open conflict on "c" in a MANUAL namespace: local {node:2} (a=2) against a peer's {node:1, peer:1} (a=7). */
    private String openManualConflict(String ns) {
        concurrentPair("MANUAL", ns, Instant.now());
        return reconcile(ns, List.of(remote("c", Map.of("a", 7), Map.of(node, 1L, "peer", 1L), "peer", Instant.now())))
                .then().statusCode(200).body("conflictCount", equalTo(1)).extract().path("conflicts[0].id");
    }

    @Test
    void everyStrategyResolvesAConcurrentVersion() {
        Instant future = Instant.now().plusSeconds(3600);
        Map<String, Object> remote = remote("c", Map.of("a", 1, "b", 2), Map.of("peer", 1L, "x", 0L), "peer", future);

        String lww = namespace("LAST_WRITE_WINS");
        concurrentPair("LAST_WRITE_WINS", lww, future);
        Map<String, Object> r = new java.util.HashMap<>(remote);
        r.put("clock", Map.of(node, 1L, "peer", 1L));
        reconcile(lww, List.of(r)).then().statusCode(200).body("appliedCount", equalTo(1))
                .body("conflicts[0].resolution", equalTo("LAST_WRITE_WINS"));
        reader().when().get("/v1/namespaces/" + lww + "/states/c").then()
                .body("data.b", equalTo(2)).body("data.a", equalTo(1))
                .body("clock." + node + ".counter", equalTo(2)).body("clock.peer.counter", equalTo(1));
        reader().queryParam("status", "resolved").when().get("/v1/namespaces/" + lww + "/conflicts").then()
                .body("items", hasSize(1)).body("items[0].remote.lastWriter", equalTo("peer"));

        String local = namespace("LOCAL_WINS");
        concurrentPair("LOCAL_WINS", local, future);
        reconcile(local, List.of(r)).then().statusCode(200).body("conflictCount", equalTo(1));
        reader().when().get("/v1/namespaces/" + local + "/states/c").then()
                .body("data.a", equalTo(2)).body("data.b", equalTo(1)).body("clock.peer.counter", equalTo(1));

        String rw = namespace("REMOTE_WINS");
        concurrentPair("REMOTE_WINS", rw, future);
        reconcile(rw, List.of(r)).then().statusCode(200);
        reader().when().get("/v1/namespaces/" + rw + "/states/c").then().body("data.a", equalTo(1))
                .body("data.b", equalTo(2));

        String merge = namespace("MERGE");
        concurrentPair("MERGE", merge, future);
        reconcile(merge, List.of(r)).then().statusCode(200).body("appliedCount", equalTo(1));
        reader().when().get("/v1/namespaces/" + merge + "/states/c").then().body("data.a", equalTo(2))
                .body("data.b", equalTo(2));
        // the same field changed differently on both sides: an open conflict, local kept
        Map<String, Object> clash = new java.util.HashMap<>(r);
        clash.put("id", "c");
        clash.put("data", Map.of("a", 9, "b", 2));
        clash.put("clock", Map.of(node, 2L, "peer", 2L, "other", 1L));
        writer().header("If-Match", "3").body(Map.of("data", Map.of("a", 3, "b", 2)))
                .when().put("/v1/namespaces/" + merge + "/states/c").then().statusCode(200);
        reconcile(merge, List.of(clash)).then().statusCode(200).body("conflictCount", equalTo(1))
                .body("conflicts[0].resolution", nullValue());
        reader().when().get("/v1/namespaces/" + merge + "/states/c").then().body("data.a", equalTo(3));
    }

    @Test
    void conflictsArePagedByCursorAndResolvingOneBetweenPagesSkipsNone() {
        String ns = namespace("MANUAL");
        List<Map<String, Object>> peers = new java.util.ArrayList<>();
        for (String id : List.of("c1", "c2", "c3")) {
            create(ns, id, Map.of("a", 1)).then().statusCode(201);
            writer().header("If-Match", "1").body(Map.of("data", Map.of("a", 2)))
                    .when().put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200);
            peers.add(remote(id, Map.of("a", 7), Map.of(node, 1L, "peer", 1L), "peer", Instant.now()));
        }
        // one batch: three conflicts detected in one transaction, at one time (the id orders them)
        reconcile(ns, peers).then().statusCode(200).body("conflictCount", equalTo(3));
        String path = "/v1/namespaces/" + ns + "/conflicts";
        List<String> seen = new java.util.ArrayList<>();
        var first = reader().queryParam("limit", 1).when().get(path).then().statusCode(200).body("items", hasSize(1))
                .extract().jsonPath();
        seen.add(first.getString("items[0].stateId"));
        // resolved before the next page is asked for: by offset, the next page would start one further on
        writer().body(Map.of("resolution", "LOCAL")).when()
                .post(path + "/" + first.getString("items[0].id") + "/resolve").then().statusCode(200);
        String cursor = first.getString("nextCursor");
        while (cursor != null) {
            var page = reader().queryParam("limit", 1).queryParam("cursor", cursor).when().get(path).then().statusCode(200)
                    .extract().jsonPath();
            seen.addAll(page.getList("items.stateId", String.class));
            cursor = page.getString("nextCursor");
        }
        assertThat(seen).containsExactlyInAnyOrder("c1", "c2", "c3");

        reader().queryParam("offset", 1).when().get(path).then().statusCode(400)
                .body("detail", containsString("cursor"));
        reader().queryParam("cursor", "bm90IG91cnM").when().get(path).then().statusCode(400);
    }

    @Test
    void manualConflictsAreStoredListedAndResolved() {
        String ns = namespace("MANUAL");
        concurrentPair("MANUAL", ns, Instant.now());
        Map<String, Object> r = remote("c", Map.of("a", 7), Map.of(node, 1L, "peer", 1L), "peer", Instant.now());
        String conflictId = reconcile(ns, List.of(r)).then().statusCode(200).body("conflictCount", equalTo(1))
                .body("appliedCount", equalTo(0)).extract().path("conflicts[0].id");
        // replaying the batch records nothing new
        reconcile(ns, List.of(r)).then().statusCode(200).body("conflicts[0].id", equalTo(conflictId));
        reader().when().get("/v1/namespaces/" + ns + "/conflicts").then().statusCode(200).body("items", hasSize(1))
                .body("items[0].id", equalTo(conflictId)).body("items[0].local.data.a", equalTo(2))
                .body("items[0].remote.data.a", equalTo(7)).body("items[0].remote.clock.peer.counter", equalTo(1))
                .body("items[0].detectedAt", notNullValue()).body("nextCursor", nullValue());
        reader().when().get("/v1/namespaces/" + ns + "/states/c").then().body("data.a", equalTo(2));

        writer().body(Map.of("resolution", "SOMEHOW")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(422);
        writer().body(Map.of("resolution", "CUSTOM")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(400);
        writer().body(Map.of("resolution", "LOCAL")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + UUID.randomUUID() + "/resolve").then().statusCode(404);
        reader().body(Map.of("resolution", "LOCAL")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(403);
        writer().body(Map.of("resolution", "CUSTOM", "data", Map.of("a", 42))).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(200)
                .body("data.a", equalTo(42)).body("clock.peer.counter", equalTo(1))
                .body("clock." + node + ".counter", equalTo(3));
        writer().body(Map.of("resolution", "REMOTE")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(409);
        reader().when().get("/v1/namespaces/" + ns + "/conflicts").then().body("items", empty());
        reader().queryParam("status", "all").when().get("/v1/namespaces/" + ns + "/conflicts").then()
                .body("items[0].resolution", equalTo("CUSTOM"));
        reader().queryParam("status", "weird").when().get("/v1/namespaces/" + ns + "/conflicts").then().statusCode(400);
        // the conflicting remote version is now behind the resolution
        reconcile(ns, List.of(r)).then().body("unchangedCount", equalTo(1)).body("conflictCount", equalTo(0));
    }

    @Test
    void aResolutionAfterALocalWriteKeepsThatWriteOrRefusesToGoOverIt() {
        String ns = namespace("MANUAL");
        String conflictId = openManualConflict(ns);
        // written here after the conflict was recorded, by someone who did not look at it
        writer().header("If-Match", "2").body(Map.of("data", Map.of("a", 3, "b", 1)))
                .when().put("/v1/namespaces/" + ns + "/states/c").then().statusCode(200);

        writer().body(Map.of("resolution", "REMOTE")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(409)
                .body("currentVersion", equalTo(3));
        reader().when().get("/v1/namespaces/" + ns + "/states/c").then().body("data.a", equalTo(3));
        writer().body(Map.of("resolution", "LOCAL")).when()
                .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().statusCode(200)
                .body("data.a", equalTo(3)).body("clock.peer.counter", equalTo(1));
        reader().when().get("/v1/namespaces/" + ns + "/states/c").then().body("data.a", equalTo(3));
    }

    @Test
    void aResolutionBesideAReconcileThatSupersedesTheConflictEndsOneWayOrTheOtherWithoutAFailure() throws Exception {
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 25; round++) {
                String ns = namespace("MANUAL");
                String conflictId = openManualConflict(ns);
                // a peer's version after both: it supersedes the conflict while a person resolves it
                Map<String, Object> after = remote("c", Map.of("a", 9), Map.of(node, 2L, "peer", 2L), "peer", Instant.now());
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                var resolved = two.submit(() -> {
                    start.await();
                    return writer().body(Map.of("resolution", "LOCAL")).when()
                            .post("/v1/namespaces/" + ns + "/conflicts/" + conflictId + "/resolve").then().extract();
                });
                var reconciled = two.submit(() -> {
                    start.await();
                    return reconcile(ns, List.of(after)).then().extract();
                });
                // resolved first (then the peer's version is concurrent with the resolution) or superseded first
                assertThat(resolved.get().statusCode()).as(resolved.get().asString()).isIn(200, 409);
                assertThat(reconciled.get().statusCode()).as(reconciled.get().asString()).isEqualTo(200);
                reader().when().get("/v1/namespaces/" + ns + "/conflicts").then().statusCode(200);
            }
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void dataOrWritersTheDatabaseCannotKeepAreRefusedAndNothingOfTheBatchIsApplied() {
        String ns = namespace("LAST_WRITE_WINS");
        create(ns, "nul", Map.of("text", "a\u0000b")).then().statusCode(400).body("detail", containsString("NUL"));
        create(ns, "nul", Map.of("a\u0000b", 1)).then().statusCode(400);
        reader().when().get("/v1/namespaces/" + ns + "/states/nul").then().statusCode(404);

        Map<String, Object> fine = remote("fine", Map.of("a", 1), Map.of("peer", 1L), "peer", Instant.now());
        Map<String, Object> longWriter = remote("long", Map.of("a", 1), Map.of("peer", 1L), "p".repeat(201), Instant.now());
        reconcile(ns, List.of(fine, longWriter)).then().statusCode(400).body("detail", containsString("lastWriter"));
        reader().when().get("/v1/namespaces/" + ns + "/states/fine").then().statusCode(404);
        reconcile(ns, List.of(fine, remote("nul", Map.of("t", "\u0000"), Map.of("peer", 1L), "peer", Instant.now())))
                .then().statusCode(400);
        reconcile(ns, List.of(fine)).then().statusCode(200).body("appliedCount", equalTo(1));
    }

    @Test
    void numbersTimesCountersAndSizesNoNodeCouldCarryAreRefusedNot500() {
        String ns = namespace("LAST_WRITE_WINS");
        writer().body("{\"id\": \"inf\", \"data\": {\"x\": 1e400}}").when().post("/v1/namespaces/" + ns + "/states")
                .then().statusCode(400).body("detail", containsString("out of range"));
        reconcile(ns, List.of(remote("far", Map.of("a", 1), Map.of("peer", 1L), "peer", Instant.parse("+300000-01-01T00:00:00Z"))))
                .then().statusCode(400).body("detail", containsString("9999"));
        reconcile(ns, List.of(remote("big", Map.of("a", 1), Map.of("peer", Long.MAX_VALUE), "peer", Instant.now())))
                .then().statusCode(400).body("detail", containsString("counter"));
        // stored, it would never reach the other nodes: a Kafka record holds at most 1 MiB
        create(ns, "huge", Map.of("text", "x".repeat(800 * 1024))).then().statusCode(413)
                .body("type", equalTo("urn:syncvault:problem:state-too-large"));
        reader().when().get("/v1/namespaces/" + ns + "/states").then().statusCode(200).body("items", hasSize(0));
        create(ns, "fits", Map.of("text", "x".repeat(700 * 1024))).then().statusCode(201);
    }

    // ------------------------------------------------------------------ export, import

    @Test
    void exportThenImportReproducesTheNamespaceAndDetectsDivergence() {
        String source = namespace("LAST_WRITE_WINS");
        for (int i = 0; i < 7; i++) {
            create(source, "e" + i, Map.of("i", i)).then().statusCode(201);
        }
        writer().header("If-Match", "1").when().delete("/v1/namespaces/" + source + "/states/e3").then().statusCode(200);
        String ndjson = reader().when().get("/v1/namespaces/" + source + "/export").then().statusCode(200)
                .extract().asString();
        assertThat(ndjson.split("\n")).hasSize(7);

        String target = namespace("MANUAL");
        given().auth().oauth2(Tokens.writer()).contentType("application/x-ndjson").body(bytes(ndjson))
                .when().post("/v1/namespaces/" + target + "/import").then().statusCode(200)
                .body("appliedCount", equalTo(7));
        reader().when().get("/v1/namespaces/" + target + "/states/e3").then().statusCode(404);
        reader().when().get("/v1/namespaces/" + target + "/states/e5").then().statusCode(200).body("data.i", equalTo(5));
        // diverge the target, then import again: a conflict, not an overwrite
        // (the target takes a peer's version, the source changes its own: concurrent)
        reconcile(target, List.of(remote("e5", Map.of("i", "target"), Map.of(node, 1L, "peer", 1L), "peer",
                Instant.now()))).then().statusCode(200).body("appliedCount", equalTo(1));
        writer().header("If-Match", "1").body(Map.of("data", Map.of("i", "source")))
                .when().put("/v1/namespaces/" + source + "/states/e5").then().statusCode(200);
        String again = reader().when().get("/v1/namespaces/" + source + "/export").then().extract().asString();
        given().auth().oauth2(Tokens.writer()).contentType("application/x-ndjson").body(bytes(again))
                .when().post("/v1/namespaces/" + target + "/import").then().statusCode(200)
                .body("conflictCount", equalTo(1)).body("unchangedCount", equalTo(6));
        reader().when().get("/v1/namespaces/" + target + "/states/e5").then().body("data.i", equalTo("target"));

        given().auth().oauth2(Tokens.writer()).contentType("application/x-ndjson").body(bytes("{\"id\":\"ok\"\nnot json\n"))
                .when().post("/v1/namespaces/" + target + "/import").then().statusCode(400);
        given().auth().oauth2(Tokens.writer()).contentType("application/x-ndjson").body(bytes(""))
                .when().post("/v1/namespaces/nope-" + UUID.randomUUID() + "/import").then().statusCode(404);
        reader().when().get("/v1/namespaces/nope-" + UUID.randomUUID() + "/export").then().statusCode(404);
        given().when().get("/v1/namespaces/" + source + "/export").then().statusCode(401);
    }

    // ------------------------------------------------------------------ replication consumer

    @Test
    void recordsOfAnotherNodeAreAppliedOnceAndOwnRecordsSkipped() {
        String ns = namespace("LAST_WRITE_WINS");
        String id = "r-" + UUID.randomUUID();
        String value = "{\"namespace\":\"" + ns + "\",\"id\":\"" + id + "\",\"data\":{\"v\":1},"
                + "\"clock\":{\"peer\":{\"counter\":1,\"updatedAt\":1}},\"lastWriter\":\"peer\",\"version\":1,"
                + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\",\"checksum\":\"x\","
                + "\"deleted\":false,\"origin\":\"peer\"}";
        String own = value.replace("\"peer\"}", "\"" + node + "\"}").replace(id, id + "-own");
        String ceId = UUID.randomUUID().toString();
        kafka.produceStrings().fromRecords(
                record(ns + "/" + id + "-own", own, UUID.randomUUID().toString()),
                record(ns + "/" + id, value, ceId),
                record(ns + "/" + id, value, ceId)).awaitCompletion();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader()
                .when().get("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200)
                .body("data.v", equalTo(1)).body("version", equalTo(1)).body("clock.peer.counter", equalTo(1)));
        reader().when().get("/v1/namespaces/" + ns + "/states/" + id + "-own").then().statusCode(404);
        // a taken remote version is not re-published (no pending operation for it)
        reader().when().get("/v1/namespaces/" + ns + "/pending").then().body("", empty());
    }

    @Test
    void aRecordThatComesAgainBehindTheStateKeptHereIsAnsweredWithThatState() {
        String ns = namespace("LAST_WRITE_WINS");
        String id = "again-" + UUID.randomUUID();
        String key = ns + "/" + id;
        String value = "{\"namespace\":\"" + ns + "\",\"id\":\"" + id + "\",\"data\":{\"v\":1},"
                + "\"clock\":{\"peer\":{\"counter\":1,\"updatedAt\":1}},\"lastWriter\":\"peer\",\"version\":1,"
                + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\",\"checksum\":\"x\","
                + "\"deleted\":false,\"origin\":\"peer\"}";
        String ceId = UUID.randomUUID().toString();
        kafka.produceStrings().fromRecords(record(key, value, ceId)).awaitCompletion();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader()
                .when().get("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200).body("version", equalTo(1)));
        // this node moves the state on; then the peer's record comes again, as an outbox re-sends one the broker
        // took without acknowledging it, and one more copy of it under a new id: each lands after this node's version
        writer().header("If-Match", "1").body(Map.of("data", Map.of("v", 2))).when()
                .put("/v1/namespaces/" + ns + "/states/" + id).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader()
                .when().get("/v1/namespaces/" + ns + "/pending").then().statusCode(200).body("", empty()));
        kafka.produceStrings().fromRecords(record(key, value, ceId), record(key, value, UUID.randomUUID().toString()))
                .awaitCompletion();

        // what a node that starts after compaction would read: the last record of the state is this node's version
        awaitChanges(key, mine -> {
            assertThat(mine).hasSizeGreaterThanOrEqualTo(5);
            assertThat(mine.get(mine.size() - 1).value()).contains("\"v\":2").contains("\"" + node + "\"");
        });
    }

    @Test
    void settingsSetHereGoToTheOtherNodesOnTheChangesTopic() {
        String ns = namespace("LAST_WRITE_WINS");
        writer().body(Map.of("conflictStrategy", "MANUAL", "autoSyncInterval", "PT45S")).when()
                .put("/v1/namespaces/" + ns).then().statusCode(200);
        // keyed by the name alone, so compaction keeps the last settings of each namespace for a new node
        awaitChanges(ns, mine -> {
            assertThat(mine).hasSize(2).allSatisfy(r -> assertThat(header(r, "ce_type"))
                    .isEqualTo("io.syncvault.state.namespace_changed"));
            assertThat(mine.get(1).value()).contains("\"conflictStrategy\":\"MANUAL\"")
                    .contains("\"autoSyncInterval\":\"PT45S\"").contains("\"origin\":\"" + node + "\"");
        });
    }

    /** Reads the changes topic from its start until the records with this key pass {@code check}. */
    private void awaitChanges(String key, java.util.function.Consumer<List<ConsumerRecord<String, String>>> check) {
        ConsumerTask<String, String> changes = kafka.consumeStrings().withGroupId("t-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(changesTopic);
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> check.accept(changes.getRecords().stream()
                    .filter(r -> key.equals(r.key())).toList()));
        } finally {
            changes.close();
        }
    }

    @Test
    void settingsOfAnotherNodeAreTakenWhenSetLaterThanTheOnesHere() {
        String ns = namespace("LAST_WRITE_WINS");
        Instant later = Instant.now().plus(Duration.ofMinutes(5));
        kafka.produceStrings().fromRecords(settings(ns, "MANUAL", "PT30S", later, UUID.randomUUID().toString()))
                .awaitCompletion();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader().when().get("/v1/namespaces/" + ns).then()
                .statusCode(200).body("conflictStrategy", equalTo("MANUAL")).body("autoSyncInterval", equalTo("PT30S")));

        // settings set earlier than the ones taken change nothing, on any node
        String older = UUID.randomUUID().toString();
        kafka.produceStrings().fromRecords(settings(ns, "REMOTE_WINS", null, later.minusSeconds(60), older))
                .awaitCompletion();
        awaitApplied(older);
        reader().when().get("/v1/namespaces/" + ns).then().body("conflictStrategy", equalTo("MANUAL"));

        // a namespace made here for a state that came before its settings takes them, however early they were set
        String early = "ns-" + UUID.randomUUID().toString().substring(0, 12);
        String id = "first-" + UUID.randomUUID();
        kafka.produceStrings().fromRecords(record(early + "/" + id, "{\"namespace\":\"" + early + "\",\"id\":\"" + id
                + "\",\"data\":{\"v\":1},\"clock\":{\"peer\":{\"counter\":1,\"updatedAt\":1}},\"lastWriter\":\"peer\","
                + "\"version\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\","
                + "\"checksum\":\"x\",\"deleted\":false,\"origin\":\"peer\"}", UUID.randomUUID().toString())).awaitCompletion();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader()
                .when().get("/v1/namespaces/" + early).then().statusCode(200).body("conflictStrategy", equalTo("LAST_WRITE_WINS")));
        kafka.produceStrings().fromRecords(settings(early, "MERGE", null, Instant.parse("2026-01-01T00:00:00Z"),
                UUID.randomUUID().toString())).awaitCompletion();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> reader().when().get("/v1/namespaces/" + early).then()
                .body("conflictStrategy", equalTo("MERGE")));
    }

    private ProducerRecord<String, String> settings(String ns, String strategy, String interval, Instant setAt, String ceId) {
        String value = "{\"name\":\"" + ns + "\",\"conflictStrategy\":\"" + strategy + "\",\"autoSyncInterval\":"
                + (interval == null ? "null" : "\"" + interval + "\"") + ",\"createdAt\":\"2026-01-01T00:00:00Z\","
                + "\"updatedAt\":\"" + setAt + "\",\"origin\":\"peer\"}";
        return record(ns, value, ceId, "io.syncvault.state.namespace_changed");
    }

    /** Waits until the consumer has handled the record with this id (applied or not, it is then in processed_event). */
    private void awaitApplied(String ceId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew().call(() -> em
                .createNativeQuery("select count(*) from processed_event where id = ?1").setParameter(1, ceId)
                .getSingleResult()).toString().equals("1"));
    }

    private ProducerRecord<String, String> record(String key, String value, String ceId) {
        return record(key, value, ceId, "io.syncvault.state.state_changed");
    }

    private ProducerRecord<String, String> record(String key, String value, String ceId, String type) {
        ProducerRecord<String, String> r = new ProducerRecord<>(changesTopic, key, value);
        r.headers().add(new RecordHeader("ce_id", ceId.getBytes(StandardCharsets.UTF_8)));
        r.headers().add(new RecordHeader("ce_type", type.getBytes(StandardCharsets.UTF_8)));
        return r;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
