package io.syncvault.sync.service;

import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import java.time.Instant;
import java.util.Map;

/**
 * The item settings a delta needs, as plain values.
 *
 * @param maxDeletePercent abort when deletes on a side would exceed this percent of its files (100 = never)
 * @param maxFileSize      files larger than this (bytes) are skipped; {@code Long.MAX_VALUE} for no limit
 * @param node             this machine's name, used in conflict copy names
 * @param now              the time used in conflict copy names
 * @param resolutions      per path, a strategy chosen through the API for a stored manual conflict
 */
public record SyncOptions(SyncDirection direction, ConflictStrategy strategy, PathFilter filter, int maxDeletePercent,
        long maxFileSize, String node, Instant now, Map<String, ConflictStrategy> resolutions) {

    public SyncOptions {
        if (maxDeletePercent < 0 || maxDeletePercent > 100) {
            throw new IllegalArgumentException("maxDeletePercent must be 0..100");
        }
        filter = filter == null ? PathFilter.ALL : filter;
        resolutions = resolutions == null ? Map.of() : Map.copyOf(resolutions);
        now = now == null ? Instant.now() : now;
    }

    public static SyncOptions of(SyncDirection direction, ConflictStrategy strategy) {
        return new SyncOptions(direction, strategy, PathFilter.ALL, 100, Long.MAX_VALUE, "node", Instant.now(), Map.of());
    }

    public SyncOptions withMaxDeletePercent(int percent) {
        return new SyncOptions(direction, strategy, filter, percent, maxFileSize, node, now, resolutions);
    }

    public SyncOptions withFilter(PathFilter f) {
        return new SyncOptions(direction, strategy, f, maxDeletePercent, maxFileSize, node, now, resolutions);
    }

    public SyncOptions withMaxFileSize(long max) {
        return new SyncOptions(direction, strategy, filter, maxDeletePercent, max, node, now, resolutions);
    }

    public SyncOptions withResolutions(Map<String, ConflictStrategy> r) {
        return new SyncOptions(direction, strategy, filter, maxDeletePercent, maxFileSize, node, now, r);
    }
}
