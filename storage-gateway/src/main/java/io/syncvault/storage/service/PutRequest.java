package io.syncvault.storage.service;

import java.io.InputStream;
import java.util.Map;

/**
 * A PUT as the REST layer received it: the body stream, its declared length (-1 unknown),
 * conditions, the expected SHA-256, the writer's mtime, an origin echoed in the event, user
 * metadata and an optional per-request count of versions to keep.
 */
public record PutRequest(String store, String key, InputStream body, long contentLength, String ifMatch,
        boolean ifNoneMatch, String expectedSha256, Long mtime, String origin, Map<String, String> metadata,
        Integer keepVersions, String actor) {
}
