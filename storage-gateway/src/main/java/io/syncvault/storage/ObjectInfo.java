package io.syncvault.storage;

import java.time.Instant;
import java.util.Map;

/**
 * One object as clients see it: plaintext size and SHA-256, the version tag that
 * conditional requests name, the file mtime the writer recorded, when it was stored, and
 * user metadata. {@code sha256} and {@code mtime} are null for objects the gateway did not write.
 */
public record ObjectInfo(String key, long size, String sha256, String versionTag, Long mtime, Instant modified,
        Map<String, String> metadata) {
}
