package io.syncvault.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The start-up warm-up runs the real cipher both ways over the MiB it is given, whole rounds. */
class CipherWarmupTest {

    @Test
    void encryptsDecryptsAndChecksWholeRounds() throws Exception {
        assertThat(CipherWarmup.run(8)).isEqualTo(8L << 20);
        assertThat(CipherWarmup.run(5)).isEqualTo(5L << 20);
        assertThat(CipherWarmup.run(0)).isZero();
    }
}
