package io.syncvault.backup.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.syncvault.gatewayhttp.GatewayLink;
import io.syncvault.platform.testing.Tokens;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;

/** Small helpers over this service's REST API and the real gateway, for flow tests. */
public final class Api {

    private Api() {
    }

    /** The gateway itself (the service reaches it through a {@link GatewayLink}). */
    public static String gatewayUrl() {
        return ConfigProvider.getConfig().getValue("syncvault.test.gateway.url", String.class);
    }

    public static java.nio.file.Path root() {
        return java.nio.file.Path.of(ConfigProvider.getConfig().getValue("syncvault.backup.roots", String.class));
    }

    public static java.nio.file.Path storeRoot(String store) {
        return java.nio.file.Path.of(ConfigProvider.getConfig()
                .getValue("syncvault.test.gateway." + store + "-root", String.class));
    }

    /** A definition body with a unique name; {@code extra} overrides or adds fields. */
    public static Map<String, Object> definition(List<String> items, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "def-" + UUID.randomUUID());
        body.put("items", items);
        body.putAll(extra);
        return body;
    }

    public static String createDefinition(Map<String, Object> body) {
        return given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(body)
                .when().post("/v1/backup/definitions").then().statusCode(201).extract().path("id");
    }

    /** Starts a backup (202); returns its id at once. */
    public static String start(String definitionId) {
        return given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("definitionId", definitionId)).when().post("/v1/backups")
                .then().statusCode(202).extract().path("id");
    }

    /** Starts a backup and waits until it is COMPLETED; returns its id. */
    public static String backup(String definitionId) {
        String id = start(definitionId);
        await().atMost(Duration.ofMinutes(3)).until(() -> {
            String status = get(id).getString("status");
            if ("FAILED".equals(status)) {
                throw new AssertionError("backup " + id + " failed: " + get(id).getString("error"));
            }
            return "COMPLETED".equals(status);
        });
        return id;
    }

    public static JsonPath get(String backupId) {
        return given().auth().oauth2(Tokens.reader()).when().get("/v1/backups/" + backupId)
                .then().statusCode(200).extract().jsonPath();
    }

    /** Objects under a prefix of a store, as the gateway lists them. */
    public static List<String> keys(String store, String prefix) {
        return given().auth().oauth2(Tokens.reader()).baseUri(gatewayUrl()).queryParam("prefix", prefix)
                .when().get("/v1/stores/" + store + "/objects").then().statusCode(200).extract().path("items.key");
    }

    /** Makes {@code n} calls at the same moment, each from its own thread; their results (e.g. statuses) in order. */
    public static <T> List<T> together(int n, java.util.concurrent.Callable<T> call) throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<T>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return call.call();
                }));
            }
            go.countDown();
            List<T> results = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<T> answer : answers) {
                results.add(answer.get());
            }
            return results;
        } finally {
            pool.shutdown();
        }
    }
}
