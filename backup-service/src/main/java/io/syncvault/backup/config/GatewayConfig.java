package io.syncvault.backup.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How this service reaches the storage gateway, through which all storage I/O goes. */
@ConfigMapping(prefix = "syncvault.gateway")
public interface GatewayConfig {

    /** The gateway's base URL. */
    String url();

    /** How long to wait for a connection. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** How long a small (non-streaming) call may take. */
    @WithDefault("30s")
    Duration requestTimeout();

    /** How long the gateway may take to confirm a part once its last byte is sent. */
    @WithDefault("5m")
    Duration partTimeout();

    /**
     * How long a read of a response body (a part being restored or verified) may wait for its next byte
     * before the connection is given up: without it a read on a half-open connection waits for hours.
     */
    @WithDefault("2m")
    Duration readIdleTimeout();

    /** Lifetime of the service token this service signs for itself. */
    @WithDefault("1h")
    Duration tokenLifetime();

    /** The bytes buffered between the archive writer and one part upload. */
    @WithDefault("1048576")
    int pipeBufferBytes();
}
