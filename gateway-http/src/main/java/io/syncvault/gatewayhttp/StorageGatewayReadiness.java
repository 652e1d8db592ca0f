package io.syncvault.gatewayhttp;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the storage gateway, through which all storage I/O goes, is ready itself (a check of
 * the sync- and backup-service, found through this jar's {@code META-INF/beans.xml}).
 */
@Readiness
@ApplicationScoped
public class StorageGatewayReadiness implements HealthCheck {

    static final String NAME = "Storage gateway";
    private final HttpClient http = GatewayHttp.builder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI ready;

    public StorageGatewayReadiness(@ConfigProperty(name = "syncvault.gateway.url") String gatewayUrl) {
        this.ready = URI.create(gatewayUrl.replaceAll("/+$", "") + "/q/health/ready");
    }

    @Override
    public HealthCheckResponse call() {
        try {
            int status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            return HealthCheckResponse.named(NAME).status(status == 200).withData("url", ready.toString())
                    .withData("status", status).build();
        } catch (Exception e) {
            return HealthCheckResponse.named(NAME).down().withData("url", ready.toString())
                    .withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
