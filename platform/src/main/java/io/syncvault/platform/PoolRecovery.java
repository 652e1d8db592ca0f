package io.syncvault.platform;

import io.agroal.api.AgroalDataSource;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * After a failure that lost its database connection, the pool drops every idle connection that no longer works, so
 * that the requests after it open new ones instead of each failing once on a connection the same restart or failover
 * ended. Without it, a pool of 16 answered up to 16 requests with a 503 after the database was back. Agroal checks the
 * idle connections on its own thread (one round trip each, only after such a failure); connections in use are left to
 * fail on their own, and each such failure checks the idle ones again.
 * A bean in every service with a database; the storage gateway, which has none, leaves it out
 * ({@code quarkus.arc.exclude-types}).
 */
@Singleton
public class PoolRecovery {

    private static final Logger LOG = Logger.getLogger(PoolRecovery.class);

    private final AgroalDataSource pool;

    public PoolRecovery(AgroalDataSource pool) {
        this.pool = pool;
    }

    /** Called with a failure of database work: a lost connection has the pool check its idle ones. */
    public void failed(Throwable failure) {
        if (!DatabaseFailures.connectionLost(failure)) {
            return;
        }
        LOG.debugf("a database connection was lost (%s): dropping the pool's idle connections that no longer work",
                failure.getMessage());
        pool.flush(AgroalDataSource.FlushMode.INVALID);
    }
}
