package io.syncvault.sync.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Reads sync.events from the real broker: the CloudEvents one item produced. */
final class SyncEventsProbe implements AutoCloseable {

    record Event(String id, String type, String subject, JsonNode data) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaCompanion kafka;
    private final ConsumerTask<String, String> task;

    SyncEventsProbe(String bootstrap) {
        kafka = new KafkaCompanion(bootstrap);
        task = kafka.consumeStrings().withGroupId("sync-flow-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics("sync.events");
    }

    List<Event> of(String itemId) {
        return task.getRecords().stream().filter(r -> itemId.equals(r.key())).map(SyncEventsProbe::event).toList();
    }

    List<Event> of(String itemId, String shortType) {
        return of(itemId).stream().filter(e -> e.type().equals("io.syncvault.sync." + shortType)).toList();
    }

    private static Event event(ConsumerRecord<String, String> r) {
        try {
            return new Event(header(r, "ce_id"), header(r, "ce_type"), header(r, "ce_subject"), JSON.readTree(r.value()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        task.close();
        kafka.close();
    }
}
