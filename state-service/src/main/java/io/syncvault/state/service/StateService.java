package io.syncvault.state.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.syncvault.state.Causality;
import io.syncvault.state.ConflictStrategy;
import io.syncvault.state.NamespaceEntity;
import io.syncvault.state.PendingOperation;
import io.syncvault.platform.PageCursor;
import io.syncvault.platform.ProblemException;
import io.syncvault.state.ReconciliationResult;
import io.syncvault.state.StateConflict;
import io.syncvault.state.SyncState;
import io.syncvault.state.VectorClock;
import io.syncvault.state.config.StateConfig;
import io.syncvault.outbox.Outbox;
import io.syncvault.state.events.StateEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * States of a namespace on this node: local writes (each increments this node's clock entry,
 * records a pending operation and publishes through the outbox), reconciliation of remote
 * versions (from a client, an import or another node), and manual conflict resolution.
 */
@ApplicationScoped
public class StateService {

    private static final Logger LOG = Logger.getLogger(StateService.class);
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}");
    /** Ids kept in a result's lists; beyond that only counts (an import may be millions of states). */
    static final int LISTED = 1000;

    /** Where remote versions come from: decides what this node re-publishes. */
    public enum Source {
        /** A client's reconcile or import: every stored change goes out to the other nodes. */
        CLIENT,
        /** Another node's record on state.changes: only results that differ from it go out again. */
        REPLICA
    }

    /** Manual resolution choices. */
    public enum Resolution {
        LOCAL, REMOTE, CUSTOM
    }

    private final StateStore store;
    private final Outbox outbox;
    private final StateEvents events;
    private final StateConfig config;
    private final String node;

    public StateService(StateStore store, Outbox outbox, StateEvents events, StateConfig config) {
        this.store = store;
        this.outbox = outbox;
        this.events = events;
        this.config = config;
        this.node = config.nodeId();
    }

    public String nodeId() {
        return node;
    }

    /** Now, at the precision PostgreSQL keeps, so a time read back equals the time written. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    // ---------------------------------------------------------------- local writes

    @Transactional
    public SyncState create(String ns, String id, JsonNode data) {
        namespace(ns);
        if (id != null && !ID.matcher(id).matches()) {
            throw ProblemException.badRequest("state id must match " + ID.pattern());
        }
        String stateId = id == null ? UUID.randomUUID().toString() : id;
        StateStore.Stored previous = store.find(ns, stateId, true).orElse(null);
        if (previous != null && !previous.state().deleted()) {
            throw ProblemException.conflict("state " + stateId + " already exists").with("current", previous.state());
        }
        // re-creating a deleted state continues its clock, so the tombstone stays behind it
        return write(ns, stateId, previous, data, false);
    }

    @Transactional
    public SyncState update(String ns, String id, JsonNode data, long ifMatch) {
        namespace(ns);
        StateStore.Stored current = live(ns, id, ifMatch);
        return write(ns, id, current, data, false);
    }

    @Transactional
    public SyncState delete(String ns, String id, long ifMatch) {
        namespace(ns);
        StateStore.Stored current = live(ns, id, ifMatch);
        return write(ns, id, current, null, true);
    }

    private StateStore.Stored live(String ns, String id, long ifMatch) {
        StateStore.Stored current = store.find(ns, id, true).filter(s -> !s.state().deleted())
                .orElseThrow(() -> ProblemException.notFound("no state " + id + " in namespace " + ns));
        if (current.state().version() != ifMatch) {
            throw ProblemException.conflict("state " + id + " is at version " + current.state().version()
                    + ", not " + ifMatch).with("current", current.state());
        }
        return current;
    }

    private SyncState write(String ns, String id, StateStore.Stored previous, JsonNode data, boolean delete) {
        storable(id, delete ? null : data);
        Instant now = now();
        SyncState before = previous == null ? null : previous.state();
        VectorClock clock = (before == null ? VectorClock.empty() : before.clock()).increment(node, now)
                .prune(config.clockMaxEntries(), config.clockPruneMinAge(), Set.of(node), now);
        JsonNode stored = delete ? null : data;
        SyncState state = new SyncState(ns, id, stored, clock, node, before == null ? 1 : before.version() + 1,
                before == null || before.deleted() ? now : before.createdAt(), now, CanonicalJson.checksum(stored),
                delete);
        // a new state's first version is the common root every node will share; later local
        // writes keep the base, which moves only when a version is known to be shared
        SyncState base = previous == null ? state : previous.base();
        Changes changes = new Changes();
        changes.store(state, base, before == null || before.deleted(), "local", true);
        changes.flush(ns);
        return state;
    }

    // ---------------------------------------------------------------- reads

    @Transactional(Transactional.TxType.SUPPORTS)
    public void requireNamespace(String ns) {
        namespace(ns);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public SyncState get(String ns, String id) {
        namespace(ns);
        return store.find(ns, id, false).map(StateStore.Stored::state)
                .orElseThrow(() -> ProblemException.notFound("no state " + id + " in namespace " + ns));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SyncState> page(String ns, String afterId, int limit, boolean includeDeleted) {
        namespace(ns);
        return store.page(ns, afterId, limit, includeDeleted);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<PendingOperation> pending(String ns, int limit) {
        namespace(ns);
        return store.pending(ns, limit);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StateConflict> conflicts(String ns, Boolean open, PageCursor.TimeAndId after, int limit) {
        namespace(ns);
        return store.conflicts(ns, open, after, limit);
    }

    // ---------------------------------------------------------------- reconciliation

    /**
     * Applies remote versions. The batch commits as one transaction; if that fails, each state
     * is retried in its own transaction so one bad state does not hold back the rest. Applying
     * the same batch again changes nothing.
     */
    public ReconciliationResult reconcile(String ns, List<SyncState> remotes, Source source) {
        List<SyncState> clean = remotes.stream().map(r -> sanitize(ns, r)).toList();
        try {
            return QuarkusTransaction.requiringNew().call(() -> applyBatch(ns, clean, source));
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("batch of %d states in %s failed (%s); applying them one by one", clean.size(), ns, e.getMessage());
            ReconciliationResult total = empty();
            for (SyncState one : clean) {
                total = add(total, QuarkusTransaction.requiringNew().call(() -> applyBatch(ns, List.of(one), source)));
            }
            return total;
        }
    }

    /** Applies one record from another node, inside the caller's transaction (with its dedupe row). */
    @Transactional(Transactional.TxType.MANDATORY)
    public ReconciliationResult applyReplicated(SyncState remote) {
        return applyBatch(remote.namespace(), List.of(sanitize(remote.namespace(), remote)), Source.REPLICA);
    }

    /**
     * A record applied before that came again (an outbox sends again what the broker did not acknowledge, even when
     * it had been written): nothing to apply, but when the version it carries is behind the one kept here, that one
     * goes out again, so the compacted topic does not end with the older (see {@link Reconciler#republished}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void replayed(SyncState remote) {
        SyncState r = sanitize(remote.namespace(), remote);
        StateStore.Stored local = store.findAll(r.namespace(), Set.of(r.id())).get(r.id());
        if (local != null && Reconciler.behind(r, local.state())) {
            outbox.addAll(List.of(events.changed(local.state())));
        }
    }

    private ReconciliationResult applyBatch(String ns, List<SyncState> remotes, Source source) {
        ConflictStrategy strategy = source == Source.REPLICA ? namespaceOrDefault(ns) : namespace(ns).conflictStrategy;
        Set<String> ids = new LinkedHashSet<>();
        remotes.forEach(r -> ids.add(r.id()));
        Map<String, StateStore.Stored> current = new LinkedHashMap<>(store.findAll(ns, ids));
        Set<String> withOpenConflicts = new HashSet<>(store.statesWithOpenConflicts(ns, ids));
        Instant now = now();
        Changes changes = new Changes();
        List<String> applied = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        List<StateConflict> conflicts = new ArrayList<>();
        Set<String> superseding = new LinkedHashSet<>();
        for (SyncState remote : remotes) {
            StateStore.Stored local = current.get(remote.id());
            Reconciler.Decision d = Reconciler.decide(local == null ? null : local.state(),
                    local == null ? null : local.base(), remote, strategy, now);
            if (d.conflict() != null) {
                conflicts.add(d.conflict());
                if (d.conflict().open()) {
                    withOpenConflicts.add(remote.id());
                }
            }
            SyncState result = d.result();
            SyncState again = Reconciler.republished(local == null ? null : local.state(), remote, d);
            if (result == null) {
                if (d.outcome() == Reconciler.Outcome.UNCHANGED) {
                    unchanged.add(remote.id());
                }
                if (source == Source.REPLICA && again != null) {
                    changes.republish(again);
                }
                continue;
            }
            boolean publish = source == Source.CLIENT || again != null;
            changes.store(result, result, local == null || local.state().deleted(), source.name().toLowerCase(),
                    publish);
            current.put(result.id(), new StateStore.Stored(result, result));
            applied.add(result.id());
            if (withOpenConflicts.contains(result.id())) {
                superseding.add(result.id());
            }
        }
        for (StateConflict c : store.insertNewConflicts(conflicts)) {
            changes.events.add(events.conflictDetected(c));
            if (!c.open()) {
                changes.events.add(events.conflictResolved(c, c.resolution()));
            }
        }
        // after the conflicts are stored: one met in this batch may already be behind a later
        // version of its state further down the batch
        for (String id : superseding) {
            changes.supersedeConflicts(current.get(id).state(), now);
        }
        changes.flush(ns);
        return new ReconciliationResult(head(applied), head(unchanged), conflicts.size() > LISTED
                ? conflicts.subList(0, LISTED) : conflicts, applied.size(), unchanged.size(), conflicts.size(),
                changes.published.size());
    }

    /** The longest node name a version may name as its last writer (the column's size). */
    private static final int MAX_WRITER = 200;

    /**
     * The most bytes a state's data may have (as JSON): every version travels to the other nodes as one Kafka record,
     * and the broker takes records of up to 1 MiB; the rest of the record (clock, ids, times) needs the difference.
     */
    static final int MAX_DATA_BYTES = 768 * 1024;

    /**
     * Refuses data that cannot be kept or replicated: PostgreSQL's jsonb has no place for the NUL character (U+0000)
     * in a string or a field name, nor JSON for a number out of a double's range (1e400), which both failed the
     * whole write or reconcile batch with a 500 (400 now); data larger than {@link #MAX_DATA_BYTES} was stored but
     * could never reach the other nodes (413 now).
     */
    static void storable(String id, JsonNode data) {
        if (data == null) {
            return;
        }
        java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>(List.of(data));
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
                throw nul(id);
            }
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
                throw ProblemException.badRequest("state " + id + ": its data holds a number out of range (" + node
                        + "), which JSON cannot carry");
            }
            for (java.util.Iterator<String> names = node.fieldNames(); names.hasNext();) {
                if (names.next().indexOf('\0') >= 0) {
                    throw nul(id);
                }
            }
            node.elements().forEachRemaining(pending::push);
        }
        int bytes = data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_DATA_BYTES) {
            throw new ProblemException(413, "state-too-large", "State too large", "state " + id + ": its data has "
                    + bytes + " bytes as JSON; at most " + MAX_DATA_BYTES + " can be replicated to the other nodes")
                    .with("maxDataBytes", MAX_DATA_BYTES);
        }
    }

    private static ProblemException nul(String id) {
        return ProblemException.badRequest("state " + id + ": its data holds a NUL character (\\u0000), which cannot be stored");
    }

    /** The largest clock counter a version from elsewhere may carry: far above any real count, far below overflow. */
    static final long MAX_COUNTER = 1L << 53;

    /** The times a version from elsewhere may carry: what PostgreSQL and ISO-8601 years of four digits both hold. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** Checks and normalizes a version received from outside this node. */
    public static SyncState sanitize(String ns, SyncState r) {
        if (r == null) {
            throw ProblemException.badRequest("a state is null");
        }
        if (r.id() == null || !ID.matcher(r.id()).matches()) {
            throw ProblemException.badRequest("state id must match " + ID.pattern());
        }
        if (r.namespace() != null && !r.namespace().equals(ns)) {
            throw ProblemException.badRequest("state " + r.id() + " belongs to namespace " + r.namespace());
        }
        if (r.clock() == null || r.clock().entries().isEmpty()) {
            throw ProblemException.badRequest("state " + r.id() + " has no vector clock");
        }
        if (r.lastWriter() == null || r.lastWriter().isBlank()) {
            throw ProblemException.badRequest("state " + r.id() + " has no lastWriter");
        }
        if (r.lastWriter().length() > MAX_WRITER || r.lastWriter().indexOf('\0') >= 0) {
            throw ProblemException.badRequest("state " + r.id() + ": lastWriter must be at most " + MAX_WRITER
                    + " characters, without NUL");
        }
        if (r.updatedAt() == null) {
            throw ProblemException.badRequest("state " + r.id() + " has no updatedAt");
        }
        for (Instant t : new Instant[] {r.updatedAt(), r.createdAt()}) {
            if (t != null && (t.isBefore(EARLIEST) || t.isAfter(LATEST))) {
                throw ProblemException.badRequest("state " + r.id() + ": " + t + " is not a time between the years 1 and 9999");
            }
        }
        r.clock().entries().forEach((node, entry) -> {
            if (entry.counter() > MAX_COUNTER) {
                throw ProblemException.badRequest("state " + r.id() + ": the clock counter of " + node + " is over "
                        + MAX_COUNTER);
            }
        });
        JsonNode data = r.deleted() ? null : r.data();
        if (!r.deleted() && (data == null || data.isNull())) {
            throw ProblemException.badRequest("state " + r.id() + " has no data and is not deleted");
        }
        storable(r.id(), data);
        Instant updated = r.updatedAt().truncatedTo(ChronoUnit.MICROS);
        Instant created = r.createdAt() == null ? updated : r.createdAt().truncatedTo(ChronoUnit.MICROS);
        return new SyncState(ns, r.id(), data, r.clock(), r.lastWriter(), 0, created, updated,
                CanonicalJson.checksum(data), r.deleted());
    }

    // ---------------------------------------------------------------- manual resolution

    @Transactional
    public SyncState resolve(String ns, UUID conflictId, Resolution resolution, JsonNode data) {
        namespace(ns);
        if (resolution == Resolution.CUSTOM && (data == null || data.isNull())) {
            throw ProblemException.badRequest("resolution CUSTOM needs data");
        }
        String stateId = store.conflict(ns, conflictId, false).map(StateConflict::stateId)
                .orElseThrow(() -> ProblemException.notFound("no conflict " + conflictId + " in namespace " + ns));
        // the state first, then its conflict, in the order every write takes them (a write that supersedes the
        // conflict updates its row while it holds the state): the other order deadlocked against such a write
        StateStore.Stored current = store.find(ns, stateId, true).orElseThrow();
        StateConflict c = store.conflict(ns, conflictId, true).orElseThrow();
        if (!c.open()) {
            throw ProblemException.conflict("conflict " + conflictId + " was already resolved (" + c.resolution() + ")");
        }
        boolean writtenSince = current.state().clock().compare(c.local().clock()) != Causality.EQUAL;
        if (resolution == Resolution.REMOTE && writtenSince) {
            // the remote version would go over a local write the caller has not seen, silently
            throw ProblemException.conflict("state " + c.stateId() + " was written here (version " + current.state().version()
                    + ") since this conflict was recorded; read it again, then resolve with LOCAL (keeps it) or CUSTOM")
                    .with("currentVersion", current.state().version());
        }
        SyncState chosen = switch (resolution) {
            // this node's version as it is now: a write made since the conflict was recorded is kept, not undone
            case LOCAL -> current.state();
            case REMOTE -> c.remote();
            case CUSTOM -> null;
        };
        JsonNode newData = chosen == null ? data : chosen.data();
        storable(c.stateId(), newData);
        boolean deleted = chosen != null && chosen.deleted();
        Instant now = now();
        // a person's decision is a new write: it descends from both versions and from this node's
        VectorClock clock = current.state().clock().merge(c.local().clock()).merge(c.remote().clock())
                .increment(node, now).prune(config.clockMaxEntries(), config.clockPruneMinAge(), Set.of(node), now);
        SyncState state = new SyncState(ns, c.stateId(), deleted ? null : newData, clock, node,
                current.state().version() + 1, current.state().createdAt(), now,
                CanonicalJson.checksum(deleted ? null : newData), deleted);
        Changes changes = new Changes();
        changes.store(state, state, false, "resolution", true);
        store.resolveConflict(c.id(), resolution.name(), now, state.data());
        changes.events.add(events.conflictResolved(c, resolution.name()));
        changes.supersedeConflicts(state, now);
        changes.flush(ns);
        return state;
    }

    // ---------------------------------------------------------------- helpers

    NamespaceEntity namespace(String ns) {
        NamespaceEntity entity = NamespaceEntity.findById(ns);
        if (entity == null) {
            throw ProblemException.notFound("no namespace " + ns);
        }
        return entity;
    }

    /** A replicated state may arrive before its namespace is configured here: create it with the default. */
    private ConflictStrategy namespaceOrDefault(String ns) {
        NamespaceEntity entity = NamespaceEntity.findById(ns);
        if (entity != null) {
            return entity.conflictStrategy;
        }
        store.createNamespaceIfAbsent(ns, ConflictStrategy.valueOf(config.defaultStrategy()), now());
        return NamespaceEntity.<NamespaceEntity>findById(ns).conflictStrategy;
    }

    private static List<String> head(List<String> ids) {
        return ids.size() > LISTED ? List.copyOf(ids.subList(0, LISTED)) : ids;
    }

    static ReconciliationResult empty() {
        return new ReconciliationResult(List.of(), List.of(), List.of(), 0, 0, 0, 0);
    }

    static ReconciliationResult add(ReconciliationResult a, ReconciliationResult b) {
        List<String> applied = new ArrayList<>(a.applied());
        applied.addAll(b.applied());
        List<String> unchanged = new ArrayList<>(a.unchanged());
        unchanged.addAll(b.unchanged());
        List<StateConflict> conflicts = new ArrayList<>(a.conflicts());
        conflicts.addAll(b.conflicts());
        return new ReconciliationResult(head(applied), head(unchanged),
                conflicts.size() > LISTED ? conflicts.subList(0, LISTED) : conflicts,
                a.appliedCount() + b.appliedCount(), a.unchangedCount() + b.unchangedCount(),
                a.conflictCount() + b.conflictCount(), a.pendingOperations() + b.pendingOperations());
    }

    /** The writes, events and pending operations of one transaction, flushed as batches. */
    private final class Changes {
        final Map<String, StateStore.Write> writes = new LinkedHashMap<>();
        final List<Outbox.NewEvent> events = new ArrayList<>();
        final List<SyncState> published = new ArrayList<>();

        void store(SyncState state, SyncState base, boolean created, String cause, boolean publish) {
            writes.put(state.id(), new StateStore.Write(state, base));
            Outbox.NewEvent announcement = StateService.this.events.stored(state, created, cause);
            if (publish) {
                // one outbox row: the full state for the other nodes, its announcement as companion
                events.add(StateService.this.events.changed(state).with(announcement));
                published.add(state);
            } else {
                events.add(announcement);
            }
        }

        /** Sends a version this node keeps to the other nodes again, unchanged here (see {@link Reconciler#republished}). */
        void republish(SyncState state) {
            events.add(StateService.this.events.changed(state));
            published.add(state);
        }

        /** Open conflicts of this state whose both versions the new state descends from are over. */
        void supersedeConflicts(SyncState state, Instant now) {
            for (StateConflict open : store.openConflicts(state.namespace(), state.id())) {
                if (state.clock().descends(open.local().clock()) && state.clock().descends(open.remote().clock())) {
                    store.resolveConflict(open.id(), "SUPERSEDED", now, state.data());
                    events.add(StateService.this.events.conflictResolved(open, "SUPERSEDED"));
                }
            }
        }

        void flush(String ns) {
            store.upsertAll(new ArrayList<>(writes.values()));
            // the state.changes records are the pending operations until the broker acknowledges them
            outbox.addAll(events);
        }
    }
}
