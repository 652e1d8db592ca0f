package io.syncvault.state.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncvault.outbox.Outbox;
import io.syncvault.state.Namespace;
import io.syncvault.state.StateConflict;
import io.syncvault.state.SyncState;
import io.syncvault.state.config.StateConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The events this service publishes (through the outbox): announcements on {@code state.events}
 * and the full state on the compacted {@code state.changes}, keyed {@code <namespace>/<id>}; a namespace's
 * settings go there too, keyed by its name (which holds no {@code /}).
 */
@ApplicationScoped
public class StateEvents {

    public static final String PREFIX = "io.syncvault.state.";
    public static final String STATE_CREATED = PREFIX + "state_created";
    public static final String STATE_UPDATED = PREFIX + "state_updated";
    public static final String STATE_DELETED = PREFIX + "state_deleted";
    public static final String CONFLICT_DETECTED = PREFIX + "conflict_detected";
    public static final String CONFLICT_RESOLVED = PREFIX + "conflict_resolved";
    public static final String AUTO_SYNC_TICK = PREFIX + "auto_sync_tick";
    public static final String STATE_CHANGED = PREFIX + "state_changed";
    public static final String NAMESPACE_CHANGED = PREFIX + "namespace_changed";

    /** The field of a {@code state.changes} record naming the node that published it. */
    public static final String ORIGIN = "origin";

    private final ObjectMapper json;
    private final String node;
    private final String eventsTopic;
    private final String changesTopic;

    public StateEvents(ObjectMapper json, StateConfig config) {
        this.json = json;
        this.node = config.nodeId();
        this.eventsTopic = config.eventsTopic();
        this.changesTopic = config.changesTopic();
    }

    public static String subject(String namespace, String id) {
        return namespace + "/" + id;
    }

    /** state_created / state_updated / state_deleted for a stored change. */
    public Outbox.NewEvent stored(SyncState s, boolean created, String cause) {
        String type = s.deleted() ? STATE_DELETED : created ? STATE_CREATED : STATE_UPDATED;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", s.namespace());
        data.put("id", s.id());
        data.put("version", s.version());
        data.put("clock", s.clock());
        data.put("lastWriter", s.lastWriter());
        data.put("checksum", s.checksum());
        data.put("deleted", s.deleted());
        data.put("updatedAt", s.updatedAt());
        data.put("node", node);
        data.put("cause", cause);
        return new Outbox.NewEvent(eventsTopic, type, subject(s.namespace(), s.id()), data);
    }

    /** The full state for the other nodes, on the compacted changes topic. */
    public Outbox.NewEvent changed(SyncState s) {
        ObjectNode value = json.valueToTree(s);
        value.put(ORIGIN, node);
        return new Outbox.NewEvent(changesTopic, STATE_CHANGED, subject(s.namespace(), s.id()), value);
    }

    /** A namespace's settings for the other nodes, on the compacted changes topic (key: its name). */
    public Outbox.NewEvent namespaceChanged(Namespace ns) {
        ObjectNode value = json.valueToTree(ns);
        value.put(ORIGIN, node);
        return new Outbox.NewEvent(changesTopic, NAMESPACE_CHANGED, ns.name(), value);
    }

    public Outbox.NewEvent conflictDetected(StateConflict c) {
        return conflictEvent(CONFLICT_DETECTED, c);
    }

    public Outbox.NewEvent conflictResolved(StateConflict c, String resolution) {
        Outbox.NewEvent e = conflictEvent(CONFLICT_RESOLVED, c);
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) e.data();
        data.put("resolution", resolution);
        return e;
    }

    private Outbox.NewEvent conflictEvent(String type, StateConflict c) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", c.namespace());
        data.put("stateId", c.stateId());
        data.put("conflictId", c.id());
        data.put("strategy", c.strategy());
        data.put("localClock", c.local().clock());
        data.put("remoteClock", c.remote().clock());
        data.put("node", node);
        return new Outbox.NewEvent(eventsTopic, type, subject(c.namespace(), c.stateId()), data);
    }

    public Outbox.NewEvent autoSyncTick(String namespace, long pending) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", namespace);
        data.put("pendingOperations", pending);
        data.put("node", node);
        return new Outbox.NewEvent(eventsTopic, AUTO_SYNC_TICK, namespace, data);
    }
}
