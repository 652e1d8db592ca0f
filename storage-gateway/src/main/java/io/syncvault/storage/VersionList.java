package io.syncvault.storage;

import java.util.List;

/** The kept versions of one key, newest first (the current object is not among them). */
public record VersionList(String key, List<ObjectVersion> versions) {
}
