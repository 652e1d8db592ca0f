package io.syncvault.sync.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health, metrics and OpenAPI are open; readiness reports the real dependencies. */
@QuarkusTest
class PlatformEndpointsTest {

    @Test
    void readinessChecksKafkaDatabaseAndGateway() {
        // the gateway is a real process started by TestInfrastructure; readiness lists it beside Kafka and PostgreSQL
        given().when().get("/q/health/ready").then()
                .body("checks.name", hasItems("Database connections health check", "Kafka connection health check",
                        "Storage gateway"))
                .body("checks.find { it.name == 'Kafka connection health check' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Database connections health check' }.status", equalTo("UP"));
    }

    @Test
    void metricsAndOpenApiNeedNoToken() {
        given().when().get("/q/metrics").then().statusCode(200);
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("SyncVault sync-service"));
    }
}
