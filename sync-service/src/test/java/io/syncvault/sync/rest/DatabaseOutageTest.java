package io.syncvault.sync.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.syncvault.platform.testing.DatabaseRestart;
import io.syncvault.platform.testing.Tokens;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A restart or failover of PostgreSQL ends the service's pooled connections while it is idle: the first request after
 * it is a 503 to send again (with Retry-After, never a 500), and the pool drops its other dead connections, so the
 * requests after it succeed.
 */
@QuarkusTest
class DatabaseOutageTest {

    @Inject
    AgroalDataSource pool;

    @Test
    void afterTheDatabaseEndedThePoolsConnectionsAtMostOneRequestIsA503() throws Exception {
        DatabaseRestart.idleConnections(pool, 4);
        DatabaseRestart.endSessions();
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items"));
        }
        List<Integer> statuses = answers.stream().map(Response::statusCode).toList();
        // a background job may meet a dead connection first and have the pool drop them all: no 503 then
        assertThat(statuses).as("answers after the restart").isSubsetOf(503, 200).endsWith(200);
        assertThat(statuses.stream().filter(status -> status == 503).count()).as("503s in %s", statuses).isLessThanOrEqualTo(1);
        answers.stream().filter(r -> r.statusCode() == 503).forEach(r -> {
            assertThat(r.header("Retry-After")).isEqualTo("5");
            assertThat(r.jsonPath().getString("type")).isEqualTo("urn:syncvault:problem:database-unavailable");
        });
    }
}
