package io.syncvault.state.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.outbox.Outbox;
import io.syncvault.outbox.OutboxEvent;
import io.syncvault.outbox.OutboxRelay;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An event written with a database change reaches the real broker as a binary-mode CloudEvent. */
@QuarkusTest
class OutboxRelayTest {

    @Inject
    Outbox outbox;

    /** This run's own events topic (TestInfrastructure), so the consumer never wades through history. */
    @ConfigProperty(name = "syncvault.state.events-topic")
    String topic;

    @ConfigProperty(name = "syncvault.state.changes-topic")
    String changesTopic;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    KafkaCompanion kafka;

    @BeforeEach
    void connect() {
        kafka = new KafkaCompanion(bootstrap);
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    @Test
    void committedEventIsRelayedWithCloudEventHeadersAndMarkedSent() {
        String subject = "outbox-test/" + UUID.randomUUID();
        ConsumerTask<String, String> records = kafka.consumeStrings()
                .withGroupId("outbox-test-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST)
                .fromTopics(topic);

        OutboxEvent event = QuarkusTransaction.requiringNew().call(() -> outbox.add(topic,
                "io.syncvault.state.test_event", subject, Map.of("hello", "world")));

        ConsumerRecord<String, String> record = await().atMost(Duration.ofSeconds(30)).until(
                () -> records.getRecords().stream().filter(r -> subject.equals(r.key())).findFirst().orElse(null),
                r -> r != null);
        records.close();

        Headers h = record.headers();
        assertThat(header(h, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(h, "ce_id")).isEqualTo(event.id.toString());
        assertThat(header(h, "ce_type")).isEqualTo("io.syncvault.state.test_event");
        assertThat(header(h, "ce_source")).isEqualTo("/syncvault/state-service");
        assertThat(header(h, "ce_subject")).isEqualTo(subject);
        assertThat(header(h, "ce_time")).isNotBlank();
        assertThat(header(h, "content-type")).isEqualTo("application/json");
        assertThat(record.value()).isEqualTo("{\"hello\":\"world\"}");

        await().atMost(Duration.ofSeconds(10)).until(() -> QuarkusTransaction.requiringNew()
                .call(() -> OutboxEvent.<OutboxEvent>findById(event.id).sentAt != null));
    }

    @Test
    void oneRowWithACompanionReachesBothTopicsAndIsMarkedSentOnce() {
        String subject = "outbox-companion/" + UUID.randomUUID();
        ConsumerTask<String, String> changes = kafka.consumeStrings().withGroupId("outbox-test-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(changesTopic);
        ConsumerTask<String, String> events = kafka.consumeStrings().withGroupId("outbox-test-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST).fromTopics(topic);

        UUID id = QuarkusTransaction.requiringNew().call(() -> outbox.addAll(java.util.List.of(
                new Outbox.NewEvent(changesTopic, "io.syncvault.state.test_full", subject, Map.of("full", 1))
                        .with(new Outbox.NewEvent(topic, "io.syncvault.state.test_note", subject, Map.of("note", 2))))))
                .get(0);

        ConsumerRecord<String, String> full = await().atMost(Duration.ofSeconds(30)).until(
                () -> changes.getRecords().stream().filter(r -> subject.equals(r.key())).findFirst().orElse(null),
                r -> r != null);
        ConsumerRecord<String, String> note = await().atMost(Duration.ofSeconds(30)).until(
                () -> events.getRecords().stream().filter(r -> subject.equals(r.key())).findFirst().orElse(null),
                r -> r != null);
        changes.close();
        events.close();
        assertThat(header(full.headers(), "ce_id")).isEqualTo(id.toString());
        assertThat(header(full.headers(), "ce_type")).isEqualTo("io.syncvault.state.test_full");
        assertThat(full.value()).isEqualTo("{\"full\":1}");
        assertThat(header(note.headers(), "ce_id")).isEqualTo(OutboxRelay.companionId(id)).isNotEqualTo(id.toString());
        assertThat(header(note.headers(), "ce_type")).isEqualTo("io.syncvault.state.test_note");
        assertThat(header(note.headers(), "ce_subject")).isEqualTo(subject);
        assertThat(note.value()).isEqualTo("{\"note\":2}");
        assertThat(QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("subject", subject))).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> QuarkusTransaction.requiringNew()
                .call(() -> OutboxEvent.<OutboxEvent>findById(id).sentAt != null));
    }

    @Test
    void rolledBackChangeSendsNothing() {
        String subject = "outbox-rollback/" + UUID.randomUUID();
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                outbox.add(topic, "io.syncvault.state.test_event", subject, Map.of());
                throw new IllegalStateException("the change fails after the event was added");
            });
        } catch (IllegalStateException expected) {
            // the transaction rolled back
        }
        long rows = QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("subject", subject));
        assertThat(rows).isZero();
    }

    private static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
