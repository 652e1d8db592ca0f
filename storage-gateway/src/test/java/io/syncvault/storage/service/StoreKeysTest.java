package io.syncvault.storage.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncvault.storage.crypto.KeyWrapping;
import io.syncvault.storage.provider.LocalProvider;
import io.syncvault.storage.provider.ObjectNotFoundException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store's key ring in a real folder: first start creates it, passphrases come and go, a wrong one stops the start. */
class StoreKeysTest {

    @TempDir
    Path root;

    private final KeyWrapping cheap = new KeyWrapping(1 << 10, 8, 1);

    @Test
    void passphrasesOpenTheSameMasterKeyAndAWrongOneFailsClearly() {
        LocalProvider provider = new LocalProvider(root);
        StoreKeys first = StoreKeys.open("vault", provider, "first passphrase", cheap);
        assertThat(root.resolve(".syncvault/keys")).isNotEmptyDirectory();
        String second = first.addPassphrase("second passphrase");
        assertThat(StoreKeys.open("vault", provider, "second passphrase", cheap).masterKey()).isEqualTo(first.masterKey());
        assertThat(StoreKeys.open("vault", provider, "first passphrase", cheap).masterKey()).isEqualTo(first.masterKey());
        assertThatThrownBy(() -> StoreKeys.open("vault", provider, "wrong passphrase", cheap))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store 'vault'").hasMessageContaining("wrong passphrase");
        String firstId = first.keyIds().stream().filter(id -> !id.equals(second)).findFirst().orElseThrow();
        first.removePassphrase(firstId);
        assertThatThrownBy(() -> StoreKeys.open("vault", provider, "first passphrase", cheap))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> first.removePassphrase(second)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("last");
        assertThatThrownBy(() -> first.removePassphrase("ffffffffffffffff")).isInstanceOf(ObjectNotFoundException.class);
    }
}
