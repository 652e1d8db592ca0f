package io.syncvault.state.support;

import static io.syncvault.platform.testing.LocalInfrastructure.jwtKeys;
import static io.syncvault.platform.testing.LocalInfrastructure.localEnv;
import static io.syncvault.platform.testing.LocalInfrastructure.require;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Prepares what every test of this service needs: checks that the real Kafka broker and
 * PostgreSQL are up (and says which script starts them when they are not), reads the local
 * connection settings that deploy/local/infra wrote, and makes a fresh JWT key pair for
 * this run (no key lives in the repository).
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(localEnv());
        String kafka = config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        require("Kafka", kafka, "deploy/local/infra start kafka");
        require("PostgreSQL", config.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":5432",
                "deploy/local/infra start postgres");
        config.putAll(jwtKeys());
        // a node id and a changes topic of this run's own: records of earlier runs and of other
        // tests' nodes stay out of the way, and a test can play "another node" on the topic
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "state.changes.test-" + run;
        createCompactedTopic(kafka, topic);
        String events = "state.events.test-" + run;
        createTopic(kafka, events, false);
        config.put("syncvault.state.node-id", "test-node-" + run);
        config.put("syncvault.state.changes-topic", topic);
        config.put("syncvault.state.events-topic", events);
        bootstrap = kafka;
        topics.addAll(List.of(topic, events));
        return config;
    }

    private String bootstrap;
    private final List<String> topics = new java.util.ArrayList<>();

    @Override
    public void stop() {
        if (bootstrap != null) {
            deleteTopics(bootstrap, topics);
        }
    }

    /** Removes the topics a run created, so test runs leave no topics behind. */
    public static void deleteTopics(String bootstrap, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(names).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: a leftover one-partition test topic harms nothing
        }
    }

    /** Creates a compacted topic like state.changes (the replication topic's shape). */
    public static void createCompactedTopic(String bootstrap, String topic) {
        createTopic(bootstrap, topic, true);
    }

    /** Creates a one-partition topic for one test run. */
    public static void createTopic(String bootstrap, String topic, boolean compacted) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", compacted ? "compact" : "delete")))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e.getMessage(), e);
        }
    }

}
