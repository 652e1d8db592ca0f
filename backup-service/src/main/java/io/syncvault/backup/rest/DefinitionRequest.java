package io.syncvault.backup.rest;

import io.syncvault.backup.Compression;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;

/** A backup definition as clients send it; absent optional fields take the service's defaults. */
public record DefinitionRequest(
        @NotBlank @Size(max = 200) String name,
        @NotEmpty List<@NotBlank String> items,
        List<@NotBlank String> include,
        List<@NotBlank String> exclude,
        @Size(max = 200) String store,
        Compression compression,
        Long partSize,
        @Size(max = 64) String scheduleInterval,
        @Size(max = 200) String scheduleCron,
        @PositiveOrZero Integer maxBackups,
        @PositiveOrZero Integer keepLast,
        @PositiveOrZero Integer keepDaily,
        @PositiveOrZero Integer keepWeekly,
        @PositiveOrZero Integer keepMonthly,
        Boolean enabled,
        @Size(max = 200) String triggerSyncItemId) {
}
