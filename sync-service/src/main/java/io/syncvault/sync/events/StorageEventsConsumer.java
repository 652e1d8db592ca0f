package io.syncvault.sync.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.syncvault.sync.service.AutoSync;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Push: listens to the gateway's {@code storage.events} (own consumer group) and hands changes
 * made by someone else to {@link AutoSync}. Records arrive a poll at a time (most concern no
 * item, or the item that made the change, and are dropped without a database call); each event
 * that matters is handled once: its ce_id goes into {@code processed_event} in the same
 * transaction as the push it owes ({@code pending_push}), so a push outlives a stop of the service
 * during its debounce.
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
    public void consume(ConsumerRecords<String, String> records) {
        Map<String, List<UUID>> wanted = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            try {
                String type = header(record, "ce_type");
                String id = header(record, "ce_id");
                if (id == null || !(STORED.equals(type) || DELETED.equals(type)) || record.value() == null) {
                    continue;
                }
                JsonNode data = json.readTree(record.value());
                String store = data.path("store").asText(null);
                String key = data.path("key").asText(null);
                if (store == null || key == null) {
                    continue;
                }
                List<UUID> items = autoSync.interested(store, key, data.path("origin").asText(""));
                if (!items.isEmpty()) {
                    wanted.put(id, items);
                }
            } catch (Exception e) {
                // a malformed event must not stop the stream; the next scheduled run catches up anyway
                LOG.warnf("ignored a storage event that could not be handled: %s", e.getMessage());
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        List<UUID> push = QuarkusTransaction.requiringNew().call(() -> {
            List<UUID> first = new ArrayList<>();
            wanted.forEach((id, items) -> {
                boolean fresh = em.createNativeQuery(
                        "insert into processed_event (id, processed_at) values (?1, now()) on conflict (id) do nothing")
                        .setParameter(1, id).executeUpdate() == 1;
                if (fresh) {
                    first.addAll(items);
                }
            });
            for (UUID item : new java.util.LinkedHashSet<>(first)) {
                autoSync.owePush(item);
            }
            return first;
        });
        autoSync.schedulePush(push.stream().distinct().toList());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
