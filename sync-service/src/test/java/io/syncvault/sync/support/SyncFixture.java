package io.syncvault.sync.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.quarkus.arc.Arc;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.syncvault.platform.testing.Tokens;
import io.syncvault.sync.client.GatewayException;
import io.syncvault.sync.client.ListPage;
import io.syncvault.sync.client.ObjectVersion;
import io.syncvault.sync.client.RemoteObject;
import io.syncvault.sync.client.StorageGatewayClient;
import io.syncvault.sync.service.LocalScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/** Helpers for flow tests: items over REST, runs awaited to their end, both sides read and written for real. */
public final class SyncFixture {

    private SyncFixture() {
    }

    public static Path newFolder() {
        try {
            return Files.createDirectories(TestInfrastructure.SYNC_ROOT.resolve("flows").resolve(UUID.randomUUID().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String newPrefix() {
        return "t/" + UUID.randomUUID();
    }

    public static Map<String, Object> spec(Path dir, String prefix, String direction, String strategy) {
        Map<String, Object> m = new HashMap<>();
        m.put("name", "flow " + direction + " " + strategy);
        m.put("localPath", dir.toString());
        m.put("remotePrefix", prefix);
        m.put("direction", direction);
        m.put("conflictStrategy", strategy);
        m.put("maxDeletePercent", 100);
        m.put("versionsKept", 50);
        // auto-sync off: the tests decide when runs happen
        m.put("enabled", false);
        return m;
    }

    public static String createItem(Map<String, Object> spec) {
        return given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(spec)
                .when().post("/v1/sync/items").then().statusCode(201).extract().path("id");
    }

    /** Starts a run (waiting for a running one to end first) and waits for it to finish; returns the run. */
    public static JsonPath runAndWait(String itemId) {
        String runId = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var r = given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/" + itemId + "/run");
            return r.statusCode() == 202 ? r.jsonPath().getString("runId") : null;
        }, id -> id != null);
        return awaitRun(runId);
    }

    public static JsonPath awaitRun(String runId) {
        return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(
                () -> given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/runs/" + runId).then().statusCode(200)
                        .extract().jsonPath(),
                run -> !"RUNNING".equals(run.getString("status")));
    }

    // ---------- local side ----------

    public static void write(Path dir, String rel, String content, long mtimeMillis) {
        try {
            Path f = dir.resolve(rel);
            Files.createDirectories(f.getParent());
            Files.writeString(f, content);
            Files.setLastModifiedTime(f, FileTime.fromMillis(mtimeMillis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Relative path → content of every file (temp files of a download would show up too: none must be left). */
    public static Map<String, String> localTree(Path dir) {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    tree.put(dir.relativize(f).toString().replace('\\', '/'), Files.readString(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tree;
    }

    public static boolean hasTempFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith(LocalScanner.TEMP_PREFIX));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------- remote side, through the real gateway ----------

    static StorageGatewayClient gateway() {
        return Arc.container().instance(StorageGatewayClient.class).get();
    }

    /** Writes an object as another device would (origin "other-device"), replacing whatever version is there. */
    public static String putRemote(String key, String content, long mtimeMillis) {
        return putRemote(key, content, mtimeMillis, "other-device");
    }

    /** Writes an object under the given origin (an item's id: its own write, which push does not announce to it). */
    public static String putRemote(String key, String content, long mtimeMillis, String origin) {
        try {
            Path tmp = Files.createTempFile("remote", ".bin");
            Files.writeString(tmp, content);
            String sha = LocalScanner.sha256(tmp);
            Optional<RemoteObject> current = gateway().head("default", key);
            RemoteObject o = gateway().put("default", key, tmp, sha, mtimeMillis, current.map(RemoteObject::versionTag).orElse(null),
                    origin, 50);
            Files.delete(tmp);
            return o.versionTag();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void deleteRemote(String key) {
        gateway().delete("default", key, null, "other-device", 50);
    }

    /** Relative path (under {@code prefix}/) → content of every object. */
    public static Map<String, String> remoteTree(String prefix) {
        Map<String, String> tree = new TreeMap<>();
        String cursor = null;
        do {
            ListPage page = gateway().list("default", prefix + "/", cursor);
            for (RemoteObject o : page.items()) {
                tree.put(o.key().substring(prefix.length() + 1), readRemote(o.key()));
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return tree;
    }

    /** Relative paths (under {@code prefix}/) of every object, without reading them. */
    public static java.util.Set<String> remoteKeys(String prefix) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        String cursor = null;
        do {
            ListPage page = gateway().list("default", prefix + "/", cursor);
            page.items().forEach(o -> keys.add(o.key().substring(prefix.length() + 1)));
            cursor = page.nextCursor();
        } while (cursor != null);
        return keys;
    }

    public static String readRemote(String key) {
        try {
            Path tmp = Files.createTempFile("remote", ".bin");
            gateway().get("default", key, null, tmp);
            String s = Files.readString(tmp, StandardCharsets.UTF_8);
            Files.delete(tmp);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<ObjectVersion> versions(String key) {
        try {
            return gateway().versions("default", key);
        } catch (GatewayException.Missing e) {
            return List.of();
        }
    }
}
