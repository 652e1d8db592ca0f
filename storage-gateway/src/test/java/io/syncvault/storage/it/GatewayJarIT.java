package io.syncvault.storage.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.jwt.build.Jwt;
import io.syncvault.platform.Roles;
import io.syncvault.platform.testing.LocalInfrastructure;
import io.syncvault.storage.support.GatewayJar;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway ({@code java -jar target/quarkus-app/quarkus-run.jar}) configured only
 * through environment variables, stores included (a map in the config): it serves an
 * env-defined encrypted store, and refuses to start with a wrong passphrase.
 */
class GatewayJarIT {

    static Map<String, String> jwt;
    static Map<String, String> local;

    @TempDir
    Path dir;
    Process gateway;

    @BeforeAll
    static void keys() {
        local = LocalInfrastructure.localEnv();
        LocalInfrastructure.require("Kafka", local.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                "deploy/local/infra start kafka");
        jwt = LocalInfrastructure.jwtKeys();
        System.setProperty("smallrye.jwt.sign.key.location", jwt.get("smallrye.jwt.sign.key.location"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroy();
            gateway.waitFor();
        }
    }

    private Process start(int port, String passphrase, Path log) throws IOException {
        ProcessBuilder pb = GatewayJar.builder(port, jwt.get("mp.jwt.verify.publickey.location"),
                local.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), dir.resolve("default"));
        Map<String, String> env = pb.environment();
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_PROVIDER", "local");
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_ROOT", dir.resolve("vault").toString());
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_COMPRESSION", "gzip");
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_VERSIONS_KEPT", "1");
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_MAX_OBJECT_SIZE", "5M");
        env.put("SYNCVAULT_GATEWAY_STORES_VAULT_PASSPHRASE", "env:IT_VAULT_PASSPHRASE");
        env.put("IT_VAULT_PASSPHRASE", passphrase);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    @Test
    void startsFromEnvironmentOnlyAndRefusesAWrongPassphrase() throws Exception {
        int port = GatewayJar.freePort();
        gateway = start(port, "the right passphrase", dir.resolve("first.log"));
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        GatewayJar.awaitLive(http, base);
        String token = Jwt.issuer("syncvault").upn("jar-it").groups(Set.of(Roles.READ, Roles.WRITE)).expiresIn(600).sign();

        HttpResponse<String> stores = http.send(HttpRequest.newBuilder(base.resolve("/v1/stores"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stores.statusCode()).isEqualTo(200);
        assertThat(stores.body()).contains("\"name\":\"vault\"", "\"encryption\":true", "\"compression\":\"gzip\"",
                "\"versionsKept\":1", "\"maxObjectSize\":5242880", dir.resolve("default").toString())
                .doesNotContain("right passphrase");

        byte[] body = "stored through the packaged gateway ".repeat(1000).getBytes();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("/v1/stores/vault/objects/it/doc.txt"))
                .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(base.resolve("/v1/stores/vault/objects/it/doc.txt"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.body()).isEqualTo(body);
        assertThat(Files.readAllBytes(dir.resolve("vault/it/doc.txt"))).startsWith('S', 'V', 'G', 'W').hasSizeLessThan(body.length);
        gateway.destroy();
        gateway.waitFor();

        gateway = start(GatewayJar.freePort(), "a wrong passphrase", dir.resolve("second.log"));
        assertThat(gateway.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).isNotZero();
        assertThat(Files.readString(dir.resolve("second.log")))
                .contains("store 'vault': the configured passphrase opens none of its 1 key file(s)");
    }
}
