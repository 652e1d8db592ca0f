package io.syncvault.state;

import java.util.List;

/**
 * What a reconcile or import did: ids taken or merged from the remote side, ids that were
 * already up to date, conflicts met (open or resolved by the strategy) and how many local
 * changes still wait for the broker's acknowledgement in the namespace. Import keeps at most
 * a bounded number of ids in the lists and counts the rest.
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
