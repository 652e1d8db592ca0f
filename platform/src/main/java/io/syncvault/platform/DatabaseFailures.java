package io.syncvault.platform;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Which failures are the database's rather than the request's or the record's, told apart by the driver's exception
 * (and its SQL state) somewhere in the cause chain, however Hibernate and the transaction layer wrapped it.
 */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    /**
     * The database is out of reach or refused for now: no connection, the pool's wait timed out, a deadlock or
     * serialization failure, too many connections, a shutdown, a lock not available. Trying again later may work;
     * the request or record itself is not at fault.
     */
    public static boolean unavailable(Throwable failure) {
        SQLException sql = firstSqlException(failure);
        if (sql == null) {
            return false;
        }
        if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException) {
            return true;
        }
        String state = sql.getSQLState();
        // no state: the pool or the driver before the server answered; 08 connection, 40 rollback
        // (deadlock, serialization), 53 resources, 57 operator (shutdown), 55P03 lock not available, 55000 a database
        // not accepting connections (ALTER DATABASE ... ALLOW_CONNECTIONS false; the services use none of the
        // features that raise it otherwise)
        return state == null || state.startsWith("08") || state.startsWith("40") || state.startsWith("53")
                || state.startsWith("57") || state.equals("55P03") || state.equals("55000");
    }

    /**
     * The connection the failure came through is gone (its socket broke, or the server ended the session: a restart,
     * a failover, an administrator). Other pooled connections opened before the same event are most likely gone too.
     */
    public static boolean connectionLost(Throwable failure) {
        SQLException sql = firstSqlException(failure);
        if (sql == null) {
            return false;
        }
        String state = sql.getSQLState();
        // 08: connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
        return sql instanceof SQLRecoverableException || state != null
                && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }

    private static SQLException firstSqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }
}
