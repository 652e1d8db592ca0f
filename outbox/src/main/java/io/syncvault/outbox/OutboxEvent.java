package io.syncvault.outbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One event waiting in (or relayed from) the outbox; its id is the CloudEvent id. */
@Entity
@Table(name = "outbox_event")
public class OutboxEvent extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false)
    public String topic;

    @Column(nullable = false)
    public String type;

    @Column(nullable = false)
    public String subject;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The companion record relayed with this one (same subject), if any; see {@link Outbox.NewEvent}. */
    @Column(name = "also_topic")
    public String alsoTopic;

    @Column(name = "also_type")
    public String alsoType;

    @Column(name = "also_payload", columnDefinition = "text")
    public String alsoPayload;

    @Column(name = "sent_at")
    public Instant sentAt;
}
