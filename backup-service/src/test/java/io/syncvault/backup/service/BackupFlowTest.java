package io.syncvault.backup.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.backup.Backup;
import io.syncvault.backup.support.Api;
import io.syncvault.platform.testing.Tokens;
import io.syncvault.backup.support.Trees;
import io.syncvault.gatewayhttp.GatewayLink;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Whole flows against the real gateway process, PostgreSQL and Kafka: backup, restore,
 * verify, damage, encryption, retention, delete, catalog rebuild and orphan cleanup.
 */
@QuarkusTest
class BackupFlowTest {

    private static final int PART = 16 * 1024;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    BackupService backups;

    @Test
    void roundTripsGeneratedTreesByteForByteWithTheirMtimesAndPublishesEvents() throws Exception {
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            ConsumerTask<String, String> events = kafka.consumeStrings().withGroupId("flow-" + UUID.randomUUID())
                    .withOffsetReset(OffsetResetStrategy.LATEST).fromTopics("backup.events");
            // trees of different shapes: many small files, and a file many parts long
            long[][] shapes = {{11, 2500, 3 * PART + 7}, {12, 40, 40L * PART + 1}};
            for (long[] shape : shapes) {
                String name = "tree-" + UUID.randomUUID();
                Path source = Api.root().resolve(name);
                Trees.generate(source, shape[0], (int) shape[1], shape[2]);
                String definitionId = Api.createDefinition(Api.definition(List.of(name),
                        Map.of("partSize", PART, "compression", shape[0] % 2 == 0 ? "ZSTD" : "GZIP")));

                String id = Api.backup(definitionId);

                assertThat(id).matches("\\d{8}T\\d{6}Z-[0-9a-f-]{36}");
                var backup = Api.get(id);
                assertThat(backup.getInt("manifest.formatVersion")).isEqualTo(1);
                assertThat(backup.getBoolean("manifest.encrypted")).isFalse();
                assertThat(backup.getList("manifest.parts")).hasSizeGreaterThan(1);
                assertThat(backup.getLong("progress.filesDone")).isEqualTo(backup.getLong("manifest.totals.files"));
                assertThat(Api.keys("default", "backups/" + id + "/")).contains("backups/" + id + "/manifest.json",
                        "backups/" + id + "/part-00000");

                Path target = Api.root().resolve("restored-" + UUID.randomUUID());
                given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                        .body(Map.of("targetPath", target.toString())).when().post("/v1/backups/" + id + "/restore")
                        .then().statusCode(200).body("refused.size()", equalTo(0));
                Trees.assertSameTree(source, target.resolve(name));

                given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                        .when().post("/v1/backups/" + id + "/verify").then().statusCode(200)
                        .body("ok", equalTo(true)).body("filesChecked", equalTo(backup.getInt("manifest.totals.files")));

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(types(events, id)).contains(
                        "io.syncvault.backup.backup_started", "io.syncvault.backup.backup_created",
                        "io.syncvault.backup.restore_started", "io.syncvault.backup.restore_completed",
                        "io.syncvault.backup.backup_verified"));
            }
            events.close();
        }
    }

    @Test
    void unencryptedPartsConcatenatedAreAPlainTarGzForTheSystemTar() throws Exception {
        String name = "plain-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        Trees.generate(source, 5, 30, 5L * PART);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART))));

        Path joined = Files.createTempFile("backup", ".tar.gz");
        try (OutputStream out = Files.newOutputStream(joined)) {
            for (String key : Api.keys("default", "backups/" + id + "/part-")) {
                out.write(given().auth().oauth2(Tokens.reader()).baseUri(Api.gatewayUrl())
                        .when().get("/v1/stores/default/objects/" + key).then().statusCode(200).extract().asByteArray());
            }
        }
        Path target = Files.createTempDirectory("by-tar");
        Process tar = new ProcessBuilder("tar", "-xzf", joined.toString(), "-C", target.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(output).isZero();
        Trees.assertSameTree(source, target.resolve(name));
    }

    @Test
    void anEncryptedStoreHoldsNoPlaintextAndRestoresTheTree() throws Exception {
        String name = "secret-" + UUID.randomUUID();
        Path source = Files.createDirectories(Api.root().resolve(name));
        String marker = "PLAINTEXT-MARKER-" + UUID.randomUUID();
        Files.writeString(source.resolve("notes.txt"), (marker + "\n").repeat(2000));
        Trees.write(source.resolve("random.bin"), new java.util.Random(1), 3 * PART);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name),
                Map.of("store", "secure", "partSize", PART, "compression", "NONE"))));

        assertThat(Api.get(id).getBoolean("manifest.encrypted")).isTrue();
        Path stored = Api.storeRoot("secure").resolve("backups").resolve(id);
        List<Path> parts;
        try (Stream<Path> s = Files.list(stored)) {
            parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
        }
        assertThat(parts).isNotEmpty();
        for (Path part : parts) {
            String raw = new String(Files.readAllBytes(part), StandardCharsets.ISO_8859_1);
            assertThat(raw).doesNotContain("PLAINTEXT-MARKER").doesNotContain("notes.txt");
        }

        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(200);
        Trees.assertSameTree(source, target.resolve(name));
    }

    /** A backup of a generated tree {@code name} under the first root, in parts of {@link #PART}, uncompressed. */
    private static String uncompressedBackup(String name, long seed, int files, long largest) throws IOException {
        Trees.generate(Api.root().resolve(name), seed, files, largest);
        return Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART, "compression", "NONE"))));
    }

    /** Damages one byte of a stored part (the default store is a local folder). */
    private static void damage(String backupId, String partName, long at) throws IOException {
        Path part = Api.storeRoot("default").resolve("backups").resolve(backupId).resolve(partName);
        try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5a);
        }
    }

    @Test
    void aTamperedPartIsNamedByVerifyAndRestoreAndNothingHalfRestoredIsLeft() throws Exception {
        String name = "tamper-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        String id = uncompressedBackup(name, 21, 10, 8L * PART);
        damage(id, "part-00003", 100);

        given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                .when().post("/v1/backups/" + id + "/verify").then().statusCode(200)
                .body("ok", equalTo(false)).body("badParts[0].part", equalTo("part-00003"))
                .body("badParts.part", not(hasItem("part-00002")));
        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(422)
                .body("part", equalTo("part-00003")).body("detail", containsString("part-00003"));
        assertOnlyCompleteFiles(source.getParent(), target);
    }

    @Test
    void aRestoreOrVerifyAskedForAsynchronouslyIsFollowedToItsReportOrItsProblem() throws Exception {
        String name = "async-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        String id = uncompressedBackup(name, 31, 10, 6L * PART);
        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        String location = given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .header("Prefer", "respond-async").body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(202)
                .header("Preference-Applied", "respond-async").header("Location", containsString("/v1/backup-operations/"))
                .body("kind", equalTo("RESTORE")).body("backupId", equalTo(id)).body("request.targetPath", equalTo(target.toString()))
                .extract().header("Location");
        JsonPath restored = given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60).when().get(location).then()
                .statusCode(200).body("status", equalTo("SUCCEEDED")).extract().jsonPath();
        assertThat(restored.getString("result.restoreId")).isEqualTo(restored.getString("id"));
        assertThat(restored.getLong("progress.filesTotal")).isPositive().isEqualTo(restored.getLong("result.files"));
        assertThat(restored.getLong("progress.bytesDone")).isEqualTo(restored.getLong("progress.bytesTotal"));
        assertThat(restored.getString("endedAt")).isNotNull();
        Trees.assertSameTree(source, target.resolve(name));

        // checked before it is accepted: an unknown backup and a target outside the roots are answered at once
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).header("Prefer", "respond-async")
                .body(Map.of("targetPath", target.toString())).when().post("/v1/backups/no-such-backup/restore").then()
                .statusCode(404);
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).header("Prefer", "respond-async")
                .body(Map.of("targetPath", "/etc")).when().post("/v1/backups/" + id + "/restore").then().statusCode(422);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/backup-operations/" + UUID.randomUUID()).then().statusCode(404);

        // a damaged part: the verification succeeds and reports it, the restore fails with the 422 it would answer
        damage(id, "part-00002", 10);
        String verify = given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).header("Prefer", "respond-async")
                .body(Map.of()).when().post("/v1/backups/" + id + "/verify").then().statusCode(202)
                .body("kind", equalTo("VERIFY")).extract().header("Location");
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60).when().get(verify).then().statusCode(200)
                .body("status", equalTo("SUCCEEDED")).body("result.ok", equalTo(false))
                .body("result.badParts[0].part", equalTo("part-00002"));
        String failed = given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).header("Prefer", "respond-async")
                .body(Map.of("targetPath", Api.root().resolve("restored-" + UUID.randomUUID()).toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(202).extract().header("Location");
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60).when().get(failed).then().statusCode(200)
                .body("status", equalTo("FAILED")).body("result", org.hamcrest.Matchers.nullValue())
                .body("problem.status", equalTo(422)).body("problem.type", equalTo("urn:syncvault:problem:backup-corrupt"))
                .body("problem.part", equalTo("part-00002"));
    }

    @Test
    void anOperationWhoseHeartbeatStoppedIsReadAsInterrupted() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            io.syncvault.backup.BackupOperation op = new io.syncvault.backup.BackupOperation();
            op.id = id;
            op.kind = io.syncvault.backup.BackupOperation.Kind.RESTORE;
            op.backupId = "b";
            op.status = io.syncvault.backup.BackupOperation.Status.RUNNING;
            op.startedAt = Instant.now().minus(Duration.ofMinutes(10));
            // another instance that ran it stopped reporting ten minutes ago (orphan-grace is 2 minutes)
            op.heartbeatAt = op.startedAt;
            op.request = Map.of();
            op.persist();
        });
        given().auth().oauth2(Tokens.reader()).when().get("/v1/backup-operations/" + id).then().statusCode(200)
                .body("status", equalTo("FAILED")).body("problem.type", equalTo("urn:syncvault:problem:operation-interrupted"))
                .body("endedAt", org.hamcrest.Matchers.notNullValue());
        // and stays so
        assertThat(QuarkusTransaction.requiringNew().call(() -> io.syncvault.backup.BackupOperation
                .<io.syncvault.backup.BackupOperation>findById(id).status)).isEqualTo(io.syncvault.backup.BackupOperation.Status.FAILED);
    }

    @Test
    void aGatewayOutageDuringVerifyOrRestoreIsA503ThatSaysNothingAboutTheBackup() throws Exception {
        String name = "outage-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        String id = uncompressedBackup(name, 23, 12, 8L * PART);
        int parts = Api.get(id).getList("manifest.parts").size();
        assertThat(parts).isGreaterThanOrEqualTo(6);
        // what goes through the link before the parts: the manifest and the headers of its answer
        long manifest = given().auth().oauth2(Tokens.reader()).baseUri(Api.gatewayUrl())
                .when().get("/v1/stores/default/objects/backups/" + id + "/manifest.json").then().statusCode(200)
                .extract().asByteArray().length + 1024L;
        try {
            // cut while a part streams: the service cannot tell whether the rest is whole
            Path target = Api.root().resolve("restored-" + UUID.randomUUID());
            GatewayLink.cutAfter(manifest + 9L * PART / 2);
            given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                    .body(Map.of("targetPath", target.toString())).when().post("/v1/backups/" + id + "/restore")
                    .then().statusCode(503).body("type", equalTo("urn:syncvault:problem:gateway-unavailable"))
                    .body("detail", containsString("part-0000"));
            assertOnlyCompleteFiles(source.getParent(), target);

            GatewayLink.cutAfter(manifest + 5L * PART / 2);
            given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                    .when().post("/v1/backups/" + id + "/verify").then().statusCode(503)
                    .body("type", equalTo("urn:syncvault:problem:gateway-unavailable"))
                    .body("detail", containsString("part-0000"));

            GatewayLink.cut();
            given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                    .when().post("/v1/backups/" + id + "/verify").then().statusCode(503);
        } finally {
            GatewayLink.mend();
        }
        // nothing was held against the backup: once the gateway is reachable it verifies and restores whole
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                .contentType(ContentType.JSON).body(Map.of()).when().post("/v1/backups/" + id + "/verify")
                .then().statusCode(200).body("ok", equalTo(true)).body("partsChecked", equalTo(parts)));
        assertThat(Api.get(id).getString("status")).isEqualTo("COMPLETED");
        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(200);
        Trees.assertSameTree(source, target.resolve(name));
    }

    @Test
    void aPartThatStopsArrivingOnAnOpenConnectionEndsTheRestoreWithA503InsteadOfHangingIt() throws Exception {
        String name = "stall-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        Trees.generate(source, 24, 2, 16L * PART);
        long partSize = 4L * PART;
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name),
                Map.of("partSize", partSize, "compression", "NONE"))));
        assertThat(Api.get(id).getList("manifest.parts").size()).isGreaterThanOrEqualTo(4);
        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        try {
            // the gateway's bytes stop in the middle of the second part (whatever the manifest and the headers
            // before it weigh: they are far smaller than half a part); the connection stays open
            GatewayLink.stallAfter(partSize * 3 / 2);
            given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                    .body(Map.of("targetPath", target.toString())).when().post("/v1/backups/" + id + "/restore")
                    .then().statusCode(503).body("type", equalTo("urn:syncvault:problem:gateway-unavailable"))
                    .body("detail", containsString("part-0000")).body("detail", containsString("no byte of the answer"));
        } finally {
            GatewayLink.mend();
        }
        assertOnlyCompleteFiles(source.getParent(), target);
        // the backup was not blamed: it restores whole once the bytes flow
        Path again = Api.root().resolve("restored-" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", again.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(200);
        Trees.assertSameTree(source, again.resolve(name));
        assertThat(Api.get(id).getString("status")).isEqualTo("COMPLETED");
    }

    @Test
    void aMissingPartAndAMissingManifestAreNamed() throws Exception {
        String name = "missing-" + UUID.randomUUID();
        Path source = Api.root().resolve(name);
        Trees.generate(source, 22, 10, 6L * PART);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART))));
        gatewayDelete("backups/" + id + "/part-00002");

        given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                .when().post("/v1/backups/" + id + "/verify").then().statusCode(200)
                .body("ok", equalTo(false)).body("badParts.part", hasItem("part-00002"))
                .body("badParts.find { it.part == 'part-00002' }.reason", containsString("missing"));
        Path target = Api.root().resolve("restored-" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(422)
                .body("part", equalTo("part-00002")).body("detail", containsString("part-00002 is missing"));
        assertOnlyCompleteFiles(source.getParent(), target);

        gatewayDelete("backups/" + id + "/manifest.json");
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(404)
                .body("type", equalTo("urn:syncvault:problem:manifest-missing"))
                .body("detail", containsString("manifest.json"));
        given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(Map.of())
                .when().post("/v1/backups/" + id + "/verify").then().statusCode(404);
        // without a manifest it does not exist: a rebuilt catalog drops it
        given().auth().oauth2(Tokens.admin()).when().post("/v1/backups/catalog/rebuild").then().statusCode(200);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + id).then().statusCode(404);
    }

    @Test
    void aTargetThatCannotBeWrittenIsA500NamingThePathNotADamagedBackup() throws Exception {
        String name = "blocked-" + UUID.randomUUID();
        writeSmallTree(name);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of())));
        // where the backup's folder goes, the target already holds a plain file
        Path target = Files.createDirectories(Api.root().resolve("restored-" + UUID.randomUUID()));
        Files.writeString(target.resolve(name), "a file where the folder goes");
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", target.toString()))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(500)
                .body("type", equalTo("urn:syncvault:problem:restore-failed"))
                .body("detail", containsString("cannot write " + target.resolve(name)));
    }

    @Test
    void retentionKeepsTheNewestAndDryRunOnlyReports() {
        String name = "keep-" + UUID.randomUUID();
        writeSmallTree(name);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("maxBackups", 2)));
        String first = Api.backup(definitionId);
        String second = Api.backup(definitionId);
        String third = Api.backup(definitionId);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                .queryParam("definitionId", definitionId).when().get("/v1/backups").then().statusCode(200)
                .body("items.id", equalTo(List.of(third, second))));
        assertThat(Api.keys("default", "backups/" + first + "/")).isEmpty();

        String keepOne = Api.createDefinition(Api.definition(List.of(name), Map.of("keepLast", 1)));
        String a = Api.backup(keepOne);
        // retention after this run removes a; a dry run over the remaining one deletes nothing
        String b = Api.backup(keepOne);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Api.keys("default", "backups/" + a + "/")).isEmpty());
        given().auth().oauth2(Tokens.writer()).queryParam("dryRun", true)
                .when().post("/v1/backup/definitions/" + keepOne + "/retention").then().statusCode(200)
                .body("keep", equalTo(List.of(b))).body("delete", equalTo(List.of()));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Api.definition(List.of(name), Map.of("keepLast", 0, "maxBackups", 0)))
                .when().put("/v1/backup/definitions/" + keepOne).then().statusCode(200);
    }

    @Test
    void dryRunListsWhatWouldGoWithoutDeleting() {
        String name = "dry-" + UUID.randomUUID();
        writeSmallTree(name);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of()));
        String older = Api.backup(definitionId);
        String newer = Api.backup(definitionId);
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Api.definition(List.of(name), Map.of("keepLast", 1)))
                .when().put("/v1/backup/definitions/" + definitionId).then().statusCode(200);

        given().auth().oauth2(Tokens.writer()).queryParam("dryRun", true)
                .when().post("/v1/backup/definitions/" + definitionId + "/retention").then().statusCode(200)
                .body("keep", equalTo(List.of(newer))).body("delete", equalTo(List.of(older)));
        assertThat(Api.keys("default", "backups/" + older + "/")).contains("backups/" + older + "/manifest.json");

        given().auth().oauth2(Tokens.writer())
                .when().post("/v1/backup/definitions/" + definitionId + "/retention").then().statusCode(200)
                .body("delete", equalTo(List.of(older)));
        assertThat(Api.keys("default", "backups/" + older + "/")).isEmpty();
    }

    @Test
    void deleteRemovesManifestRowAndParts() {
        String name = "del-" + UUID.randomUUID();
        writeSmallTree(name);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of())));
        given().auth().oauth2(Tokens.writer()).when().delete("/v1/backups/" + id).then().statusCode(204);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + id).then().statusCode(404);
        assertThat(Api.keys("default", "backups/" + id + "/")).isEmpty();
        given().auth().oauth2(Tokens.writer()).when().delete("/v1/backups/" + id).then().statusCode(404);
    }

    @Test
    void theCatalogIsRebuiltFromTheManifests() {
        String name = "cat-" + UUID.randomUUID();
        writeSmallTree(name);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(name), Map.of())));
        QuarkusTransaction.requiringNew().run(() -> Backup.deleteById(id));
        given().auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + id).then().statusCode(404);

        given().auth().oauth2(Tokens.admin()).when().post("/v1/backups/catalog/rebuild").then().statusCode(200);

        var rebuilt = Api.get(id);
        assertThat(rebuilt.getString("status")).isEqualTo("COMPLETED");
        assertThat(rebuilt.getString("manifest.id")).isEqualTo(id);
        given().auth().oauth2(Tokens.writer()).when().post("/v1/backups/catalog/rebuild").then().statusCode(403);
    }

    @Test
    void aBackupIsAwaitedInOneRequestAndAWaitOutOfRangeIsRefused() throws Exception {
        String name = "awaited-" + UUID.randomUUID();
        Trees.generate(Api.root().resolve(name), 21, 300, 4L * PART);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART)));
        String id = Api.start(definitionId);

        // one request answers once the backup is over: no RUNNING answer to poll again
        var backup = given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60).when().get("/v1/backups/" + id)
                .then().statusCode(200).body("status", equalTo("COMPLETED")).extract().jsonPath();
        assertThat(backup.getLong("manifest.totals.files")).isGreaterThan(300);
        assertThat(backup.getLong("progress.filesDone")).isEqualTo(backup.getLong("manifest.totals.files"));

        for (String wait : List.of("61", "-1")) {
            given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", wait).when().get("/v1/backups/" + id)
                    .then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 5).when().get("/v1/backups/no-such-backup")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void aBackupAnotherInstanceRunsIsAwaitedByReadingItAgain() {
        String definitionId = Api.createDefinition(Api.definition(List.of("elsewhere"), Map.of()));
        // a RUNNING row as another instance leaves it: nothing runs it here
        String id = BackupService.newId(java.time.Instant.now());
        QuarkusTransaction.requiringNew().run(() -> {
            Backup b = new Backup();
            b.id = id;
            b.definitionId = UUID.fromString(definitionId);
            b.definitionName = "elsewhere";
            b.store = "default";
            b.status = Backup.Status.RUNNING;
            b.createdAt = java.time.Instant.now();
            b.heartbeatAt = b.createdAt;
            b.persist();
        });
        assertThat(backups.await(id, Duration.ofMillis(500)).status).as("the wait ran out").isEqualTo(Backup.Status.RUNNING);

        java.util.concurrent.CompletableFuture.runAsync(() -> QuarkusTransaction.requiringNew().run(() -> {
            Backup b = Backup.findById(id);
            b.status = Backup.Status.FAILED;
            b.error = "ended elsewhere";
        }), java.util.concurrent.CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
        long start = System.nanoTime();
        Backup ended = backups.await(id, Duration.ofSeconds(30));
        assertThat(ended.status).isEqualTo(Backup.Status.FAILED);
        assertThat(ended.error).isEqualTo("ended elsewhere");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered when the row changed, not at the end of the wait")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void orphanPartsWithoutAManifestAreCleanedUp() {
        String orphan = "20200101T000000Z-" + UUID.randomUUID();
        given().auth().oauth2(Tokens.writer()).baseUri(Api.gatewayUrl()).contentType("application/octet-stream")
                .body("left by a run that died".getBytes(StandardCharsets.UTF_8))
                .when().put("/v1/stores/default/objects/backups/" + orphan + "/part-00000").then().statusCode(201);

        given().auth().oauth2(Tokens.admin()).when().post("/v1/backups/cleanup").then().statusCode(200)
                .body("removed", hasItem(orphan));
        assertThat(Api.keys("default", "backups/" + orphan + "/")).isEmpty();
    }

    @Test
    void definitionsAreValidatedAndPathsConfinedToTheRoots() {
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "x-" + UUID.randomUUID(), "items", List.of("/etc")))
                .when().post("/v1/backup/definitions").then().statusCode(422).body("detail", containsString("outside"));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "x-" + UUID.randomUUID(), "items", List.of("a/../../b")))
                .when().post("/v1/backup/definitions").then().statusCode(422);
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "x-" + UUID.randomUUID(), "items", List.of("a"), "scheduleCron", "not a cron"))
                .when().post("/v1/backup/definitions").then().statusCode(400);
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("items", List.of("a")))
                .when().post("/v1/backup/definitions").then().statusCode(400);
        given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON)
                .body(Map.of("name", "x-" + UUID.randomUUID(), "items", List.of("a")))
                .when().post("/v1/backup/definitions").then().statusCode(403);
        String name = "dup-" + UUID.randomUUID();
        Api.createDefinition(Map.of("name", name, "items", List.of("a")));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("name", name, "items", List.of("b")))
                .when().post("/v1/backup/definitions").then().statusCode(409);

        String item = "confine-" + UUID.randomUUID();
        writeSmallTree(item);
        String id = Api.backup(Api.createDefinition(Api.definition(List.of(item), Map.of())));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("targetPath", "/tmp/elsewhere"))
                .when().post("/v1/backups/" + id + "/restore").then().statusCode(422);
    }

    @Test
    void theDefaultDefinitionHasTheOriginalItemsAndRetention() {
        QuarkusTransaction.requiringNew().run(() -> io.syncvault.backup.BackupDefinition.delete("name", "default"));
        given().auth().oauth2(Tokens.writer()).when().post("/v1/backup/definitions/defaults").then().statusCode(201)
                .body("items", equalTo(List.of(".codebuddy/sessions", ".codebuddy/memory", ".codebuddy/settings")))
                .body("maxBackups", equalTo(5)).body("scheduleInterval", equalTo("1h"));
    }

    @Test
    void definitionsGivenOneNameAtTheSameMomentMakeOneAndTheOthersAre409() throws Exception {
        Map<String, Object> body = Api.definition(List.of("same-name"), Map.of());
        List<Integer> statuses = Api.together(6, () -> given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(body).when().post("/v1/backup/definitions").statusCode());
        assertThat(statuses).as("one made, the others told the name is taken").containsOnly(201, 409)
                .filteredOn(s -> s == 201).hasSize(1);
        // renaming two definitions to one new name at the same moment: one takes it
        String first = Api.createDefinition(Api.definition(List.of("same-name"), Map.of()));
        String second = Api.createDefinition(Api.definition(List.of("same-name"), Map.of()));
        Map<String, Object> renamed = Api.definition(List.of("same-name"), Map.of());
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
        List<Integer> renames = Api.together(2, () -> given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(renamed).when().put("/v1/backup/definitions/" + (turn.getAndIncrement() == 0 ? first : second))
                .statusCode());
        assertThat(renames).containsExactlyInAnyOrder(200, 409);
    }

    @Test
    void startsOfOneDefinitionAtTheSameMomentStartOneBackup() throws Exception {
        String name = "together-" + UUID.randomUUID();
        Trees.generate(Api.root().resolve(name), 22, 300, 16L * PART);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART)));
        List<Integer> statuses = Api.together(6, () -> given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("definitionId", definitionId)).when().post("/v1/backups").statusCode());
        assertThat(statuses).as("one start, the others told one runs").containsOnly(202, 409)
                .filteredOn(s -> s == 202).hasSize(1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                .queryParam("definitionId", definitionId).queryParam("status", "RUNNING").when().get("/v1/backups")
                .then().body("total", equalTo(0)));
        given().auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId).when().get("/v1/backups")
                .then().body("total", equalTo(1));
    }

    @Test
    void ticksOfOneScheduleOnSeveralInstancesStartOneBackupPerPeriod() throws Exception {
        String name = "ticks-" + UUID.randomUUID();
        writeSmallTree(name);
        UUID definitionId = UUID.fromString(Api.createDefinition(Api.definition(List.of(name), Map.of())));
        Instant tick = Instant.parse("2026-01-01T03:00:00Z");
        Duration period = Duration.ofHours(1);

        // a cron tick: every instance fires for the same moment; one starts the backup, the others see it
        List<String> started = Api.together(3, () -> backups.startScheduled(definitionId, tick, period));
        assertThat(started).as("one backup per tick").filteredOn(java.util.Objects::nonNull).hasSize(1);
        awaitNoneRunning(definitionId);
        // interval schedules fire at each instance's own moments: a tick within half a period of the one that
        // started a backup is covered by it, a later one starts the next
        assertThat(backups.startScheduled(definitionId, tick.plus(Duration.ofMinutes(25)), period)).isNull();
        String next = backups.startScheduled(definitionId, tick.plus(Duration.ofMinutes(35)), period);
        assertThat(next).isNotNull();
        awaitNoneRunning(definitionId);
        // a start asked for by a request is not a tick: it runs whatever the schedule did
        assertThat(backups.start(definitionId, "api")).isNotNull();
        awaitNoneRunning(definitionId);

        assertThat(QuarkusTransaction.requiringNew().call(() -> Backup.<Backup>list("definitionId", definitionId))
                .stream().map(b -> b.scheduleFiredAt == null ? "request" : b.scheduleFiredAt.toString()).toList())
                .containsExactlyInAnyOrder("2026-01-01T03:00:00Z", "2026-01-01T03:35:00Z", "request");
    }

    private static void awaitNoneRunning(UUID definitionId) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                .queryParam("definitionId", definitionId.toString()).queryParam("status", "RUNNING").when()
                .get("/v1/backups").then().body("total", equalTo(0)));
    }

    @Test
    void aRunGivenUpAsDeadWhileItRunsWritesNoManifestAndEndsFailed() throws Exception {
        String name = "given-up-" + UUID.randomUUID();
        Trees.generate(Api.root().resolve(name), 21, 400, 64L * PART);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("partSize", PART)));
        String id = Api.start(definitionId);
        // as another instance's orphan cleanup does with a run whose heartbeat it found stale; its parts may go
        QuarkusTransaction.requiringNew().run(() -> Backup.update("status = ?1, error = ?2 where id = ?3",
                Backup.Status.FAILED, "the run stopped (process ended) before the manifest was written", id));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(Api.get(id).getString("error"))
                .contains("given up as dead while it ran"));
        assertThat(Api.get(id).getString("status")).isEqualTo("FAILED");
        assertThat(Api.keys("default", "backups/" + id + "/")).doesNotContain("backups/" + id + "/manifest.json");
    }

    @Test
    void heartbeatsAreRenewedForTheRunsNamedAndStillRunningOnly() {
        Instant old = Instant.now().minus(Duration.ofHours(1));
        List<String> ids = List.of("hb-" + UUID.randomUUID(), "hb-" + UUID.randomUUID(), "hb-" + UUID.randomUUID());
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < ids.size(); i++) {
                Backup b = new Backup();
                b.id = ids.get(i);
                b.definitionId = UUID.randomUUID();
                b.definitionName = "heartbeat";
                b.store = "default";
                b.status = i == 2 ? Backup.Status.FAILED : Backup.Status.RUNNING;
                b.createdAt = old;
                b.heartbeatAt = old;
                b.persist();
            }
        });
        try {
            // the first runs here; the second is another instance's; the third was given up
            assertThat(backups.renewHeartbeats(java.util.Set.of(ids.get(0), ids.get(2)))).isEqualTo(1);
            Map<String, Instant> beats = QuarkusTransaction.requiringNew().call(() -> Backup.<Backup>list("id in ?1", ids)
                    .stream().collect(java.util.stream.Collectors.toMap(b -> b.id, b -> b.heartbeatAt)));
            assertThat(beats.get(ids.get(0))).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
            assertThat(beats.get(ids.get(1))).isBefore(Instant.now().minus(Duration.ofMinutes(30)));
            assertThat(beats.get(ids.get(2))).isBefore(Instant.now().minus(Duration.ofMinutes(30)));
        } finally {
            QuarkusTransaction.requiringNew().run(() -> Backup.delete("id in ?1", ids));
        }
    }

    @Test
    void anIntervalScheduleStartsBackups() {
        scheduleStartsBackups(Map.of("scheduleInterval", "2s", "keepLast", 2));
    }

    @Test
    void aCronScheduleStartsBackups() {
        // Quartz syntax with seconds: every third second
        scheduleStartsBackups(Map.of("scheduleCron", "*/3 * * * * ?", "keepLast", 2));
    }

    private void scheduleStartsBackups(Map<String, Object> schedule) {
        String name = "sched-" + UUID.randomUUID();
        writeSmallTree(name);
        Map<String, Object> body = Api.definition(List.of(name), schedule);
        String definitionId = Api.createDefinition(body);
        Map<String, Object> disabled = new java.util.HashMap<>(body);
        disabled.put("enabled", false);
        try {
            // one tick after the other starts a backup (a tick leaves a backup only to another instance's tick)
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                    .queryParam("definitionId", definitionId).when().get("/v1/backups").then().statusCode(200)
                    .body("total", org.hamcrest.Matchers.greaterThanOrEqualTo(2)));
        } finally {
            given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(disabled)
                    .when().put("/v1/backup/definitions/" + definitionId).then().statusCode(200)
                    .body("enabled", equalTo(false));
        }
    }

    @Test
    void aCompletedSyncOfTheChosenItemStartsOneBackupPerEvent() {
        String name = "synced-" + UUID.randomUUID();
        writeSmallTree(name);
        String item = "sync-item-" + UUID.randomUUID();
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("triggerSyncItemId", item)));
        String eventId = UUID.randomUUID().toString();
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            for (int i = 0; i < 2; i++) { // the same event twice: at-least-once delivery
                var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
                headers.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
                headers.add("ce_id", eventId.getBytes(StandardCharsets.UTF_8));
                headers.add("ce_type", "io.syncvault.sync.sync_completed".getBytes(StandardCharsets.UTF_8));
                headers.add("ce_source", "/syncvault/sync-service".getBytes(StandardCharsets.UTF_8));
                headers.add("ce_subject", item.getBytes(StandardCharsets.UTF_8));
                headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
                kafka.produceStrings().fromRecords(new org.apache.kafka.clients.producer.ProducerRecord<>(
                        "sync.events", null, item, "{\"itemId\":\"" + item + "\"}", headers)).awaitCompletion();
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(Tokens.reader())
                .queryParam("definitionId", definitionId).when().get("/v1/backups").then().statusCode(200)
                .body("total", equalTo(1)));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> given()
                .auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId).queryParam("status", "RUNNING")
                .when().get("/v1/backups").then().body("total", equalTo(0)));
        given().auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId).when().get("/v1/backups")
                .then().body("total", equalTo(1));
    }

    @Test
    void aBackupToAnUnknownStoreFailsWithAClearErrorAndIsNotListed() {
        String name = "nostore-" + UUID.randomUUID();
        writeSmallTree(name);
        String definitionId = Api.createDefinition(Api.definition(List.of(name), Map.of("store", "no-such-store")));
        String id = Api.start(definitionId);

        await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(Api.get(id).getString("status")));
        assertThat(Api.get(id).getString("error")).contains("no-such-store");
        given().auth().oauth2(Tokens.reader()).queryParam("definitionId", definitionId).when().get("/v1/backups")
                .then().statusCode(200).body("total", equalTo(0));
        given().auth().oauth2(Tokens.admin()).queryParam("store", "no-such-store").when().post("/v1/backups/cleanup")
                .then().statusCode(404).body("detail", containsString("404"));
    }

    private static void writeSmallTree(String name) {
        try {
            Path dir = Files.createDirectories(Api.root().resolve(name));
            Files.writeString(dir.resolve("a.txt"), "a " + name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void gatewayDelete(String key) {
        given().auth().oauth2(Tokens.writer()).baseUri(Api.gatewayUrl())
                .when().delete("/v1/stores/default/objects/" + key).then().statusCode(204);
    }

    private static List<String> types(ConsumerTask<String, String> events, String subject) {
        return events.getRecords().stream().filter(r -> subject.equals(r.key())).map(BackupFlowTest::type).toList();
    }

    private static String type(ConsumerRecord<String, String> r) {
        var h = r.headers().lastHeader("ce_type");
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** No temp names, and every file under target is identical to its source (source root = parent of the item). */
    private static void assertOnlyCompleteFiles(Path sourceRoot, Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        try (Stream<Path> s = Files.walk(target)) {
            for (Path p : s.toList()) {
                assertThat(p.getFileName().toString()).doesNotContain(".svrestore-");
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    assertThat(Trees.sha256(p)).as("%s is complete", p)
                            .isEqualTo(Trees.sha256(sourceRoot.resolve(target.relativize(p).toString())));
                }
            }
        }
    }
}
