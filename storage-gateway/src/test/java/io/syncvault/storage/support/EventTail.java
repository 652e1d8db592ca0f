package io.syncvault.storage.support;

import static org.awaitility.Awaitility.await;

import io.smallrye.reactive.messaging.kafka.companion.ConsumerBuilder;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Follows a topic from its current end: returns once the consumer has its partitions and their
 * positions, so every record produced afterwards is seen, however long the topic's history is.
 */
public final class EventTail {

    private EventTail() {
    }

    public static ConsumerTask<String, String> follow(KafkaCompanion kafka, String topic) {
        ConsumerBuilder<String, String> consumer = kafka.consumeStrings()
                .withProps(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "gateway-test-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"));
        ConsumerTask<String, String> task = consumer.fromTopics(topic);
        consumer.waitForAssignment().await().atMost(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> !consumer.assignment().isEmpty()
                && consumer.position().keySet().containsAll(consumer.assignment()));
        return task;
    }
}
