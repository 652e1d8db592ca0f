package io.syncvault.sync.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.support.TestInfrastructure;
import io.syncvault.platform.testing.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Sync items over REST: defaults, validation of local paths (roots, '..', symlinks, missing folders), roles. */
@QuarkusTest
class SyncItemResourceTest {

    static Path folder() throws IOException {
        return Files.createDirectories(TestInfrastructure.SYNC_ROOT.resolve("items").resolve(UUID.randomUUID().toString()));
    }

    static Map<String, Object> item(String localPath) {
        return Map.of("name", "docs", "localPath", localPath, "remotePrefix", "items/" + UUID.randomUUID());
    }

    @Test
    void createReadUpdateDelete() throws IOException {
        Path dir = folder();
        String id = given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(item(dir.toString())).when().post("/v1/sync/items").then().statusCode(201)
                .header("Location", containsString("/v1/sync/items/"))
                .body("localPath", equalTo(dir.toRealPath().toString()))
                .body("store", equalTo("default"))
                .body("direction", equalTo("BIDIRECTIONAL"))
                .body("conflictStrategy", equalTo("KEEP_BOTH"))
                .body("maxDeletePercent", equalTo(50))
                .body("versionsKept", equalTo(5))
                .body("enabled", equalTo(true))
                .extract().path("id");
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + id).then().statusCode(200)
                .body("name", equalTo("docs"));
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items").then().statusCode(200)
                .body("id", hasItem(id));

        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "docs2", "localPath", dir.toString(), "remotePrefix", "x/y/", "direction", "UPLOAD",
                        "conflictStrategy", "MANUAL", "excludeGlobs", List.of("*.tmp"), "intervalSeconds", 60,
                        "maxDeletePercent", 10, "maxFileSize", 1000, "enabled", false))
                // disabled: an enabled item with an interval that never ran is due at once, and a scheduled
                // run going when the delete below arrives would (rightly) make it 409
                .when().put("/v1/sync/items/" + id).then().statusCode(200)
                .body("enabled", equalTo(false))
                .body("name", equalTo("docs2")).body("remotePrefix", equalTo("x/y")).body("direction", equalTo("UPLOAD"))
                .body("excludeGlobs", equalTo(List.of("*.tmp"))).body("intervalSeconds", equalTo(60))
                .body("maxFileSize", equalTo(1000));

        given().auth().oauth2(Tokens.writer()).when().delete("/v1/sync/items/" + id).then().statusCode(204);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + id).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aSyncingItemKeepsItsFolderAndPrefixUntilTheRunEndsAndARunWhoseProcessDiedHoldsNothing() throws IOException {
        Path dir = folder();
        Map<String, Object> body = new java.util.HashMap<>(item(dir.toString()));
        body.put("enabled", false);
        String id = given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(body)
                .when().post("/v1/sync/items").then().statusCode(201).extract().path("id");
        // a run that is live: its heartbeat is fresh
        SyncRun run = new SyncRun();
        run.id = UUID.randomUUID();
        run.itemId = UUID.fromString(id);
        run.trigger = "MANUAL";
        run.node = "elsewhere";
        run.status = SyncRun.RUNNING;
        run.startedAt = Instant.now();
        run.heartbeatAt = run.startedAt;
        QuarkusTransaction.requiringNew().run(run::persist);

        // the journal is the one of this folder and prefix: a run still going by them would write it back
        Map<String, Object> moved = new java.util.HashMap<>(body);
        moved.put("remotePrefix", "elsewhere/" + UUID.randomUUID());
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(moved)
                .when().put("/v1/sync/items/" + id).then().statusCode(409).body("detail", containsString("syncing"));
        Map<String, Object> renamed = new java.util.HashMap<>(body);
        renamed.put("name", "renamed");
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(renamed)
                .when().put("/v1/sync/items/" + id).then().statusCode(200).body("name", equalTo("renamed"));
        given().auth().oauth2(Tokens.writer()).when().delete("/v1/sync/items/" + id).then().statusCode(409);

        // its process died: no heartbeat for longer than stale-run-after
        QuarkusTransaction.requiringNew().run(() -> SyncRun.update("heartbeatAt = ?1 where id = ?2",
                Instant.now().minus(Duration.ofHours(1)), run.id));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(moved)
                .when().put("/v1/sync/items/" + id).then().statusCode(200);
        given().auth().oauth2(Tokens.writer()).when().delete("/v1/sync/items/" + id).then().statusCode(204);
    }

    @Test
    void localPathsOutsideTheRootsAreRefused() throws IOException {
        Path dir = folder();
        badRequest(item(dir + "/../" + dir.getFileName()), "'..'");
        badRequest(item("/etc"), "outside the configured roots");
        badRequest(item("relative/path"), "absolute");
        Path outside = Files.createTempDirectory("sync-outside");
        Path link = Files.createSymbolicLink(dir.resolve("escape"), outside);
        badRequest(item(link.toString()), "outside the configured roots");
        Files.writeString(dir.resolve("file.txt"), "x");
        badRequest(item(dir.resolve("file.txt").toString()), "not a directory");
        badRequest(Map.of("name", "x", "localPath", dir.toString(), "remotePrefix", "a/../b"), "remotePrefix");
        badRequest(Map.of("name", "x", "localPath", dir.toString(), "includeGlobs", List.of("[")), "glob");
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "", "localPath", dir.toString())).when().post("/v1/sync/items").then().statusCode(400)
                .body("errors.field", hasItem("name"));
    }

    @Test
    void aMissingFolderIsRefusedUnlessItsCreationIsAsked() throws IOException {
        Path missing = folder().resolve("not/yet");
        badRequest(item(missing.toString()), "does not exist");
        assertThat(missing).doesNotExist();
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("name", "new", "localPath", missing.toString(), "createIfMissing", true))
                .when().post("/v1/sync/items").then().statusCode(201);
        assertThat(missing).isDirectory();
        // creating through a symlink that leaves the roots is refused and creates nothing outside
        Path outside = Files.createTempDirectory("sync-outside");
        Path link = Files.createSymbolicLink(folder().resolve("out"), outside);
        badRequest(Map.of("name", "x", "localPath", link.resolve("sub").toString(), "createIfMissing", true),
                "outside the configured roots");
        assertThat(outside.resolve("sub")).doesNotExist();
    }

    @Test
    void defaultItemsAreCreatedOnce() {
        List<String> first = given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/defaults").then()
                .statusCode(200).body("$", hasSize(3)).body("name", equalTo(List.of("sessions", "memory", "settings")))
                .body("remotePrefix", equalTo(List.of("codebuddy/sessions", "codebuddy/memory", "codebuddy/settings")))
                .body("[0].localPath", containsString(".codebuddy/sessions"))
                .extract().path("id");
        List<String> second = given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/defaults").then()
                .statusCode(200).extract().path("id");
        assertThat(second).isEqualTo(first);
    }

    @Test
    void rolesAreEnforced() throws IOException {
        given().contentType(ContentType.JSON).body(item(folder().toString())).when().post("/v1/sync/items").then()
                .statusCode(401);
        given().auth().oauth2(Tokens.reader()).contentType(ContentType.JSON).body(item(folder().toString()))
                .when().post("/v1/sync/items").then().statusCode(403);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + UUID.randomUUID()).then().statusCode(404)
                .body("type", notNullValue());
    }

    private static void badRequest(Map<String, Object> body, String detail) {
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(body).when().post("/v1/sync/items")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString(detail));
    }
}
