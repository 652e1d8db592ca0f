package io.syncvault.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Envelope key wrapping: the right passphrase opens the master key, any other does not. */
class KeyWrappingTest {

    private final KeyWrapping wrapping = new KeyWrapping(1 << 10, 8, 1);

    @Test
    void wrapsAndUnwrapsWithThePassphraseOnly() {
        byte[] master = KeyWrapping.newMasterKey();
        KeyFile one = wrapping.wrap(master, "correct horse");
        KeyFile two = wrapping.wrap(master, "battery staple");
        assertThat(one.salt()).isNotEqualTo(two.salt());
        assertThat(one.masterKeyId()).isEqualTo(two.masterKeyId()).isEqualTo(KeyWrapping.masterKeyId(master));
        assertThat(KeyWrapping.unwrap(one, "correct horse")).hasValueSatisfying(k -> assertThat(k).isEqualTo(master));
        assertThat(KeyWrapping.unwrap(two, "battery staple")).hasValueSatisfying(k -> assertThat(k).isEqualTo(master));
        assertThat(KeyWrapping.unwrap(one, "battery staple")).isEmpty();
        assertThat(KeyWrapping.unwrap(one, "correct horse ")).isEmpty();
    }

    @Test
    void aKeyFileCannotBeRenamed() {
        KeyFile file = wrapping.wrap(KeyWrapping.newMasterKey(), "pass");
        KeyFile renamed = new KeyFile(file.format(), "0000000000000000", file.masterKeyId(), file.kdf(), file.n(),
                file.r(), file.p(), file.salt(), file.cipher(), file.nonce(), file.wrappedKey(), file.created());
        assertThat(KeyWrapping.unwrap(renamed, "pass")).isEmpty();
    }
}
