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

    /** Lifetime of the service token this service signs for itself. */
    @WithDefault("1h")
    Duration tokenLifetime();

    /** The bytes buffered between the archive writer and one part upload. */
    @WithDefault("1048576")
    int pipeBufferBytes();
}
