package io.syncvault.storage;

/** A configured store as {@code GET /v1/stores} shows it: never a secret. */
public record StoreDescription(String name, String provider, String bucket, String prefix, boolean encryption,
        String compression, int versionsKept, long maxObjectSize) {
}
