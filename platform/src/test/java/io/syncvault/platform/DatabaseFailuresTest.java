package io.syncvault.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures are the database's (a 503, a record waited for) and which the request's or the record's own. */
class DatabaseFailuresTest {

    private static RuntimeException wrapped(Throwable cause) {
        // as Hibernate and the transaction layer hand the driver's exception on
        return new IllegalStateException("transaction failed", new RuntimeException("could not execute statement", cause));
    }

    @Test
    void theDatabaseOutOfReachIsUnavailable() {
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("connection refused", "08001")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("terminating connection", "57P01")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("deadlock detected", "40P01")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("could not serialize", "40001")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("too many connections", "53300")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("lock not available", "55P03")))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("Sorry, acquisition timeout!")))).isTrue();
        assertThat(DatabaseFailures.unavailable(new SQLTransientConnectionException("pool closed"))).isTrue();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException(
                "database \"syncvault\" is not currently accepting connections", "55000")))).isTrue();
    }

    @Test
    void whatTheDatabaseRefusesOfTheRequestIsNot() {
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("value too long", "22001")))).isFalse();
        assertThat(DatabaseFailures.unavailable(wrapped(new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(DatabaseFailures.unavailable(new IllegalArgumentException("not a state"))).isFalse();
        // the first SQL exception in the chain decides, not one it wraps
        assertThat(DatabaseFailures.unavailable(new SQLException("batch entry failed", "23505",
                new SQLException("connection refused", "08001")))).isFalse();
    }

    @Test
    void aLostConnectionIsOneTheServerEndedOrWhoseSocketBroke() {
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("An I/O error occurred", "08006")))).isTrue();
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("the database system is shutting down", "57P03")))).isTrue();
        assertThat(DatabaseFailures.connectionLost(new SQLRecoverableException("connection reset"))).isTrue();
        // unavailable, but the connection itself still works
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("deadlock detected", "40P01")))).isFalse();
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("Sorry, acquisition timeout!")))).isFalse();
        assertThat(DatabaseFailures.connectionLost(wrapped(new SQLException("canceling statement due to user request", "57014")))).isFalse();
        assertThat(DatabaseFailures.connectionLost(new IllegalStateException("no SQL here"))).isFalse();
    }
}
