package io.syncvault.state.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures of applying a replicated record are the database's (waited out) and which the record's (skipped). */
class StateChangesConsumerTest {

    private static RuntimeException wrapped(Throwable cause) {
        // as Hibernate and the transaction layer hand the driver's exception on
        return new IllegalStateException("transaction failed", new RuntimeException("could not execute statement", cause));
    }

    @Test
    void theDatabaseOutOfReachIsWaitedOut() {
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("connection refused", "08001")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("terminating connection", "57P01")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("deadlock detected", "40P01")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("could not serialize", "40001")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("too many connections", "53300")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("lock not available", "55P03")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("Sorry, acquisition timeout!")))).isTrue();
        assertThat(StateChangesConsumer.unavailable(new SQLTransientConnectionException("pool closed"))).isTrue();
    }

    @Test
    void aRecordTheDatabaseRefusesIsNotWaitedFor() {
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("value too long", "22001")))).isFalse();
        assertThat(StateChangesConsumer.unavailable(wrapped(new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(StateChangesConsumer.unavailable(new IllegalArgumentException("not a state"))).isFalse();
    }
}
