package io.syncvault.storage;

/** The answer to a successful PUT or restore. */
public record StoredObject(String key, String versionTag, long size, String sha256, Long mtime) {

    public static StoredObject of(ObjectInfo info) {
        return new StoredObject(info.key(), info.versionTag(), info.size(), info.sha256(), info.mtime());
    }
}
