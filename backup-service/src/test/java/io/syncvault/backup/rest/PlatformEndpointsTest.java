package io.syncvault.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health, metrics and OpenAPI are open; readiness reports the real dependencies. */
@QuarkusTest
class PlatformEndpointsTest {

    @Test
    void readinessChecksKafkaDatabaseAndGateway() {
        // TestInfrastructure starts the real gateway, so all three are up
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItems("Database connections health check", "Kafka connection health check",
                        "Storage gateway"))
                .body("checks.find { it.name == 'Kafka connection health check' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Database connections health check' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Storage gateway' }.status", equalTo("UP"));
    }

    @Test
    void metricsAndOpenApiNeedNoToken() {
        given().when().get("/q/metrics").then().statusCode(200);
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("SyncVault backup-service"))
                // a restore answers its report, or with Prefer: respond-async the operation to follow
                .body("paths.'/v1/backups/{id}/restore'.post.responses.keySet()", hasItems("200", "202"))
                .body("paths.'/v1/backup-operations/{id}'.get.responses.'200'", notNullValue());
    }
}
