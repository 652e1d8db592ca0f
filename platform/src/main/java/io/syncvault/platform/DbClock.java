package io.syncvault.platform;

import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The time by which rows that instances of a service compare are written and judged: the database's clock, the one
 * clock every instance shares. The sync-service pays a push only with a run that started after the change another
 * instance recorded, runs and backups are given up as dead when their heartbeat is older than a limit, and the
 * outbox relay sends events in the order of their times: with each instance's own clock, a skew between two hosts
 * would decide all of these (and have one instance give up, and clean up after, work another is still doing). Read
 * inside a transaction (its query flushes the session: read it before changing entities). A bean in every service
 * with Hibernate ORM; the storage gateway, which has no database, leaves it out ({@code quarkus.arc.exclude-types}).
 */
@Singleton
public class DbClock {

    private final EntityManager em;

    public DbClock(EntityManager em) {
        this.em = em;
    }

    /** The database's time now (its clock_timestamp, not the start of the transaction), to the microsecond. */
    public Instant now() {
        Number micros = (Number) em.createNativeQuery(
                "select cast(floor(extract(epoch from clock_timestamp()) * 1000000) as bigint)").getSingleResult();
        return Instant.EPOCH.plus(micros.longValue(), ChronoUnit.MICROS);
    }
}
