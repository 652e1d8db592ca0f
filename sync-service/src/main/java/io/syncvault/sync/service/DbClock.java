package io.syncvault.sync.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The time by which the rows of runs, owed pushes and outbox events are written and compared: the database's
 * clock, the one clock every instance of the service shares. A run started by one instance pays the push another
 * instance recorded only if it started after the change (see {@link AutoSync}), a run is stale when its heartbeat
 * is older than the stale time, and the relay sends events in the order of their times: with each instance's own
 * clock, a skew between two hosts would decide all three. Read inside a transaction (its query flushes the
 * session: read it before changing entities).
 */
@ApplicationScoped
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
