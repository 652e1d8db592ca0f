package io.syncvault.storage.service;

import io.syncvault.storage.StoreDescription;
import io.syncvault.storage.config.GatewayConfig.StoreConfig;
import io.syncvault.storage.crypto.Compression;
import io.syncvault.storage.crypto.ObjectCipher;
import io.syncvault.storage.provider.StorageProvider;

/** A configured store ready for use: its provider, and for an encrypted store its cipher and key ring. */
public record Store(String name, StoreConfig config, StorageProvider provider, ObjectCipher cipher, StoreKeys keys) {

    public boolean encrypted() {
        return cipher != null;
    }

    public Compression compression() {
        return Compression.valueOf(config.compression().name());
    }

    public long maxObjectSize() {
        return config.maxObjectSize().asLongValue();
    }

    public StoreDescription describe() {
        String bucket = config.bucket().orElse(config.root().orElse(null));
        return new StoreDescription(name, config.provider().name().toLowerCase(), bucket, config.prefix().orElse(""),
                encrypted(), config.compression().name().toLowerCase(), config.versionsKept(), maxObjectSize());
    }
}
