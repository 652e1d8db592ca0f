package io.syncvault.state;

import java.time.Instant;
import java.util.UUID;

/**
 * A change of this node not yet acknowledged by the broker on {@code state.changes}: the
 * outbox record that carries it ({@code eventId}), until the relay has it acknowledged.
 */
public record PendingOperation(UUID id, String namespace, String stateId, String operation, VectorClock clock,
        UUID eventId, Instant createdAt, Instant acknowledgedAt) {
}
