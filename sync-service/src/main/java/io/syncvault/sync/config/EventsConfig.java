package io.syncvault.sync.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How this service publishes its events. */
@ConfigMapping(prefix = "syncvault.events")
public interface EventsConfig {

    /** The CloudEvents source attribute of every event this service publishes. */
    @WithDefault("/syncvault/sync-service")
    String source();

    /** How often the outbox relay looks for events a commit did not send right away. */
    @WithDefault("1s")
    Duration relayInterval();

    /** How long sent events stay in the outbox table before they are purged. */
    @WithDefault("1h")
    Duration keepSent();
}
