package io.syncvault.storage;

import java.time.Instant;

/** An object in a listing. */
public record ObjectSummary(String key, long size, String sha256, String versionTag, Long mtime, Instant modified) {

    public static ObjectSummary of(ObjectInfo info) {
        return new ObjectSummary(info.key(), info.size(), info.sha256(), info.versionTag(), info.mtime(), info.modified());
    }
}
