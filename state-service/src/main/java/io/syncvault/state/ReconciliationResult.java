package io.syncvault.state;

import java.util.List;

/**
 * What a reconcile or import did: ids taken or merged from the remote side, ids that were
 * already up to date, conflicts met (open or resolved by the strategy) and how many pending
 * operations it queued for the other nodes (their acknowledgement is tracked at
 * {@code GET /v1/namespaces/{ns}/pending}). The lists keep at most 1000 entries; the counts are exact.
 */
public record ReconciliationResult(
        List<String> applied,
        List<String> unchanged,
        List<StateConflict> conflicts,
        long appliedCount,
        long unchangedCount,
        long conflictCount,
        long pendingOperations) {
}
