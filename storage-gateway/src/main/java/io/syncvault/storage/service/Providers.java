package io.syncvault.storage.service;

import io.syncvault.storage.config.GatewayConfig.StoreConfig;
import io.syncvault.storage.provider.LocalProvider;
import io.syncvault.storage.provider.StorageProvider;
import java.nio.file.Path;

/** Builds the provider a store's configuration names, resolving its secret references. */
public final class Providers {

    private Providers() {
    }

    public static StorageProvider create(String store, StoreConfig config) {
        String where = "syncvault.gateway.stores." + store;
        return switch (config.provider()) {
            case LOCAL -> new LocalProvider(Path.of(config.root()
                    .orElseThrow(() -> new IllegalStateException(where + ".root is required for a local store"))));
            default -> throw new IllegalStateException(where + ".provider " + config.provider() + " is not available");
        };
    }
}
