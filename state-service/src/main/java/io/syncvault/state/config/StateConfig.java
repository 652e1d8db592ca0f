package io.syncvault.state.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How this node keeps, reconciles and replicates states. */
@ConfigMapping(prefix = "syncvault.state")
public interface StateConfig {

    /** This node's id: its entry in every vector clock it increments, and its replication consumer group. */
    String nodeId();

    /** The compacted topic that carries full states between nodes (record key {@code <namespace>/<id>}). */
    @WithDefault("state.changes")
    String changesTopic();

    /** The topic of state-service events (created, updated, deleted, conflicts, auto-sync ticks). */
    @WithDefault("state.events")
    String eventsTopic();

    /** Conflict strategy of a namespace created because a replicated state arrived before its settings. */
    @WithDefault("LAST_WRITE_WINS")
    String defaultStrategy();

    /** Most states one reconcile request may carry. */
    @WithDefault("10000")
    int maxReconcileBatch();

    /** Clock pruning: entries kept before pruning is considered at all. */
    @WithDefault("32")
    int clockMaxEntries();

    /** Clock pruning: only entries not updated for this long may go; keep it above the longest replication delay. */
    @WithDefault("P30D")
    Duration clockPruneMinAge();

    /** Largest page a list request may ask for. */
    @WithDefault("500")
    int maxPageSize();
}
