package io.syncvault.storage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How this service publishes its events. */
@ConfigMapping(prefix = "syncvault.events")
public interface EventsConfig {

    /** The CloudEvents source attribute of every event this service publishes. */
    @WithDefault("/syncvault/storage-gateway")
    String source();
}
