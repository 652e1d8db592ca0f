package io.syncvault.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.platform.DbClock;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * Records an event in the same transaction as the change it announces, so the two agree:
 * both happen or neither does. {@link OutboxRelay} sends it to Kafka after the commit.
 */
@ApplicationScoped
public class Outbox {

    private final ObjectMapper json;
    private final Event<OutboxEvent> written;
    private final DbClock clock;

    public Outbox(ObjectMapper json, Event<OutboxEvent> written, DbClock clock) {
        this.json = json;
        this.written = written;
        this.clock = clock;
    }

    /**
     * Adds an event to the outbox.
     *
     * @param topic   the Kafka topic it goes to
     * @param type    the CloudEvents type, {@code io.syncvault.<service>.<event>}
     * @param subject the id the event is about; also the record key, so one subject keeps its order
     * @param data    the event data, serialized as JSON
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public OutboxEvent add(String topic, String type, String subject, Object data) {
        OutboxEvent event = new OutboxEvent();
        event.id = UUID.randomUUID();
        event.topic = topic;
        event.type = type;
        event.subject = subject;
        try {
            event.payload = json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not serializable: " + e.getOriginalMessage(), e);
        }
        // the database's time: the relay sends in this order, and another instance's events share the table
        event.createdAt = clock.now();
        event.persist();
        written.fire(event);
        return event;
    }
}
