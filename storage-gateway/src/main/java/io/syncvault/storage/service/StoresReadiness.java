package io.syncvault.storage.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The stores in the gateway's readiness: each store's state is in the check's data ("UP", or what is wrong), and the
 * check is DOWN when no store answers, when the gateway can serve nothing. One store that does not answer among
 * others that do leaves the gateway ready: every instance shares the stores' configuration, so taking instances
 * out of service would not help that store and would stop the others; its state shows here and in the gauge
 * {@code syncvault_store_up}.
 */
@Readiness
@ApplicationScoped
public class StoresReadiness implements HealthCheck {

    static final String NAME = "Stores";
    private final StoreProbes probes;

    public StoresReadiness(StoreProbes probes) {
        this.probes = probes;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, StoreProbes.State> states = probes.states();
        HealthCheckResponseBuilder r = HealthCheckResponse.named(NAME);
        boolean any = false;
        for (StoreProbes.State s : states.values()) {
            any |= s.up();
            r.withData(s.store(), s.up() ? "UP" : "DOWN: " + s.problem());
        }
        return r.status(any).build();
    }
}
