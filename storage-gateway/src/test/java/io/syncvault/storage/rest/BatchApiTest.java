package io.syncvault.storage.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.storage.support.EventTail;
import io.syncvault.platform.testing.Tokens;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.kafka.common.header.Header;
import io.syncvault.storage.provider.LocalProvider;
import io.syncvault.storage.service.StoreRegistry;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The batch API: many objects in one tar stream each way, every entry judged on its own, against real stores and Kafka. */
@QuarkusTest
class BatchApiTest {

    @TestHTTPResource("/")
    URL base;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    StoreRegistry stores;

    /** One tar entry to send: a file with content and PAX headers, or a folder. */
    record Entry(String name, byte[] content, Map<String, String> pax, boolean folder) {
        static Entry file(String name, String content, String... pax) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < pax.length; i += 2) {
                headers.put(pax[i], pax[i + 1]);
            }
            return new Entry(name, content.getBytes(StandardCharsets.UTF_8), headers, false);
        }
    }

    /** One tar entry received: name, PAX headers and content. */
    record Received(String name, Map<String, String> pax, String content) {
    }

    @Test
    void aBatchDeleteJudgesEachObjectOnItsOwnAndKeepsTheDeletedAsVersions() {
        String dir = "batch-delete-" + UUID.randomUUID() + "/";
        Map<String, String> tags = new LinkedHashMap<>();
        for (String name : List.of("a", "b", "c")) {
            tags.put(name, given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream")
                    .body(("content " + name).getBytes(StandardCharsets.UTF_8)).header("If-None-Match", "*")
                    .when().put("/v1/stores/default/objects/" + dir + name).then().statusCode(201).extract().path("versionTag"));
        }
        List<Map<String, Object>> objects = List.of(
                Map.of("key", dir + "a", "ifMatch", "\"" + tags.get("a") + "\""),
                Map.of("key", dir + "b", "ifMatch", "0000000000000000"),
                Map.of("key", dir + "c"),
                Map.of("key", dir + "missing"),
                Map.of("key", dir + "../escape"));
        JsonPath answer = given().auth().oauth2(Tokens.writer()).contentType("application/json")
                .header("X-SyncVault-Origin", "batch-test").header("X-SyncVault-Keep-Versions", "2")
                .body(Map.of("objects", objects)).when().post("/v1/stores/default/batch/delete")
                .then().statusCode(200).extract().jsonPath();
        assertThat(answer.getInt("deleted")).isEqualTo(2);
        assertThat(answer.getInt("failed")).isEqualTo(3);
        assertThat(answer.getList("results.key", String.class)).containsExactly(dir + "a", dir + "b", dir + "c",
                dir + "missing", dir + "../escape");
        assertThat(answer.getList("results.status", Integer.class)).containsExactly(204, 412, 204, 404, 400);
        assertThat(answer.getString("results[1].problem.detail")).contains(tags.get("b"));

        given().auth().oauth2(Tokens.reader()).when().head("/v1/stores/default/objects/" + dir + "a").then().statusCode(404);
        given().auth().oauth2(Tokens.reader()).when().head("/v1/stores/default/objects/" + dir + "b").then().statusCode(200);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/stores/default/versions/" + dir + "c").then().statusCode(200)
                .body("versions.size()", equalTo(1));

        given().auth().oauth2(Tokens.writer()).contentType("application/json").body(Map.of("objects", List.of()))
                .when().post("/v1/stores/default/batch/delete").then().statusCode(400)
                .contentType("application/problem+json");
        given().auth().oauth2(Tokens.reader()).contentType("application/json")
                .body(Map.of("objects", List.of(Map.of("key", dir + "b")))).when().post("/v1/stores/default/batch/delete")
                .then().statusCode(403);
        given().auth().oauth2(Tokens.writer()).contentType("application/json")
                .body(Map.of("objects", List.of(Map.of("key", dir + "b")))).when().post("/v1/stores/no-such/batch/delete")
                .then().statusCode(404);
    }

    @Test
    void eachEntryIsStoredOrRefusedOnItsOwnAndComesBackInABatchGet() throws Exception {
        for (String store : List.of("default", "secure")) {
            String dir = "batch-" + UUID.randomUUID() + "/";
            String existing = given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream")
                    .body("old".getBytes()).when().put("/v1/stores/" + store + "/objects/" + dir + "replace.txt")
                    .then().statusCode(201).extract().path("versionTag");
            given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream").body("kept".getBytes())
                    .when().put("/v1/stores/" + store + "/objects/" + dir + "taken.txt").then().statusCode(201);

            JsonPath answer = putBatch(store, tar(List.of(
                    Entry.file(dir + "new.txt", "fresh", "SYNCVAULT.sha256", sha256("fresh"), "SYNCVAULT.mtime", "1700000000123",
                            "SYNCVAULT.if-none-match", "*"),
                    Entry.file(dir + "bad-sha.txt", "content", "SYNCVAULT.sha256", "0".repeat(64)),
                    Entry.file(dir + "taken.txt", "clobber", "SYNCVAULT.if-none-match", "*"),
                    Entry.file(dir + "replace.txt", "new", "SYNCVAULT.if-match", existing),
                    new Entry(dir + "folder/", new byte[0], Map.of(), true),
                    Entry.file(dir + "caf\u00e9 \u65e5\u672c/" + "x".repeat(150) + ".txt", "long unicode name"))), 200);

            assertThat(answer.getList("results.status", Integer.class)).containsExactly(201, 400, 412, 201, 400, 201);
            assertThat(answer.getInt("stored")).isEqualTo(3);
            assertThat(answer.getInt("failed")).isEqualTo(3);
            assertThat(answer.getString("results[0].object.sha256")).isEqualTo(sha256("fresh"));
            assertThat(answer.getLong("results[0].object.mtime")).isEqualTo(1700000000123L);
            assertThat(answer.getString("results[1].problem.detail")).contains("nothing was stored");
            assertThat(answer.getString("results[2].problem.type")).endsWith("precondition-failed");
            assertThat(answer.getString("results[4].problem.detail")).contains("not a regular file");

            String replaced = answer.getString("results[3].object.versionTag");
            assertThat(replaced).isNotEqualTo(existing);
            assertThat(get(store, dir + "new.txt")).isEqualTo("fresh");
            assertThat(get(store, dir + "replace.txt")).isEqualTo("new");
            assertThat(get(store, dir + "taken.txt")).isEqualTo("kept");
            given().auth().oauth2(Tokens.reader()).when().get("/v1/stores/" + store + "/objects/" + dir + "bad-sha.txt")
                    .then().statusCode(404);

            List<Received> got = getBatch(store, List.of(dir + "replace.txt", dir + "missing.txt", dir + "new.txt",
                    dir + "caf\u00e9 \u65e5\u672c/" + "x".repeat(150) + ".txt"));
            assertThat(got).extracting(Received::name).containsExactly(dir + "replace.txt", dir + "missing.txt", dir + "new.txt",
                    dir + "caf\u00e9 \u65e5\u672c/" + "x".repeat(150) + ".txt");
            assertThat(got.get(0).content()).isEqualTo("new");
            assertThat(got.get(0).pax()).containsEntry("SYNCVAULT.status", "200").containsEntry("SYNCVAULT.version-tag", replaced)
                    .containsEntry("SYNCVAULT.sha256", sha256("new"));
            assertThat(got.get(1).pax()).containsEntry("SYNCVAULT.status", "404");
            assertThat(got.get(1).content()).isEmpty();
            assertThat(got.get(2).content()).isEqualTo("fresh");
            assertThat(got.get(2).pax()).containsEntry("SYNCVAULT.mtime", "1700000000123");
            assertThat(got.get(3).content()).isEqualTo("long unicode name");
        }
    }

    @Test
    void entriesCommittedWhileLaterOnesAreReadKeepTheArchivesOrder() throws Exception {
        String dir = "batch-order-" + UUID.randomUUID() + "/";
        List<Entry> entries = new ArrayList<>();
        List<Integer> expected = new ArrayList<>();
        String last = null;
        String previous = null;
        for (int i = 0; i < 3 * BatchResource.COMMITS_IN_FLIGHT; i++) {
            entries.add(Entry.file(dir + "f" + i, "content " + i));
            expected.add(201);
            if (i % 7 == 3) {
                // one key written again and again, twice in a row (a large write, whose commit takes longer, then a
                // small one): the last write wins, the one before it is the kept version
                for (String write : List.of("a " + randomText(4 << 20), "b")) {
                    previous = last;
                    last = "round " + i + " " + write;
                    entries.add(Entry.file(dir + "same", last));
                    expected.add(201);
                }
            }
            if (i == 11) {
                entries.add(Entry.file(dir + "bad", "x", "SYNCVAULT.sha256", "0".repeat(64)));
                expected.add(400);
                entries.add(Entry.file(dir + "same", "refused", "SYNCVAULT.if-none-match", "*"));
                expected.add(412);
            }
        }
        JsonPath answer = putBatch("secure", tar(entries), 200);

        assertThat(answer.getList("results.key", String.class)).containsExactlyElementsOf(entries.stream().map(Entry::name).toList());
        assertThat(answer.getList("results.status", Integer.class)).containsExactlyElementsOf(expected);
        assertThat(answer.getInt("stored")).isEqualTo(expected.size() - 2);
        assertThat(get("secure", dir + "same")).isEqualTo(last);
        assertThat(get("secure", dir + "f" + (3 * BatchResource.COMMITS_IN_FLIGHT - 1)))
                .isEqualTo("content " + (3 * BatchResource.COMMITS_IN_FLIGHT - 1));
        JsonPath versions = given().auth().oauth2(Tokens.reader()).when().get("/v1/stores/secure/versions/" + dir + "same")
                .then().statusCode(200).extract().jsonPath();
        assertThat(versions.getList("versions")).hasSize(1);
        String kept = given().auth().oauth2(Tokens.reader())
                .queryParam("version", versions.getString("versions[0].versionId"))
                .when().get("/v1/stores/secure/objects/" + dir + "same").then().statusCode(200).extract().asString();
        assertThat(sha256(kept)).as("the kept version is %s...", previous.substring(0, 12)).isEqualTo(sha256(previous));
    }

    @Test
    void aLocalStoresBatchIsMadeDurableByOneFlushOfItsFileSystem() throws Exception {
        String dir = "batch-flush-" + UUID.randomUUID() + "/";
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            entries.add(Entry.file(dir + "f" + i, "content " + i));
        }
        LocalProvider local = (LocalProvider) stores.get("secure").provider();
        long flushes = local.fileSystemFlushes();
        long fsyncs = local.objectFsyncs();

        JsonPath answer = putBatch("secure", tar(entries), 200);

        assertThat(answer.getInt("stored")).isEqualTo(100);
        assertThat(local.fileSystemFlushes() - flushes).as("flushes of the store's file system").isEqualTo(1);
        assertThat(local.objectFsyncs() - fsyncs).as("objects fsynced on their own").isZero();
        assertThat(get("secure", dir + "f99")).isEqualTo("content 99");
        // the counts are metrics too
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("syncvault_store_flushes_total{store=\"secure\"} " + (double) local.fileSystemFlushes())
                .contains("syncvault_store_object_fsyncs_total{store=\"secure\"} " + (double) local.objectFsyncs());
    }

    @Test
    void aBrokenArchiveKeepsWhatWasStoredAndSaysWhichEntriesThoseWere() throws Exception {
        String dir = "broken-" + UUID.randomUUID() + "/";
        byte[] whole = tar(List.of(Entry.file(dir + "one.txt", "1".repeat(600)), Entry.file(dir + "two.txt", "2".repeat(600)),
                Entry.file(dir + "three.txt", "3".repeat(5000))));
        // cut inside the content of the third entry
        byte[] cut = Arrays.copyOf(whole, indexOf(whole, "3".repeat(100).getBytes()) + 1000);
        JsonPath problem = putBatch("default", cut, 400);
        assertThat(problem.getString("detail")).contains("Truncated", "the 3 entries read until then were answered");
        assertThat(problem.getList("results.key", String.class)).containsExactly(dir + "one.txt", dir + "two.txt", dir + "three.txt");
        // the third entry broke off inside its content: refused, not stored
        assertThat(problem.getList("results.status", Integer.class)).containsExactly(201, 201, 400);
        assertThat(get("default", dir + "one.txt")).isEqualTo("1".repeat(600));
        assertThat(get("default", dir + "two.txt")).isEqualTo("2".repeat(600));
        given().auth().oauth2(Tokens.reader()).when().get("/v1/stores/default/objects/" + dir + "three.txt").then().statusCode(404);
    }

    @Test
    void aSmallObjectFoundDamagedIsItsOwnEntryAndTheEntriesAfterItStillArrive() throws Exception {
        String dir = "damaged-" + UUID.randomUUID() + "/";
        for (String name : List.of("a.txt", "b.txt", "c.txt")) {
            given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream")
                    .body(("content of " + name + " ").repeat(100).getBytes(StandardCharsets.UTF_8))
                    .when().put("/v1/stores/default/objects/" + dir + name).then().statusCode(201);
        }
        // the default store keeps plain files: a changed byte is found by the SHA-256 check as the body ends
        java.nio.file.Path file = java.nio.file.Path.of("target/test-data/default").resolve(dir + "b.txt");
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[100] ^= 0x20;
        java.nio.file.Files.write(file, bytes);

        List<Received> got = getBatch("default", List.of(dir + "a.txt", dir + "b.txt", dir + "c.txt"));
        assertThat(got).extracting(Received::name).containsExactly(dir + "a.txt", dir + "b.txt", dir + "c.txt");
        assertThat(got.get(0).content()).isEqualTo("content of a.txt ".repeat(100));
        assertThat(got.get(1).pax()).containsEntry("SYNCVAULT.status", "500");
        assertThat(got.get(1).pax().get("SYNCVAULT.detail")).contains("integrity check failed");
        assertThat(got.get(1).content()).isEmpty();
        assertThat(got.get(2).content()).isEqualTo("content of c.txt ".repeat(100));
    }

    @Test
    void aLargeObjectFoundDamagedAsItEndsBreaksTheArchiveOffBeforeItsEntryIsWhole() throws Exception {
        // too large to be checked before its entry is sent: the check runs as it ends, with its header and almost
        // all of it sent, so the archive must break off there, never hand the entry over whole
        String dir = "damaged-large-" + UUID.randomUUID() + "/";
        // a whole number of 512-byte tar records: nothing of it waits in the archive's record buffer at its end
        byte[] large = randomText(BatchResource.CHECKED_BEFORE_SENDING + 512 * 137).getBytes(StandardCharsets.UTF_8);
        assertThat(large.length % 512).isZero();
        given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream").body("small a".getBytes())
                .when().put("/v1/stores/default/objects/" + dir + "a.txt").then().statusCode(201);
        given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream").body(large)
                .when().put("/v1/stores/default/objects/" + dir + "large.bin").then().statusCode(201);
        given().auth().oauth2(Tokens.writer()).contentType("application/octet-stream").body("small c".getBytes())
                .when().put("/v1/stores/default/objects/" + dir + "c.txt").then().statusCode(201);
        java.nio.file.Path file = java.nio.file.Path.of("target/test-data/default").resolve(dir + "large.bin");
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length - 10] ^= 0x20;
        java.nio.file.Files.write(file, bytes);

        // over HTTP/1.1, as the services call the gateway
        HttpRequest request = HttpRequest.newBuilder(base.toURI().resolve("v1/stores/default/batch/get"))
                .header("Authorization", "Bearer " + Tokens.reader()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"keys\":[\"" + dir + "a.txt\",\"" + dir + "large.bin\",\"" + dir + "c.txt\"]}"))
                .build();
        HttpResponse<InputStream> response = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Integer> whole = new LinkedHashMap<>();
        assertThatThrownBy(() -> {
            try (TarArchiveInputStream in = new TarArchiveInputStream(response.body(), "UTF-8")) {
                TarArchiveEntry e;
                while ((e = in.getNextEntry()) != null) {
                    whole.put(e.getName(), in.readAllBytes().length);
                }
            }
        }).isInstanceOf(IOException.class);
        assertThat(whole).containsExactly(Map.entry(dir + "a.txt", 7));
    }

    @Test
    void rolesStoresAndKeysAreCheckedBeforeAnythingIsDone() throws Exception {
        byte[] body = tar(List.of(Entry.file("auth-" + UUID.randomUUID() + "/x.txt", "x")));
        given().contentType(BatchResource.TAR).body(body).when().post("/v1/stores/default/batch/put").then().statusCode(401);
        given().auth().oauth2(Tokens.reader()).contentType(BatchResource.TAR).body(body)
                .when().post("/v1/stores/default/batch/put").then().statusCode(403);
        given().auth().oauth2(Tokens.writer()).contentType(BatchResource.TAR).body(body)
                .when().post("/v1/stores/nosuchstore/batch/put").then().statusCode(404)
                .body("detail", containsString("nosuchstore"));
        given().contentType("application/json").body("{\"keys\":[\"a\"]}").when().post("/v1/stores/default/batch/get")
                .then().statusCode(401);
        given().auth().oauth2(Tokens.reader()).contentType("application/json").body("{\"keys\":[\"a\"]}")
                .when().post("/v1/stores/nosuchstore/batch/get").then().statusCode(404);
        given().auth().oauth2(Tokens.reader()).contentType("application/json").body("{\"keys\":[]}")
                .when().post("/v1/stores/default/batch/get").then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(Tokens.reader()).contentType("application/json").body("{\"keys\":[\"ok.txt\",\"a/../b\"]}")
                .when().post("/v1/stores/default/batch/get").then().statusCode(400)
                .body("detail", containsString("invalid object key"));
        given().auth().oauth2(Tokens.writer()).contentType(BatchResource.TAR)
                .body(tar(List.of(Entry.file("../escape.txt", "x"))))
                .when().post("/v1/stores/default/batch/put").then().statusCode(200)
                .body("results[0].status", equalTo(400)).body("stored", equalTo(0));
    }

    @Test
    void everyStoredEntryPublishesItsOwnEvent() throws Exception {
        String dir = "batch-events-" + UUID.randomUUID() + "/";
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            ConsumerTask<String, String> records = EventTail.follow(kafka, "storage.events");
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                entries.add(Entry.file(dir + "f" + i, "content " + i));
            }
            given().auth().oauth2(Tokens.writer()).header("X-SyncVault-Origin", "item-7").contentType(BatchResource.TAR)
                    .body(tar(entries)).when().post("/v1/stores/default/batch/put").then().statusCode(200)
                    .body("stored", equalTo(3));
            await().atMost(Duration.ofSeconds(30)).until(() -> records.getRecords().stream()
                    .filter(r -> r.key().startsWith("default/" + dir)).count() == 3);
            records.stop();
            assertThat(records.getRecords().stream().filter(r -> r.key().startsWith("default/" + dir)))
                    .extracting(r -> r.key(), r -> header(r.headers().lastHeader("ce_type")))
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("default/" + dir + "f0", "io.syncvault.storage.object_stored"),
                            org.assertj.core.groups.Tuple.tuple("default/" + dir + "f1", "io.syncvault.storage.object_stored"),
                            org.assertj.core.groups.Tuple.tuple("default/" + dir + "f2", "io.syncvault.storage.object_stored"));
            assertThat(records.getRecords().stream().filter(r -> r.key().startsWith("default/" + dir)))
                    .allSatisfy(r -> assertThat(r.value()).contains("\"origin\":\"item-7\""));
        }
    }

    @Test
    void twoBatchesOfThousandsOfEntriesAtOncePublishAnEventForEveryEntry() throws Exception {
        // more events at once than the emitter buffers and the Kafka sink takes in flight
        String dir = "batch-many-" + UUID.randomUUID() + "/";
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            ConsumerTask<String, String> records = EventTail.follow(kafka, "storage.events");
            List<java.util.concurrent.CompletableFuture<Integer>> batches = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                List<Entry> entries = new ArrayList<>();
                for (int i = 0; i < 2500; i++) {
                    entries.add(Entry.file(dir + b + "/f" + i, "x" + i));
                }
                byte[] body = tar(entries);
                batches.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> given().auth().oauth2(Tokens.writer())
                        .header("X-SyncVault-Keep-Versions", "0").contentType(BatchResource.TAR).body(body)
                        .when().post("/v1/stores/default/batch/put").then().statusCode(200).extract().path("stored")));
            }
            for (var batch : batches) {
                assertThat(batch.get()).isEqualTo(2500);
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(records.getRecords().stream()
                    .filter(r -> r.key().startsWith("default/" + dir)).map(r -> r.key()).distinct().count()).isEqualTo(5000));
            records.stop();
        }
    }

    // ---------- helpers ----------

    /** Text that does not compress much. */
    private static String randomText(int bytes) {
        byte[] random = new byte[bytes * 3 / 4];
        new java.util.Random(bytes).nextBytes(random);
        return java.util.Base64.getEncoder().encodeToString(random);
    }

    private static JsonPath putBatch(String store, byte[] body, int status) {
        return given().auth().oauth2(Tokens.writer()).header("X-SyncVault-Keep-Versions", "1").contentType(BatchResource.TAR)
                .body(body).when().post("/v1/stores/" + store + "/batch/put").then().statusCode(status).extract().jsonPath();
    }

    private static List<Received> getBatch(String store, List<String> keys) throws IOException {
        byte[] body = given().auth().oauth2(Tokens.reader()).contentType("application/json").body(Map.of("keys", keys))
                .when().post("/v1/stores/" + store + "/batch/get").then().statusCode(200).contentType(BatchResource.TAR)
                .extract().asByteArray();
        List<Received> received = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(body), "UTF-8")) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                received.add(new Received(e.getName(), e.getExtraPaxHeaders(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        }
        return received;
    }

    private static String get(String store, String key) {
        return given().auth().oauth2(Tokens.reader()).when().get("/v1/stores/" + store + "/objects/" + key)
                .then().statusCode(200).extract().asString();
    }

    private static byte[] tar(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, "UTF-8")) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setAddPaxHeadersForNonAsciiNames(true);
            for (Entry e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e.name(), e.folder() ? TarArchiveEntry.LF_DIR : TarArchiveEntry.LF_NORMAL, true);
                t.setSize(e.content().length);
                e.pax().forEach(t::addPaxHeader);
                out.putArchiveEntry(t);
                out.write(e.content());
                out.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    private static String header(Header h) {
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
