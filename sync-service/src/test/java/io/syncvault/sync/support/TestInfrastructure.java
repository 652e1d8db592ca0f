package io.syncvault.sync.support;

import static io.syncvault.platform.testing.LocalInfrastructure.jwtKeys;
import static io.syncvault.platform.testing.LocalInfrastructure.localEnv;
import static io.syncvault.platform.testing.LocalInfrastructure.require;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.syncvault.gatewayhttp.GatewayLink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepares what every test of this service needs: checks that the real Kafka broker and
 * PostgreSQL are up (and says which script starts them when they are not), reads the local
 * connection settings that deploy/local/infra wrote, makes a fresh JWT key pair for this run
 * (no key lives in the repository), and starts the real storage gateway from its packaged
 * jar with a local store, trusting that key pair, reached through a {@link GatewayLink}.
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(localEnv());
        String kafka = config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        require("Kafka", kafka, "deploy/local/infra start kafka");
        require("PostgreSQL", config.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":5432",
                "deploy/local/infra start postgres");
        retireEarlierRunsItems(config);
        config.putAll(jwtKeys());
        config.putAll(syncRoots());
        // the real gateway, trusting the key pair just made (so it must start after jwtKeys)
        gateway = GatewayProcess.start(Path.of("target", "test-jwt", "public.pem"), kafka,
                Path.of("target", "test-gateway", "store-" + System.currentTimeMillis()),
                Path.of("target", "test-gateway", "gateway.log"), Map.of());
        // the service (and the tests' calls through its client) reach the gateway through a relay a test can stall
        link = GatewayLink.start(java.net.URI.create(gateway.url()).getPort());
        config.put("syncvault.gateway.url", link.url());
        // a body that stops arriving is given up after 3 s (2 minutes in service), so that a test can show it
        config.put("syncvault.gateway.read-idle-timeout", "3s");
        // runs of this test JVM are told apart from earlier runs' leftovers
        config.put("syncvault.sync.node", "test-" + ProcessHandle.current().pid());
        config.put("syncvault.sync.push-debounce", "500ms");
        config.put("syncvault.sync.scheduler-tick", "1s");
        // this JVM's own consumer group, from the end of the topic: no backlog of earlier runs' storage events
        config.put("mp.messaging.incoming.storage-events.group.id", "sync-service-test-" + ProcessHandle.current().pid());
        return config;
    }

    private static GatewayProcess gateway;
    private GatewayLink link;

    /** The gateway this test run started. */
    public static GatewayProcess gateway() {
        return gateway;
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

    /**
     * Turns off auto-sync and owed pushes of the items earlier test runs left in the shared test
     * database (their folders are gone with those runs' checkouts). Left on, a test JVM's scheduler
     * would start a failing run of each of them every tick, competing with the runs a test waits for.
     * Test JVMs of this service do not share the database at the same time (each would run the
     * other's items); only a database whose name ends in {@code _test} is touched.
     */
    public static void retireEarlierRunsItems(Map<String, String> config) {
        String name = config.getOrDefault("SYNCVAULT_DB_NAME", "syncvault_sync_test");
        if (!name.endsWith("_test")) {
            throw new IllegalStateException("the tests use a database whose name ends in _test, not " + name);
        }
        String url = "jdbc:postgresql://" + config.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":"
                + config.getOrDefault("SYNCVAULT_DB_PORT", "5432") + "/" + name;
        try (Connection c = DriverManager.getConnection(url, config.getOrDefault("SYNCVAULT_DB_USER", "syncvault"),
                config.getOrDefault("SYNCVAULT_DB_PASSWORD", ""));
                Statement s = c.createStatement()) {
            // a fresh database has no tables until Flyway runs at the service's start
            boolean items;
            boolean pushes;
            try (ResultSet r = s.executeQuery("select to_regclass('sync_item') is not null, to_regclass('pending_push') is not null")) {
                r.next();
                items = r.getBoolean(1);
                pushes = r.getBoolean(2);
            }
            if (items) {
                s.executeUpdate("update sync_item set enabled = false where enabled");
            }
            if (pushes) {
                s.executeUpdate("delete from pending_push");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot turn off earlier runs' items in the test database at " + url + ": " + e.getMessage(), e);
        }
    }

    /** The folder every test item lives under (the only configured root), and the home of the default items. */
    public static final Path SYNC_ROOT = Path.of("target", "sync-roots", "root").toAbsolutePath();

    static Map<String, String> syncRoots() {
        try {
            Files.createDirectories(SYNC_ROOT);
            Path home = Files.createDirectories(SYNC_ROOT.resolve("home"));
            return Map.of("syncvault.sync.roots", SYNC_ROOT.toString(), "syncvault.sync.home", home.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + SYNC_ROOT, e);
        }
    }

}
