package io.syncvault.backup.support;

import static io.syncvault.platform.testing.LocalInfrastructure.jwtKeys;
import static io.syncvault.platform.testing.LocalInfrastructure.localEnv;
import static io.syncvault.platform.testing.LocalInfrastructure.require;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.syncvault.gatewayhttp.GatewayLink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepares what every test of this service needs: checks that the real Kafka broker and
 * PostgreSQL are up (and says which script starts them when they are not), reads the local
 * connection settings that deploy/local/infra wrote, and makes a fresh JWT key pair for
 * this run (no key lives in the repository); then starts the real storage gateway (see
 * {@link GatewayProcess}) with that key, reached through a {@link GatewayLink}, and gives this
 * service a fresh backup root.
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {

    private GatewayProcess gateway;
    private GatewayLink link;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(localEnv());
        String kafka = config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        require("Kafka", kafka, "deploy/local/infra start kafka");
        require("PostgreSQL", config.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":5432",
                "deploy/local/infra start postgres");
        config.putAll(jwtKeys());
        // the real gateway, trusting this run's key; backups read from and restore into a fresh root
        gateway = GatewayProcess.start(Path.of("target", "test-jwt", "public.pem"), kafka);
        config.putAll(gateway.config());
        // the service reaches the gateway through a relay a test can cut; the tests' own calls go to it directly
        link = GatewayLink.start(gateway.port());
        config.put("syncvault.gateway.url", link.url());
        // a body that stops arriving is given up after 3 s (2 minutes in service), so that a test can show it
        config.put("syncvault.gateway.read-idle-timeout", "3s");
        try {
            Path roots = Files.createDirectories(Path.of("target", "backup-roots", java.util.UUID.randomUUID().toString()));
            config.put("syncvault.backup.roots", roots.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the test backup root", e);
        }
        config.put("syncvault.backup.min-part-size", "4K");
        return config;
    }

    @Override
    public void stop() {
        if (link != null) {
            link.close();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

}
