package io.syncvault.sync.client;

/** An object as the gateway lists or describes it. {@code mtime} is epoch millis (the file's, when recorded). */
public record RemoteObject(String key, long size, String sha256, String versionTag, long mtime) {
}
