package io.syncvault.storage.support;

import static io.syncvault.platform.testing.LocalInfrastructure.jwtKeys;
import static io.syncvault.platform.testing.LocalInfrastructure.localEnv;
import static io.syncvault.platform.testing.LocalInfrastructure.require;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepares what every test of this service needs: checks that the real Kafka broker
 * is up (and says which script starts them when they are not), reads the local
 * connection settings that deploy/local/infra wrote, and makes a fresh JWT key pair for
 * this run (no key lives in the repository).
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(localEnv());
        String kafka = config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        require("Kafka", kafka, "deploy/local/infra start kafka");
        config.putAll(jwtKeys());
        return config;
    }

    @Override
    public void stop() {
    }

}
