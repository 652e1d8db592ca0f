package io.syncvault.state.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.syncvault.outbox.EventsConfig;
import io.syncvault.outbox.ProcessedEvents;
import io.syncvault.platform.DbClock;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The ids of applied incoming events are removed once older than they are kept, in batches, in PostgreSQL. */
@QuarkusTest
class ProcessedEventsTest {

    @Inject
    ProcessedEvents processed;

    @Inject
    EventsConfig config;

    @Inject
    DbClock clock;

    @Inject
    EntityManager em;

    @Test
    void idsOlderThanKeptGoInBatchesAndNewerOnesStay() {
        Instant now = clock.now();
        Duration keep = config.keepProcessed();
        String run = "processed-test/" + UUID.randomUUID() + "/";
        List<String> old = IntStream.range(0, 25).mapToObj(i -> run + "old-" + i).toList();
        List<String> recent = IntStream.range(0, 3).mapToObj(i -> run + "recent-" + i).toList();
        QuarkusTransaction.requiringNew().run(() -> {
            old.forEach(id -> record(id, now.minus(keep).minus(Duration.ofHours(1))));
            recent.forEach(id -> record(id, now.minus(keep).plus(Duration.ofHours(1))));
        });

        // 25 old rows in batches of 10: three deletes, the last one short (earlier runs' old rows may go too)
        long removed = processed.purgeBefore(now.minus(keep), 10);

        assertThat(removed).isGreaterThanOrEqualTo(old.size());
        assertThat(present(run)).containsExactlyInAnyOrderElementsOf(recent);
    }

    @Test
    void idsAreKeptForAWeekByDefault() {
        // as long as the broker keeps a consumer group's offsets by default (offsets.retention.minutes)
        assertThat(config.keepProcessed()).isEqualTo(Duration.ofDays(7));
    }

    private void record(String id, Instant at) {
        em.createNativeQuery("insert into processed_event (id, processed_at) values (?1, ?2)")
                .setParameter(1, id).setParameter(2, at).executeUpdate();
    }

    @SuppressWarnings("unchecked")
    private List<String> present(String prefix) {
        return QuarkusTransaction.requiringNew().call(() -> em
                .createNativeQuery("select id from processed_event where id like ?1")
                .setParameter(1, prefix + "%").getResultList());
    }
}
