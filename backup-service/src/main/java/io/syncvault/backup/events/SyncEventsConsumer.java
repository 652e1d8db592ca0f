package io.syncvault.backup.events;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.syncvault.backup.BackupDefinition;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.service.BackupService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Starts a backup of each enabled definition whose {@code triggerSyncItemId} is the item a
 * {@code io.syncvault.sync.sync_completed} event reports (its subject). Idempotent: each
 * event id is recorded in {@code processed_event} in the same transaction that decides.
 */
@ApplicationScoped
public class SyncEventsConsumer {

    static final String SYNC_COMPLETED = "io.syncvault.sync.sync_completed";
    private static final Logger LOG = Logger.getLogger(SyncEventsConsumer.class);
    private final EntityManager em;
    private final BackupService backups;

    public SyncEventsConsumer(EntityManager em, BackupService backups) {
        this.em = em;
        this.backups = backups;
    }

    @Incoming("sync-events")
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        Optional<IncomingCloudEventMetadata<?>> ce = message.getMetadata(IncomingCloudEventMetadata.class)
                .map(m -> (IncomingCloudEventMetadata<?>) m);
        if (ce.isPresent() && SYNC_COMPLETED.equals(ce.get().getType()) && ce.get().getSubject().isPresent()) {
            String item = ce.get().getSubject().get();
            List<UUID> due = QuarkusTransaction.requiringNew().call(() -> {
                int inserted = em.createNativeQuery(
                        "insert into processed_event (id, processed_at) values (?1, ?2) on conflict do nothing")
                        .setParameter(1, ce.get().getId()).setParameter(2, Instant.now()).executeUpdate();
                if (inserted == 0) {
                    return List.<UUID>of();
                }
                return BackupDefinition.<BackupDefinition>list("triggerSyncItemId = ?1 and enabled = true", item)
                        .stream().map(d -> d.id).toList();
            });
            for (UUID id : due) {
                try {
                    String backupId = backups.start(id, "sync_completed:" + item);
                    LOG.infof("sync of %s completed: backup %s started", item, backupId);
                } catch (ProblemException e) {
                    LOG.infof("sync of %s completed, backup of %s not started: %s", item, id, e.getMessage());
                }
            }
        }
        return message.ack();
    }
}
