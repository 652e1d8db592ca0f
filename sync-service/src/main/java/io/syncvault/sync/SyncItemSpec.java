package io.syncvault.sync;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The settings of a sync item as the API takes them. Omitted fields get their defaults:
 * store {@code default}, direction BIDIRECTIONAL, strategy KEEP_BOTH, enabled, no interval,
 * 5 versions kept, max-delete 50 %, no size limit.
 *
 * @param createIfMissing create the local folder when it does not exist (its nearest existing
 *                        ancestor must lie under a root); otherwise a missing folder is a 400
 */
public record SyncItemSpec(
        @NotBlank @Size(max = 200) String name,
        @NotBlank @Size(max = 4096) String localPath,
        @Pattern(regexp = "[A-Za-z0-9_-]{1,100}") String store,
        @Size(max = 1000) String remotePrefix,
        SyncDirection direction,
        ConflictStrategy conflictStrategy,
        @Size(max = 100) List<@NotBlank @Size(max = 500) String> includeGlobs,
        @Size(max = 100) List<@NotBlank @Size(max = 500) String> excludeGlobs,
        Boolean enabled,
        @Min(0) @Max(31_536_000) Long intervalSeconds,
        @Min(0) @Max(1000) Integer versionsKept,
        @Min(0) @Max(100) Integer maxDeletePercent,
        @Positive Long maxFileSize,
        Boolean createIfMissing) {
}
