package io.syncvault.storage.service;

import io.syncvault.storage.config.GatewayConfig.StoreConfig;
import io.syncvault.storage.provider.AzureProvider;
import io.syncvault.storage.provider.GcsProvider;
import io.syncvault.storage.provider.LocalProvider;
import io.syncvault.storage.provider.S3Provider;
import io.syncvault.storage.provider.StorageProvider;
import java.nio.file.Path;

/** Builds the provider a store's configuration names, resolving its secret references. */
public final class Providers {

    private Providers() {
    }

    public static StorageProvider create(String store, StoreConfig config) {
        String where = "syncvault.gateway.stores." + store;
        String prefix = config.prefix().map(p -> p.isEmpty() || p.endsWith("/") ? p : p + "/").orElse("");
        int partSize = (int) Math.min(Integer.MAX_VALUE - 8, config.partSize().asLongValue());
        return switch (config.provider()) {
            case LOCAL -> new LocalProvider(Path.of(config.root()
                    .orElseThrow(() -> new IllegalStateException(where + ".root is required for a local store"))));
            case S3 -> new S3Provider(S3Provider.client(config.endpoint().orElse(null), config.region().orElse(null),
                    Secrets.resolve(config.credentials().accessKey(), where + ".credentials.access-key").orElse(null),
                    Secrets.resolve(config.credentials().secretKey(), where + ".credentials.secret-key").orElse(null)),
                    bucket(where, config), prefix, partSize);
            case AZURE -> new AzureProvider(AzureProvider.container(
                    Secrets.resolve(config.credentials().connectionString(), where + ".credentials.connection-string")
                            .orElseThrow(() -> new IllegalStateException(where + ".credentials.connection-string is required")),
                    config.endpoint().orElse(null), bucket(where, config)), prefix, partSize);
            case GCS -> new GcsProvider(GcsProvider.client(config.endpoint().orElse(null),
                    Secrets.resolve(config.credentials().projectId(), where + ".credentials.project-id").orElse(null),
                    config.credentials().credentialsFile().orElse(null)), bucket(where, config), prefix, partSize);
        };
    }

    private static String bucket(String where, StoreConfig config) {
        return config.bucket().orElseThrow(() -> new IllegalStateException(where + ".bucket is required"));
    }
}
