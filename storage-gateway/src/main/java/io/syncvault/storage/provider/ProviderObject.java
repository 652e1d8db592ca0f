package io.syncvault.storage.provider;

import java.time.Instant;
import java.util.Map;

/** What a provider knows about one stored object: its stored size, version tag, time and metadata. */
public record ProviderObject(String key, long storedSize, String versionTag, Instant modified,
        Map<String, String> metadata) {
}
