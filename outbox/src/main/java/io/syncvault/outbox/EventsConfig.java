package io.syncvault.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How a service publishes the events of its outbox. */
@ConfigMapping(prefix = "syncvault.events")
public interface EventsConfig {

    /** The CloudEvents source attribute of every event the service publishes: {@code /syncvault/<its name>}. */
    @WithDefault("/syncvault/${quarkus.application.name}")
    String source();

    /** How often the outbox relay looks for events a commit did not send right away. */
    @WithDefault("1s")
    Duration relayInterval();

    /** How long sent events stay in the outbox table before they are purged. */
    @WithDefault("1h")
    Duration keepSent();

    /**
     * How long the id of an applied incoming event is kept to recognise it when it comes again (see
     * {@link ProcessedEvents}); at least as long as the broker keeps a consumer group's offsets.
     */
    @WithDefault("P7D")
    Duration keepProcessed();
}
