package io.syncvault.sync.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Where the storage gateway is and how this service calls it. */
@ConfigMapping(prefix = "syncvault.gateway")
public interface GatewayConfig {

    /** Base URL of the storage gateway. */
    @WithDefault("http://127.0.0.1:8081")
    String url();

    /** Connect timeout for gateway calls. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** How long a transfer may go without finishing before it is abandoned (large files need long). */
    @WithDefault("30m")
    Duration transferTimeout();

    /**
     * How long a read of a response body may wait for its next byte before the connection is given up
     * (the transfer timeout alone would leave a download on a half-open connection waiting for it), and a
     * download for its answer's headers.
     */
    @WithDefault("2m")
    Duration readIdleTimeout();

    /** Lifetime of the service token this service mints for itself. */
    @WithDefault("1h")
    Duration tokenLifetime();
}
