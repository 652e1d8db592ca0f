package io.syncvault.platform;

import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Builds Kafka messages that the connector writes as binary-mode CloudEvents (ce_* headers,
 * JSON data) keyed by subject, and that complete {@code acked} when the broker acknowledges.
 */
public final class CloudEventMessages {

    private CloudEventMessages() {
    }

    public static Message<String> of(String id, URI source, String type, String topic, String subject,
            Instant time, String jsonData, CompletableFuture<Void> acked) {
        OutgoingCloudEventMetadata<Object> cloudEvent = OutgoingCloudEventMetadata.builder()
                .withId(id)
                .withSource(source)
                .withType(type)
                .withSubject(subject)
                .withTimestamp(time.atZone(ZoneOffset.UTC))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> record = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic)
                .withKey(subject)
                .build();
        return Message.of(jsonData, Metadata.of(cloudEvent, record),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
    }
}
