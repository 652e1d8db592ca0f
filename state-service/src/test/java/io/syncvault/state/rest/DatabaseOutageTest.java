package io.syncvault.state.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.syncvault.platform.testing.DatabaseRestart;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The real PostgreSQL refuses the service for a while: a request then is a 503 the client may send again (never a
 * 500, nothing half-written), and once the database is back the same request succeeds.
 */
@QuarkusTest
class DatabaseOutageTest {

    @Inject
    AgroalDataSource pool;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    @Test
    void aRequestWhileTheDatabaseRefusesConnectionsIsA503ToSendAgainAndSucceedsOnceItIsBack() throws Exception {
        try {
            String ns = StateApiTest.namespace("LAST_WRITE_WINS");
            String db;
            try (Connection service = DriverManager.getConnection(url, user, password.orElse(""))) {
                db = service.getCatalog();
            }
            // from the maintenance database: a database cannot refuse connections while connected to itself
            String maintenance = url.replaceFirst("/" + db + "(\\?|$)", "/postgres$1");
            try (Connection admin = DriverManager.getConnection(maintenance, user, password.orElse(""));
                    Statement s = admin.createStatement()) {
                s.execute("alter database \"" + db + "\" allow_connections false");
                try {
                    // the service's pooled connections end: it has to open new ones, which the database refuses
                    s.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + db + "'");
                    StateApiTest.create(ns, "during-outage", Map.of("v", 1)).then().statusCode(503)
                            .header("Retry-After", "5").contentType("application/problem+json")
                            .body("type", equalTo("urn:syncvault:problem:database-unavailable"));
                } finally {
                    s.execute("alter database \"" + db + "\" allow_connections true");
                }
            }
            // the pool dropped the connections the outage ended when the first request failed on one
            int afterwards = await().atMost(Duration.ofSeconds(30)).until(() -> StateApiTest.reader().when()
                    .get("/v1/namespaces/" + ns + "/states/during-outage").statusCode(), status -> status != 503);
            assertThat(afterwards).as("nothing was written during the outage").isEqualTo(404);
            StateApiTest.create(ns, "during-outage", Map.of("v", 1)).then().statusCode(201);
        } finally {
            // the pooled connections the outage ended that no request has borrowed since: gone before the next test
            pool.flush(AgroalDataSource.FlushMode.INVALID);
        }
    }

    /**
     * A restart or failover of the database ends every pooled connection while the service is idle. The first request
     * then fails on one (a 503 to send again), and the pool drops the other dead ones: the requests after it succeed,
     * where each idle connection used to fail one request of its own.
     */
    @Test
    void afterTheDatabaseEndedThePoolsConnectionsAtMostOneRequestFails() throws Exception {
        String ns = StateApiTest.namespace("LAST_WRITE_WINS");
        DatabaseRestart.idleConnections(pool, 4);
        DatabaseRestart.endSessions();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(StateApiTest.reader().when().get("/v1/namespaces/" + ns + "/states/after-restart").statusCode());
        }
        // a background job (the outbox relay) may meet a dead connection first and have the pool drop them all: no 503 then
        assertThat(statuses).as("answers after the restart").isSubsetOf(503, 404).endsWith(404);
        assertThat(statuses.stream().filter(status -> status == 503).count()).as("503s in %s", statuses).isLessThanOrEqualTo(1);
    }
}
