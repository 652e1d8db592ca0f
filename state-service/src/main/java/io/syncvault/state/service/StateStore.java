package io.syncvault.state.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.platform.PageCursor;
import io.syncvault.state.Causality;
import io.syncvault.state.ConflictStrategy;
import io.syncvault.state.PendingOperation;
import io.syncvault.state.StateConflict;
import io.syncvault.state.SyncState;
import io.syncvault.state.VectorClock;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The state, pending-operation and conflict tables, through plain JDBC so that a reconcile of
 * thousands of states is a handful of batched statements. Callers hold the transaction
 * (the JTA transaction's connection is shared with Hibernate).
 */
@ApplicationScoped
public class StateStore {

    /** A stored state with the last version known to be shared with the other nodes (MERGE base). */
    public record Stored(SyncState state, SyncState base) {
    }

    /** A state write: the new current version and the base to keep with it. */
    public record Write(SyncState state, SyncState base) {
    }

    private static final String COLUMNS =
            "namespace, id, data, clock, last_writer, version, created_at, updated_at, checksum, deleted, base_clock, base_data";

    private final DataSource db;
    private final ObjectMapper json;

    public StateStore(DataSource db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** The stored state; {@code forUpdate}: its writers are serialized until this transaction ends (see {@link #lock}). */
    public Optional<Stored> find(String namespace, String id, boolean forUpdate) {
        if (forUpdate) {
            lock(namespace, List.of(id));
        }
        return query("select " + COLUMNS + " from state where namespace = ? and id = ?" + (forUpdate ? " for update" : ""),
                ps -> {
                    ps.setString(1, namespace);
                    ps.setString(2, id);
                }, this::stored).stream().findFirst();
    }

    /** The stored states among {@code ids}, locked for update (see {@link #lock}). */
    public Map<String, Stored> findAll(String namespace, Collection<String> ids) {
        Map<String, Stored> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        lock(namespace, ids);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select " + COLUMNS
                + " from state where namespace = ? and id = any(?) order by id for update")) {
            ps.setString(1, namespace);
            Array array = c.createArrayOf("varchar", ids.toArray());
            ps.setArray(2, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Stored s = stored(rs);
                    found.put(s.state().id(), s);
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
        return found;
    }

    /** A page of states in id order after {@code afterId} (null = from the start). */
    public List<SyncState> page(String namespace, String afterId, int limit, boolean includeDeleted) {
        return query("select " + COLUMNS + " from state where namespace = ? and id > ?"
                + (includeDeleted ? "" : " and not deleted") + " order by id limit ?", ps -> {
                    ps.setString(1, namespace);
                    ps.setString(2, afterId == null ? "" : afterId);
                    ps.setInt(3, limit);
                }, rs -> stored(rs).state());
    }

    /** Inserts or replaces many states in one batch. */
    public void upsertAll(List<Write> writes) {
        if (writes.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("insert into state ("
                + COLUMNS + ") values (?, ?, cast(? as jsonb), cast(? as jsonb), ?, ?, ?, ?, ?, ?, cast(? as jsonb),"
                + " cast(? as jsonb)) on conflict (namespace, id) do update set data = excluded.data,"
                + " clock = excluded.clock, last_writer = excluded.last_writer, version = excluded.version,"
                + " created_at = excluded.created_at, updated_at = excluded.updated_at, checksum = excluded.checksum,"
                + " deleted = excluded.deleted, base_clock = excluded.base_clock, base_data = excluded.base_data")) {
            for (Write w : writes) {
                SyncState s = w.state();
                ps.setString(1, s.namespace());
                ps.setString(2, s.id());
                ps.setString(3, s.data() == null ? null : text(s.data()));
                ps.setString(4, text(s.clock()));
                ps.setString(5, s.lastWriter());
                ps.setLong(6, s.version());
                ps.setTimestamp(7, Timestamp.from(s.createdAt()));
                ps.setTimestamp(8, Timestamp.from(s.updatedAt()));
                ps.setString(9, s.checksum());
                ps.setBoolean(10, s.deleted());
                // base columns null = the current version is the base (the usual case after a
                // reconcile): no second copy of the data
                boolean separate = w.base() != null && !(w.base().clock().compare(s.clock()) == Causality.EQUAL
                        && w.base().sameContent(s));
                ps.setString(11, separate ? text(w.base().clock()) : null);
                ps.setString(12, separate && w.base().data() != null ? text(w.base().data()) : null);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    public List<PendingOperation> pending(String namespace, int limit) {
        return query("select id, namespace, state_id, operation, clock, event_id, created_at, acknowledged_at"
                + " from pending_operation where namespace = ? and acknowledged_at is null order by created_at, id limit ?",
                ps -> {
                    ps.setString(1, namespace);
                    ps.setInt(2, limit);
                }, rs -> new PendingOperation(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), clock(rs.getString(5)), rs.getObject(6, UUID.class), instant(rs, 7),
                        instant(rs, 8)));
    }

    public long countPending(String namespace) {
        return query("select count(*) from pending_operation where namespace = ? and acknowledged_at is null",
                ps -> ps.setString(1, namespace), rs -> rs.getLong(1)).get(0);
    }

    /**
     * Stores the conflicts not stored yet (same id = same pair of versions) with two statements
     * for the whole list; returns the ones that are new.
     */
    public List<StateConflict> insertNewConflicts(List<StateConflict> conflicts) {
        if (conflicts.isEmpty()) {
            return List.of();
        }
        java.util.Set<UUID> existing = new java.util.HashSet<>();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select id from state_conflict where id = any(?)")) {
                ps.setArray(1, c.createArrayOf("uuid", conflicts.stream().map(StateConflict::id).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            List<StateConflict> fresh = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(INSERT_CONFLICT)) {
                for (StateConflict conflict : conflicts) {
                    if (existing.add(conflict.id())) {
                        bindConflict(ps, conflict);
                        ps.addBatch();
                        fresh.add(conflict);
                    }
                }
                if (!fresh.isEmpty()) {
                    ps.executeBatch();
                }
            }
            return fresh;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static final String INSERT_CONFLICT = "insert into state_conflict"
            + " (id, namespace, state_id, local_state, remote_state, strategy, detected_at, resolution, resolved_at,"
            + " resolved_data) values (?, ?, ?, cast(? as jsonb), cast(? as jsonb), ?, ?, ?, ?, cast(? as jsonb))"
            + " on conflict (id) do nothing";

    private void bindConflict(PreparedStatement ps, StateConflict conflict) throws SQLException {
        ps.setObject(1, conflict.id());
        ps.setString(2, conflict.namespace());
        ps.setString(3, conflict.stateId());
        ps.setString(4, text(conflict.local()));
        ps.setString(5, text(conflict.remote()));
        ps.setString(6, conflict.strategy().name());
        ps.setTimestamp(7, Timestamp.from(conflict.detectedAt()));
        ps.setString(8, conflict.resolution());
        ps.setTimestamp(9, conflict.resolvedAt() == null ? null : Timestamp.from(conflict.resolvedAt()));
        ps.setString(10, conflict.resolvedData() == null ? null : text(conflict.resolvedData()));
    }

    public void resolveConflict(UUID id, String resolution, Instant at, JsonNode data) {
        update("update state_conflict set resolution = ?, resolved_at = ?, resolved_data = cast(? as jsonb)"
                + " where id = ? and resolution is null", ps -> {
                    ps.setString(1, resolution);
                    ps.setTimestamp(2, Timestamp.from(at));
                    ps.setString(3, data == null ? null : text(data));
                    ps.setObject(4, id);
                });
    }

    public Optional<StateConflict> conflict(String namespace, UUID id, boolean forUpdate) {
        return query(CONFLICT_SELECT + " where namespace = ? and id = ?" + (forUpdate ? " for update" : ""), ps -> {
            ps.setString(1, namespace);
            ps.setObject(2, id);
        }, this::conflict).stream().findFirst();
    }

    /** Which of these states have an open conflict (one query for a whole batch). */
    public List<String> statesWithOpenConflicts(String namespace, Collection<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select distinct state_id"
                + " from state_conflict where namespace = ? and state_id = any(?) and resolution is null")) {
            ps.setString(1, namespace);
            ps.setArray(2, c.createArrayOf("varchar", ids.toArray()));
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Creates the namespace unless it exists (also when another transaction creates it at the same moment); true when created. */
    public boolean createNamespaceIfAbsent(String name, ConflictStrategy strategy, Instant now) {
        return 1 == update("insert into namespace (name, conflict_strategy, created_at, updated_at) values (?, ?, ?, ?)"
                + " on conflict (name) do nothing", ps -> {
                    ps.setString(1, name);
                    ps.setString(2, strategy.name());
                    ps.setTimestamp(3, Timestamp.from(now));
                    ps.setTimestamp(4, Timestamp.from(now));
                });
    }

    public List<StateConflict> openConflicts(String namespace, String stateId) {
        return query(CONFLICT_SELECT + " where namespace = ? and state_id = ? and resolution is null", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, stateId);
        }, this::conflict);
    }

    /**
     * One page of a namespace's conflicts by detection time, then id; {@code open} null = all. {@code after} (null
     * for the first page) is the last conflict of the page before: a page starts after it, so conflicts resolved (or
     * detected) between two pages neither shift nor repeat the others.
     */
    public List<StateConflict> conflicts(String namespace, Boolean open, PageCursor.TimeAndId after, int limit) {
        String filter = open == null ? "" : open ? " and resolution is null" : " and resolution is not null";
        String from = after == null ? "" : " and (detected_at, id) > (?, ?)";
        return query(CONFLICT_SELECT + " where namespace = ?" + filter + from + " order by detected_at, id limit ?",
                ps -> {
                    int i = 1;
                    ps.setString(i++, namespace);
                    if (after != null) {
                        ps.setTimestamp(i++, Timestamp.from(after.at()));
                        ps.setObject(i++, after.id());
                    }
                    ps.setInt(i, limit);
                }, this::conflict);
    }

    private static final String CONFLICT_SELECT = "select id, namespace, state_id, local_state, remote_state, strategy,"
            + " detected_at, resolution, resolved_at, resolved_data from state_conflict";

    private StateConflict conflict(ResultSet rs) throws SQLException {
        String data = rs.getString(10);
        return new StateConflict(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                read(rs.getString(4), SyncState.class), read(rs.getString(5), SyncState.class),
                ConflictStrategy.valueOf(rs.getString(6)), instant(rs, 7), rs.getString(8), instant(rs, 9),
                data == null ? null : read(data, JsonNode.class));
    }

    private Stored stored(ResultSet rs) throws SQLException {
        String data = rs.getString(3);
        SyncState state = new SyncState(rs.getString(1), rs.getString(2), data == null ? null : read(data, JsonNode.class),
                clock(rs.getString(4)), rs.getString(5), rs.getLong(6), instant(rs, 7), instant(rs, 8),
                rs.getString(9), rs.getBoolean(10));
        String baseClock = rs.getString(11);
        SyncState base = state;
        if (baseClock != null) {
            String baseData = rs.getString(12);
            JsonNode bd = baseData == null ? null : read(baseData, JsonNode.class);
            base = new SyncState(state.namespace(), state.id(), bd, clock(baseClock), state.lastWriter(), 0,
                    state.createdAt(), state.createdAt(), CanonicalJson.checksum(bd), bd == null);
        }
        return new Stored(state, base);
    }

    private VectorClock clock(String text) {
        return read(text, VectorClock.class);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable: " + e.getOriginalMessage(), e);
        }
    }

    private String text(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serializable: " + e.getOriginalMessage(), e);
        }
    }

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * Serializes the writers of these states until the transaction ends, whether their rows exist or
     * not: a row lock cannot hold a row that is not there yet, so two concurrent creates of one id both
     * passed the existence check and the second silently replaced the first under the same clock (a
     * divergence the replication test found). Transaction-scoped advisory locks on one of 64 buckets
     * of the namespace per id (at most 64 locks whatever the batch size), taken in bucket order by
     * {@code lock_states} (V6) so two batches never deadlock.
     */
    void lock(String namespace, Collection<String> ids) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("select lock_states(?, ?)")) {
            ps.setString(1, namespace);
            ps.setArray(2, c.createArrayOf("text", ids.toArray()));
            ps.executeQuery().close();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private <T> List<T> query(String sql, Binder binder, Mapper<T> mapper) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private int update(String sql, Binder binder) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static IllegalStateException failure(SQLException e) {
        return new IllegalStateException("database failure: " + e.getMessage(), e);
    }

}
