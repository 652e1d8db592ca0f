package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Everything {@link LocalProviderTest} checks, with a provider that keeps every record in a
 * sidecar, as on a file system without user extended attributes.
 */
class LocalProviderSidecarTest extends LocalProviderTest {

    @Override
    protected StorageProvider createProvider() {
        return new LocalProvider(root.resolve("store"), false);
    }

    @Test
    void recordsAreNotPutOnFiles() {
        assertThat(((LocalProvider) provider).recordsInAttributes()).isFalse();
    }
}
