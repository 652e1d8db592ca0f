package io.syncvault.state.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.syncvault.state.SyncState;
import io.syncvault.state.config.StateConfig;
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
 * reconciliation as a client's reconcile, in one transaction with the {@code processed_event} row.
 */
@ApplicationScoped
public class StateChangesConsumer {

    private static final Logger LOG = Logger.getLogger(StateChangesConsumer.class);
    private static final int ATTEMPTS = 5;

    private final StateService states;
    private final ObjectMapper json;
    private final EntityManager em;
    private final String node;

    public StateChangesConsumer(StateService states, ObjectMapper json, EntityManager em, StateConfig config) {
        this.states = states;
        this.json = json;
        this.em = em;
        this.node = config.nodeId();
    }

    @Incoming("state-changes")
    @Blocking(ordered = true)
    public CompletionStage<Void> onRecord(Message<String> message) {
        String ceId = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> header(m.getHeaders().lastHeader("ce_id"))).orElse(null);
        try {
            apply(ceId, message.getPayload());
        } catch (RuntimeException e) {
            // a record this node cannot apply must not stop replication of everything behind it
            LOG.errorf(e, "state.changes record %s skipped after %d attempts", ceId, ATTEMPTS);
        }
        return message.ack();
    }

    void apply(String ceId, String payload) {
        if (payload == null) {
            return; // a compaction tombstone: nothing to apply
        }
        ObjectNode value;
        SyncState state;
        String origin;
        try {
            value = (ObjectNode) json.readTree(payload);
            origin = value.path(StateEvents.ORIGIN).asText(null);
            value.remove(StateEvents.ORIGIN);
            state = json.treeToValue(value, SyncState.class);
        } catch (Exception e) {
            LOG.warnf("state.changes record %s is not a state, skipped: %s", ceId, e.getMessage());
            return;
        }
        if (node.equals(origin) || state.namespace() == null) {
            return;
        }
        RuntimeException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    if (ceId != null && em.createNativeQuery(
                            "insert into processed_event (id, processed_at) values (?1, ?2) on conflict do nothing")
                            .setParameter(1, ceId).setParameter(2, Instant.now()).executeUpdate() == 0) {
                        return; // applied before
                    }
                    states.applyReplicated(state);
                });
                return;
            } catch (RuntimeException e) {
                last = e;
                LOG.warnf("applying %s/%s failed (attempt %d): %s", state.namespace(), state.id(), attempt, e.getMessage());
            }
        }
        throw last;
    }

    private static String header(Header h) {
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

}
