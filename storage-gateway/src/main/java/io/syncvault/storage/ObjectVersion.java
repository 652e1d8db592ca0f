package io.syncvault.storage;

import java.time.Instant;

/** A kept previous version of an object; {@code modified} is when that version was written. */
public record ObjectVersion(String versionId, long size, String sha256, Long mtime, Instant modified) {
}
