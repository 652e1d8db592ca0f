package io.syncvault.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.platform.DbClock;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Records an event in the same transaction as the change it announces, so the two agree:
 * both happen or neither does. {@link OutboxRelay} sends it to Kafka after the commit.
 */
@ApplicationScoped
public class Outbox {

    private final ObjectMapper json;
    private final Event<OutboxEvent> written;
    private final DataSource db;
    private final DbClock clock;

    /**
     * One event to add with {@link #addAll}; {@code also} is an optional companion record on another
     * topic (same subject) kept in the same outbox row and relayed with it (the state-service's full
     * version of a state on state.changes carries its announcement on state.events: one row instead of two).
     */
    public record NewEvent(String topic, String type, String subject, Object data, NewEvent also) {
        public NewEvent(String topic, String type, String subject, Object data) {
            this(topic, type, subject, data, null);
        }

        public NewEvent with(NewEvent companion) {
            return new NewEvent(topic, type, subject, data, companion);
        }
    }

    public Outbox(ObjectMapper json, Event<OutboxEvent> written, DataSource db, DbClock clock) {
        this.json = json;
        this.written = written;
        this.db = db;
        this.clock = clock;
    }

    /**
     * Adds many events with one JDBC batch (bulk reconcile writes thousands per transaction);
     * same guarantees as {@link #add}. Returns their ids in order.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<UUID> addAll(List<NewEvent> events) {
        List<UUID> ids = new ArrayList<>(events.size());
        if (events.isEmpty()) {
            return ids;
        }
        // the database's time: the relay sends in this order, and other instances' events share the table
        Instant now = clock.now();
        OutboxEvent last = null;
        try (Connection c = db.getConnection(); PreparedStatement insert = c.prepareStatement(
                "insert into outbox_event (id, topic, type, subject, payload, created_at, also_topic, also_type, also_payload)"
                        + " values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            long millis = now.toEpochMilli();
            for (NewEvent e : events) {
                UUID id = timeOrdered(millis);
                String payload = json.writeValueAsString(e.data());
                insert.setObject(1, id);
                insert.setString(2, e.topic());
                insert.setString(3, e.type());
                insert.setString(4, e.subject());
                insert.setString(5, payload);
                // strictly increasing times keep the relay's order = the order written (one subject's
                // records must reach the compacted topic oldest first)
                insert.setTimestamp(6, Timestamp.from(now.plusNanos(1_000L * ids.size())));
                NewEvent also = e.also();
                insert.setString(7, also == null ? null : also.topic());
                insert.setString(8, also == null ? null : also.type());
                insert.setString(9, also == null ? null : json.writeValueAsString(also.data()));
                insert.addBatch();
                ids.add(id);
                last = new OutboxEvent();
                last.id = id;
            }
            insert.executeBatch();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not serializable: " + e.getOriginalMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write outbox events: " + e.getMessage(), e);
        }
        written.fire(last);
        return ids;
    }

    /**
     * A random UUID whose first 48 bits are the time (the UUIDv7 layout): ids written together sit
     * together in the primary-key index instead of touching a random page each.
     */
    static UUID timeOrdered(long epochMillis) {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long high = (epochMillis << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low);
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
        // the database's time: the relay sends in this order, and other instances' events share the table
        event.createdAt = clock.now();
        event.persist();
        written.fire(event);
        return event;
    }
}
