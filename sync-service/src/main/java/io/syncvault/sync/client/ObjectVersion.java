package io.syncvault.sync.client;

/** A kept previous version of an object. */
public record ObjectVersion(String versionId, long size, String sha256, Long mtime, String modified) {
}
