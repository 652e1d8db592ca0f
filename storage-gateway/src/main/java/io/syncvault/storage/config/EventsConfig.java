package io.syncvault.storage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How this service publishes its events. */
@ConfigMapping(prefix = "syncvault.events")
public interface EventsConfig {

    /** The CloudEvents source attribute of every event this service publishes. */
    @WithDefault("/syncvault/storage-gateway")
    String source();

    /**
     * The folder where events the broker refused are kept until it takes them (made when the first is kept).
     */
    @WithDefault("${SYNCVAULT_DATA_DIR:data}/gateway-events")
    String spool();

    /** How often kept events are sent again (read by the scheduler, under the same name). */
    @WithDefault("10s")
    Duration spoolRetry();
}
