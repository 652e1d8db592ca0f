package io.syncvault.state.service;

import io.syncvault.state.Causality;
import io.syncvault.state.ConflictStrategy;
import io.syncvault.state.StateConflict;
import io.syncvault.state.SyncState;
import io.syncvault.state.VectorClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;

/**
 * The reconciliation decision for one state: given this node's version, the last common
 * version (when known) and an incoming version, what to store. Pure: no I/O, no framework.
 *
 * <ul>
 * <li>no local version → take the remote one;</li>
 * <li>remote before or equal → keep local; remote after → take it;</li>
 * <li>same clock, different version (two replicas resolved the same conflict differently,
 *     e.g. both LOCAL_WINS, or wrote the same content with other metadata) → the
 *     {@link #WRITE_ORDER} winner, so they converge;</li>
 * <li>concurrent with the same content → keep it under the merged clock, no conflict;</li>
 * <li>concurrent otherwise → the namespace strategy.</li>
 * </ul>
 *
 * An automatic resolution stores {@code merge(local, remote)} as its clock and does not
 * increment this node's entry: that clock already descends from both versions, and two replicas
 * resolving the same pair independently must end with the same clock, otherwise each would see
 * the other's resolution as a new conflict, forever. (A manual resolution is a new write and
 * does increment.) Every automatic resolution is still reported as a conflict, resolved, so
 * no acknowledged write is dropped without a record.
 */
public final class Reconciler {

    /**
     * The order of "which write is later" used by LAST_WRITE_WINS and to break ties: time of the
     * write, then the clocks' total order, then writer node, then content checksum, tombstone last.
     * It is the same on every node, so every node picks the same winner.
     */
    public static final Comparator<SyncState> WRITE_ORDER = Comparator
            .comparing(SyncState::updatedAt)
            .thenComparing(SyncState::clock, VectorClock.TOTAL_ORDER)
            .thenComparing(SyncState::lastWriter)
            .thenComparing(SyncState::checksum)
            .thenComparing(SyncState::deleted);

    /** What happens to the stored state. */
    public enum Outcome {
        /** Nothing stored changes. */
        UNCHANGED,
        /** The remote version (unknown here before, or newer) is stored as it is. */
        TAKEN,
        /** A concurrent pair was resolved automatically; the result is stored. */
        RESOLVED,
        /** A concurrent pair is left open for a person; local stays as it is. */
        CONFLICT
    }

    /**
     * @param outcome  what happens
     * @param result   the state to store (TAKEN, RESOLVED), else null; its version is local+1
     * @param conflict the conflict met (RESOLVED with a resolution, CONFLICT open), else null
     */
    public record Decision(Outcome outcome, SyncState result, StateConflict conflict) {
    }

    private Reconciler() {
    }

    /**
     * @param local    this node's version, or null
     * @param base     the last version both sides are known to share, or null
     * @param remote   the incoming version
     * @param strategy the namespace's conflict strategy
     * @param now      the time of the decision (conflict detection time)
     */
    public static Decision decide(SyncState local, SyncState base, SyncState remote, ConflictStrategy strategy,
            Instant now) {
        if (local == null) {
            return new Decision(Outcome.TAKEN, remote.withVersion(1), null);
        }
        Causality order = remote.clock().compare(local.clock());
        switch (order) {
            case BEFORE:
                return unchanged();
            case AFTER:
                return taken(local, remote);
            case EQUAL:
                // Replicas that resolved one conflict independently hold versions with the same clock:
                // different content, or the same content with other write metadata. Every node keeps the
                // WRITE_ORDER maximum, metadata included; judging "same content" alone would keep a copy
                // whose older metadata then loses a later tie that the other replicas win.
                if (WRITE_ORDER.compare(remote, local) <= 0) {
                    return unchanged();
                }
                return taken(local, remote);
            default:
                break;
        }
        VectorClock merged = local.clock().merge(remote.clock());
        SyncState later = WRITE_ORDER.compare(remote, local) > 0 ? remote : local;
        if (local.sameContent(remote)) {
            // the same change arrived by two routes: nothing to resolve
            return new Decision(Outcome.RESOLVED, stored(local, later, merged), null);
        }
        SyncState winner;
        switch (strategy) {
            case LAST_WRITE_WINS -> winner = later;
            case LOCAL_WINS -> winner = local;
            case REMOTE_WINS -> winner = remote;
            case MERGE -> {
                if (local.deleted() || remote.deleted()) {
                    return open(local, remote, strategy, now);
                }
                boolean baseKnown = base != null && !base.deleted() && local.clock().descends(base.clock())
                        && remote.clock().descends(base.clock());
                JsonMerge.Result m = JsonMerge.merge(baseKnown ? base.data() : null, local.data(), remote.data());
                if (!m.clean()) {
                    return open(local, remote, strategy, now);
                }
                SyncState result = new SyncState(local.namespace(), local.id(), m.merged(), merged, later.lastWriter(),
                        local.version() + 1, min(local.createdAt(), remote.createdAt()), later.updatedAt(),
                        CanonicalJson.checksum(m.merged()), false);
                return new Decision(Outcome.RESOLVED, result,
                        conflict(local, remote, strategy, now, strategy.name(), now, m.merged()));
            }
            default -> {
                return open(local, remote, strategy, now);
            }
        }
        SyncState result = stored(local, winner, merged);
        return new Decision(Outcome.RESOLVED, result,
                conflict(local, remote, strategy, now, strategy.name(), now, winner.data()));
    }

