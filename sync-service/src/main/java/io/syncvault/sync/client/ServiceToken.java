package io.syncvault.sync.client;

import io.smallrye.jwt.build.Jwt;
import io.syncvault.platform.Roles;
import io.syncvault.sync.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** The bearer token this service calls the gateway with, minted with its own signing key and renewed early. */
@ApplicationScoped
public class ServiceToken {

    private final Duration lifetime;
    private volatile String token;
    private volatile Instant renewAfter = Instant.EPOCH;

    public ServiceToken(GatewayConfig config) {
        this.lifetime = config.tokenLifetime();
    }

    public String get() {
        if (Instant.now().isAfter(renewAfter)) {
            synchronized (this) {
                if (Instant.now().isAfter(renewAfter)) {
                    token = Jwt.issuer("syncvault").upn("sync-service").groups(Set.of(Roles.READ, Roles.WRITE))
                            .expiresIn(lifetime.toSeconds()).sign();
                    renewAfter = Instant.now().plus(lifetime.dividedBy(2));
                }
            }
        }
        return token;
    }
}
