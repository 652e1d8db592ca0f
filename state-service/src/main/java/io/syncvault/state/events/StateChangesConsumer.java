package io.syncvault.state.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.syncvault.platform.DatabaseFailures;
import io.syncvault.platform.PoolRecovery;
import io.syncvault.state.Namespace;
import io.syncvault.state.SyncState;
import io.syncvault.state.config.StateConfig;
import io.syncvault.state.service.NamespaceService;
import io.syncvault.state.service.StateService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Applies the other nodes' records from the compacted {@code state.changes} topic. Each node
 * has its own consumer group and starts from the earliest offset, so a new node catches up
 * from the topic. Its own records are skipped; a record whose {@code ce_id} was applied
 * before is skipped too (delivery is at least once). The state is applied with the same
 * reconciliation as a client's reconcile, in one transaction with the {@code processed_event} row. A record of
 * type {@code namespace_changed} carries a namespace's settings, taken when set later than the ones here.
 * A database outage is waited out (retried with growing pauses, up to 5 s apart); a record that
 * fails for a reason of its own is skipped, logged, after {@value #ATTEMPTS} attempts.
 */
@ApplicationScoped
public class StateChangesConsumer {

    private static final Logger LOG = Logger.getLogger(StateChangesConsumer.class);
    /** Attempts at a record that fails for a reason of its own before it is skipped (a database outage is waited out). */
    private static final int ATTEMPTS = 5;
    private static final long FIRST_PAUSE_MILLIS = 100;
    private static final long MAX_PAUSE_MILLIS = 5_000;

    private final StateService states;
    private final NamespaceService namespaces;
    private final ObjectMapper json;
    private final EntityManager em;
    private final String node;
    private final PoolRecovery pool;

    public StateChangesConsumer(StateService states, NamespaceService namespaces, ObjectMapper json, EntityManager em,
            StateConfig config, PoolRecovery pool) {
        this.states = states;
        this.namespaces = namespaces;
        this.json = json;
        this.em = em;
        this.node = config.nodeId();
        this.pool = pool;
    }

    @Incoming("state-changes")
    @Blocking(ordered = true)
    public CompletionStage<Void> onRecord(Message<String> message) {
        var kafka = message.getMetadata(IncomingKafkaRecordMetadata.class);
        String ceId = kafka.map(m -> header(m.getHeaders().lastHeader("ce_id"))).orElse(null);
        String ceType = kafka.map(m -> header(m.getHeaders().lastHeader("ce_type"))).orElse(null);
        try {
            apply(ceId, ceType, message.getPayload());
        } catch (Interrupted e) {
            // the service stops while it waits for the database: not applied, so not acknowledged (sent again)
            return message.nack(e);
        } catch (RuntimeException e) {
            // a record this node cannot apply must not stop replication of everything behind it
            LOG.errorf(e, "state.changes record %s skipped after %d attempts", ceId, ATTEMPTS);
        }
        return message.ack();
    }

    /** Applies a record: a state, or (type {@code namespace_changed}) a namespace's settings. */
    void apply(String ceId, String ceType, String payload) {
        if (payload == null) {
            return; // a compaction tombstone: nothing to apply
        }
        boolean settings = StateEvents.NAMESPACE_CHANGED.equals(ceType);
        ObjectNode value;
        String origin;
        SyncState state = null;
        Namespace namespace = null;
        try {
            value = (ObjectNode) json.readTree(payload);
            origin = value.path(StateEvents.ORIGIN).asText(null);
            value.remove(StateEvents.ORIGIN);
            if (settings) {
                namespace = json.treeToValue(value, Namespace.class);
            } else {
                state = json.treeToValue(value, SyncState.class);
            }
        } catch (Exception e) {
            LOG.warnf("state.changes record %s is not a %s, skipped: %s", ceId, settings ? "namespace" : "state",
                    e.getMessage());
            return;
        }
        if (node.equals(origin) || (settings ? namespace.name() : state.namespace()) == null) {
            return;
        }
        SyncState s = state;
        Namespace ns = namespace;
        String what = settings ? "the settings of " + ns.name() : s.namespace() + "/" + s.id();
        long pause = FIRST_PAUSE_MILLIS;
        for (int attempt = 1; ; attempt++) {
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    boolean again = ceId != null && em.createNativeQuery(
                            "insert into processed_event (id, processed_at) values (?1, ?2) on conflict do nothing")
                            .setParameter(1, ceId).setParameter(2, Instant.now()).executeUpdate() == 0;
                    if (settings) {
                        if (!again) {
                            namespaces.applyReplicated(ns);
                        }
                    } else if (again) {
                        states.replayed(s); // applied before
                    } else {
                        states.applyReplicated(s);
                    }
                });
                return;
            } catch (RuntimeException e) {
                // the database's failure (not the record's) is waited out, however long it lasts: the record is
                // applied once the database is back, and the records behind it wait (this partition's order is the
                // states' order). Skipping it, as after a failure of the record itself, would lose that version here
                // for good, since its offset is then committed.
                boolean outage = DatabaseFailures.unavailable(e);
                pool.failed(e);
                if (!outage && attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("applying %s failed (attempt %d%s), again in %d ms: %s", what, attempt,
                        outage ? ", the database is out of reach" : "", pause, e.getMessage());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw new Interrupted(e);
                }
                pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
            }
        }
    }

    /** Waiting to apply a record was interrupted (the service stops): the record was not applied. */
    static final class Interrupted extends RuntimeException {
        Interrupted(RuntimeException cause) {
            super("interrupted while waiting to apply a record", cause);
        }
    }

    private static String header(Header h) {
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

}
