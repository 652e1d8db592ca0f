package io.syncvault.storage.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.syncvault.storage.events.EventSpool;
import io.syncvault.storage.events.StorageEvents;
import io.syncvault.storage.support.EventTail;
import io.syncvault.platform.testing.Tokens;
import java.nio.charset.StandardCharsets;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A PUT and a DELETE each publish one CloudEvent on storage.events (real broker) with the contract's data; an event
 * kept in the spool reaches the broker.
 */
@QuarkusTest
class StorageEventsTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    EventSpool spool;

    @Test
    void storedAndDeletedEventsCarrySubjectDataAndOrigin() {
        String key = "events-" + UUID.randomUUID() + "/file.txt";
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            ConsumerTask<String, String> records = EventTail.follow(kafka, "storage.events");
            String tag = given().auth().oauth2(Tokens.writer()).header("X-SyncVault-Origin", "item-42")
                    .contentType("application/octet-stream").body("hello".getBytes())
                    .when().put("/v1/stores/default/objects/" + key).then().statusCode(201).extract().path("versionTag");
            given().auth().oauth2(Tokens.writer()).header("X-SyncVault-Origin", "item-42")
                    .when().delete("/v1/stores/default/objects/" + key).then().statusCode(204);
            String subject = "default/" + key;
            await().atMost(Duration.ofSeconds(30)).until(() -> mine(records.getRecords(), subject).size() == 2);
            records.stop();
            List<ConsumerRecord<String, String>> mine = mine(records.getRecords(), subject);
            assertThat(header(mine.get(0), "ce_type")).isEqualTo("io.syncvault.storage.object_stored");
            assertThat(header(mine.get(1), "ce_type")).isEqualTo("io.syncvault.storage.object_deleted");
            assertThat(mine.get(0).key()).isEqualTo(subject);
            assertThat(mine.get(0).value()).contains("\"store\":\"default\"", "\"key\":\"" + key + "\"",
                    "\"versionTag\":\"" + tag + "\"", "\"size\":5", "\"origin\":\"item-42\"", "\"actor\":\"test-writer\"",
                    "\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"");
            assertThat(header(mine.get(0), "ce_id")).isNotEqualTo(header(mine.get(1), "ce_id"));
        }
    }

    @Test
    void anEventTheBrokerRefusedIsSentFromTheSpoolAndLeavesIt() throws Exception {
        // kept as a refused send keeps it (EventSpoolTest shows a failed send lands here)
        String id = UUID.randomUUID().toString();
        String subject = "default/spooled-" + id;
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrap)) {
            ConsumerTask<String, String> records = EventTail.follow(kafka, "storage.events");
            spool.put(new EventSpool.Spooled(id, StorageEvents.OBJECT_DELETED, subject, Instant.now(), "{\"key\":\"k\"}"));
            await().atMost(Duration.ofSeconds(30)).until(() -> mine(records.getRecords(), subject).size() == 1);
            records.stop();
            ConsumerRecord<String, String> sent = mine(records.getRecords(), subject).get(0);
            assertThat(header(sent, "ce_id")).isEqualTo(id);
            assertThat(header(sent, "ce_type")).isEqualTo(StorageEvents.OBJECT_DELETED);
            assertThat(sent.key()).isEqualTo(subject);
            assertThat(sent.value()).isEqualTo("{\"key\":\"k\"}");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> spool.pending(100).stream()
                .noneMatch(p -> p.getFileName().toString().contains(id)));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("syncvault_events_kept"));
    }

    private static List<ConsumerRecord<String, String>> mine(List<ConsumerRecord<String, String>> all, String subject) {
        return all.stream().filter(r -> subject.equals(header(r, "ce_subject"))).toList();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