    /** The id every node gives the conflict between these two versions (order-independent). */
    public static UUID conflictId(SyncState a, SyncState b) {
        String ka = a.clock() + "#" + a.checksum() + "#" + a.deleted();
        String kb = b.clock() + "#" + b.checksum() + "#" + b.deleted();
        String key = a.namespace() + "\n" + a.id() + "\n" + (ka.compareTo(kb) <= 0 ? ka + "\n" + kb : kb + "\n" + ka);
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * What a replica sends to the other nodes after deciding on another node's version: the stored result when it
     * is not the version received (a resolution); the version it keeps when the one received is behind it (an
     * older clock, or the same clock losing the {@link #WRITE_ORDER} tie); else nothing. The second keeps the
     * compacted topic's last record of a state from being a version the nodes have moved past: records reach the
     * topic in the order their outboxes send them, so an older version can land after a newer one, and a node
     * that starts after compaction reads only the last.
     */
    public static SyncState republished(SyncState local, SyncState remote, Decision d) {
        SyncState result = d.result();
        if (result != null) {
            boolean received = result.clock().compare(remote.clock()) == Causality.EQUAL && result.sameContent(remote);
            return received ? null : result;
        }
        return d.outcome() == Outcome.UNCHANGED && local != null && behind(remote, local) ? local : null;
    }

    /** Whether {@code remote} is behind {@code local}: an older clock, or the same clock losing the {@link #WRITE_ORDER} tie. */
    public static boolean behind(SyncState remote, SyncState local) {
        Causality order = remote.clock().compare(local.clock());
        return order == Causality.BEFORE || order == Causality.EQUAL && WRITE_ORDER.compare(remote, local) < 0;
    }

    private static Decision unchanged() {
        return new Decision(Outcome.UNCHANGED, null, null);
    }

    private static Decision taken(SyncState local, SyncState remote) {
        return new Decision(Outcome.TAKEN, remote.withVersion(local.version() + 1)
                .withCreatedAt(min(local.createdAt(), remote.createdAt())), null);
    }

    private static Decision open(SyncState local, SyncState remote, ConflictStrategy strategy, Instant now) {
        return new Decision(Outcome.CONFLICT, null, conflict(local, remote, strategy, now, null, null, null));
    }

    private static SyncState stored(SyncState local, SyncState content, VectorClock clock) {
        return new SyncState(local.namespace(), local.id(), content.data(), clock, content.lastWriter(),
                local.version() + 1, min(local.createdAt(), content.createdAt()), content.updatedAt(),
                content.checksum(), content.deleted());
    }

    private static StateConflict conflict(SyncState local, SyncState remote, ConflictStrategy strategy,
            Instant detected, String resolution, Instant resolvedAt, com.fasterxml.jackson.databind.JsonNode data) {
        return new StateConflict(conflictId(local, remote), local.namespace(), local.id(), local, remote, strategy,
                detected, resolution, resolvedAt, data);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
