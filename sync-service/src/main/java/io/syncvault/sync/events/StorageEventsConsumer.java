package io.syncvault.sync.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.syncvault.sync.service.AutoSync;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Push: listens to the gateway's {@code storage.events} (own consumer group) and hands changes
 * made by someone else to {@link AutoSync}. Each event is handled once: its ce_id goes into
 * {@code processed_event} in the same transaction as the decision.
 */
@ApplicationScoped
public class StorageEventsConsumer {

    private static final Logger LOG = Logger.getLogger(StorageEventsConsumer.class);
    static final String STORED = "io.syncvault.storage.object_stored";
    static final String DELETED = "io.syncvault.storage.object_deleted";

    private final AutoSync autoSync;
    private final ObjectMapper json;
    private final EntityManager em;

    public StorageEventsConsumer(AutoSync autoSync, ObjectMapper json, EntityManager em) {
        this.autoSync = autoSync;
        this.json = json;
        this.em = em;
    }

    @Incoming("storage-events")
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        try {
            Optional<IncomingCloudEventMetadata> ce = message.getMetadata(IncomingCloudEventMetadata.class);
            if (ce.isEmpty()) {
                return message.ack();
            }
            String type = ce.get().getType();
            if (!STORED.equals(type) && !DELETED.equals(type)) {
                return message.ack();
            }
            String id = ce.get().getId();
            JsonNode data = json.readTree(message.getPayload());
            String store = data.path("store").asText(null);
            String key = data.path("key").asText(null);
            String origin = data.path("origin").asText("");
            if (store == null || key == null) {
                return message.ack();
            }
            var items = autoSync.interested(store, key, origin);
            if (items.isEmpty()) {
                return message.ack();
            }
            boolean first = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                    "insert into processed_event (id, processed_at) values (?1, now()) on conflict (id) do nothing")
                    .setParameter(1, id).executeUpdate() == 1);
            if (first) {
                autoSync.schedulePush(items);
            }
        } catch (Exception e) {
            // a malformed event must not stop the stream; the next scheduled run catches up anyway
            LOG.warnf("ignored a storage event that could not be handled: %s", e.getMessage());
        }
        return message.ack();
    }
}
