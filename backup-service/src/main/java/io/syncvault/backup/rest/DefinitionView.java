package io.syncvault.backup.rest;

import io.syncvault.backup.BackupDefinition;
import io.syncvault.backup.Compression;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A backup definition as the API returns it. */
public record DefinitionView(UUID id, String name, List<String> items, List<String> include, List<String> exclude,
        String store, Compression compression, long partSize, String scheduleInterval, String scheduleCron,
        Integer maxBackups, Integer keepLast, Integer keepDaily, Integer keepWeekly, Integer keepMonthly,
        boolean enabled, String triggerSyncItemId, Instant createdAt, Instant updatedAt, long version) {

    static DefinitionView of(BackupDefinition d) {
        return new DefinitionView(d.id, d.name, d.items, d.include, d.exclude, d.store, d.compression, d.partSize,
                d.scheduleInterval, d.scheduleCron, d.maxBackups, d.keepLast, d.keepDaily, d.keepWeekly, d.keepMonthly,
                d.enabled, d.triggerSyncItemId, d.createdAt, d.updatedAt, d.version);
    }
}
