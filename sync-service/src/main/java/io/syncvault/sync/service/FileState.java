package io.syncvault.sync.service;

/**
 * One side's view of a file at one moment: size, modification time (epoch millis) and the
 * SHA-256 of its content (hex). For a remote object {@code versionTag} is the gateway's
 * version tag; for a local file it is null.
 */
public record FileState(long size, long mtime, String sha256, String versionTag) {

    public static FileState local(long size, long mtime, String sha256) {
        return new FileState(size, mtime, sha256, null);
    }

    public static FileState remote(long size, long mtime, String sha256, String versionTag) {
        return new FileState(size, mtime, sha256, versionTag);
    }

    /** Same bytes, judged by size and SHA-256. */
    public boolean sameContent(FileState other) {
        return other != null && size == other.size && sha256 != null && sha256.equalsIgnoreCase(other.sha256);
    }
}
