package io.syncvault.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * The description of one backup that is written beside its parts as
 * {@code backups/<id>/manifest.json}, last: a backup exists exactly when its manifest does.
 * It is the source of truth; the catalog in PostgreSQL is a cache of these.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupManifest(
        int formatVersion,
        String id,
        String definitionId,
        String definitionName,
        String store,
        Instant created,
        Instant completed,
        String host,
        List<String> items,
        Compression compression,
        boolean encrypted,
        long partSize,
        Totals totals,
        List<PartEntry> parts,
        List<FileEntry> files) {

    /** The manifest format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Sizes and counts over the whole backup. */
    public record Totals(long files, long directories, long bytes, long storedBytes, int parts) {
    }

    /** One stored part: {@code backups/<id>/part-NNNNN}, its size and the SHA-256 of its bytes. */
    public record PartEntry(int index, String key, long size, String sha256) {
    }

    /**
     * One archived entry. {@code type} is FILE, DIRECTORY or SYMLINK; {@code sha256} is set for
     * files, {@code linkTarget} for symlinks; {@code mtime} is epoch milliseconds.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileEntry(String path, EntryType type, long size, long mtime, Integer mode, String sha256,
            String linkTarget) {
    }

    /** What an archived entry is. */
    public enum EntryType {
        FILE, DIRECTORY, SYMLINK
    }

    public static String partKey(String backupId, int index) {
        return "backups/" + backupId + "/" + partName(index);
    }

    public static String partName(int index) {
        return String.format("part-%05d", index);
    }

    public static String manifestKey(String backupId) {
        return "backups/" + backupId + "/manifest.json";
    }
}
