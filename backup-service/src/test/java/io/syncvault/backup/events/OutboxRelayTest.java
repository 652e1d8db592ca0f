package io.syncvault.backup.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.outbox.Outbox;
import io.syncvault.outbox.OutboxEvent;
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
                .fromTopics("backup.events");

        OutboxEvent event = QuarkusTransaction.requiringNew().call(() -> outbox.add("backup.events",
                "io.syncvault.backup.test_event", subject, Map.of("hello", "world")));

        ConsumerRecord<String, String> record = await().atMost(Duration.ofSeconds(30)).until(
                () -> records.getRecords().stream().filter(r -> subject.equals(r.key())).findFirst().orElse(null),
                r -> r != null);
        records.close();

        Headers h = record.headers();
        assertThat(header(h, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(h, "ce_id")).isEqualTo(event.id.toString());
        assertThat(header(h, "ce_type")).isEqualTo("io.syncvault.backup.test_event");
        assertThat(header(h, "ce_source")).isEqualTo("/syncvault/backup-service");
        assertThat(header(h, "ce_subject")).isEqualTo(subject);
        assertThat(header(h, "ce_time")).isNotBlank();
        assertThat(header(h, "content-type")).isEqualTo("application/json");
        assertThat(record.value()).isEqualTo("{\"hello\":\"world\"}");

        await().atMost(Duration.ofSeconds(10)).until(() -> QuarkusTransaction.requiringNew()
                .call(() -> OutboxEvent.<OutboxEvent>findById(event.id).sentAt != null));
    }

    @Test
    void rolledBackChangeSendsNothing() {
        String subject = "outbox-rollback/" + UUID.randomUUID();
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                outbox.add("backup.events", "io.syncvault.backup.test_event", subject, Map.of());
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
