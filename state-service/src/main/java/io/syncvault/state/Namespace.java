package io.syncvault.state;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Duration;
import java.time.Instant;

/**
 * A namespace of states and its settings: how concurrent versions are resolved and how often
 * its unacknowledged changes are re-sent ({@code autoSyncInterval} null = no auto-sync).
 */
public record Namespace(String name, ConflictStrategy conflictStrategy,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Duration autoSyncInterval,
        Instant createdAt, Instant updatedAt) {
}
