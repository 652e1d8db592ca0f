package io.syncvault.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;

/** The stored row of a namespace's settings. */
@Entity
@Table(name = "namespace")
public class NamespaceEntity extends PanacheEntityBase {

    @Id
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(name = "conflict_strategy", nullable = false)
    public ConflictStrategy conflictStrategy;

    @Column(name = "auto_sync_interval_ms")
    public Long autoSyncIntervalMs;

    @Column(name = "last_auto_sync_at")
    public Instant lastAutoSyncAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /**
     * When the settings were last set, here or on another node (null: never; the namespace was made here for a
     * replicated state that came before its settings). Of two settings, the one set later wins on every node.
     */
    @Column(name = "settings_at")
    public Instant settingsAt;

    public Namespace toNamespace() {
        return new Namespace(name, conflictStrategy,
                autoSyncIntervalMs == null ? null : Duration.ofMillis(autoSyncIntervalMs), createdAt, updatedAt);
    }
}
