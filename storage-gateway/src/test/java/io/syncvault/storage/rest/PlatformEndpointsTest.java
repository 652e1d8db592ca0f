package io.syncvault.storage.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health, metrics and OpenAPI are open; readiness reports the real dependencies. */
@QuarkusTest
class PlatformEndpointsTest {

    @Test
    void readinessChecksKafka() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Kafka connection health check"));
    }

    @Test
    void readinessShowsEachStoreAndStaysUpWhileSomeStoresAnswer() {
        // the test configuration has three local stores and one S3 store whose endpoint nothing listens on
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.find { it.name == 'Stores' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Stores' }.data.default", equalTo("UP"))
                .body("checks.find { it.name == 'Stores' }.data.secure", equalTo("UP"))
                .body("checks.find { it.name == 'Stores' }.data.unreachable", startsWith("DOWN: S3 cannot be reached"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("syncvault_store_up{store=\"default\"} 1.0"))
                .body(containsString("syncvault_store_up{store=\"unreachable\"} 0.0"));
    }

    @Test
    void metricsAndOpenApiNeedNoToken() {
        given().when().get("/q/metrics").then().statusCode(200);
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("SyncVault storage-gateway"));
    }
}
