package io.syncvault.storage.provider;

import io.syncvault.platform.testing.LocalInfrastructure;
import java.util.Map;

/** The provider contract against Azurite (deploy/local/infra start azurite). */
class AzureProviderTest extends ProviderContract {

    @Override
    protected StorageProvider createProvider() {
        AzureProvider provider = provider("gateway-contract");
        provider.createContainerIfMissing();
        return provider;
    }

    @Override
    protected StorageProvider providerOfAMissingPlace() {
        return provider("gateway-missing-" + java.util.UUID.randomUUID().toString().substring(0, 8));
    }

    private static AzureProvider provider(String container) {
        Map<String, String> env = LocalInfrastructure.localEnv();
        String connection = env.get("SYNCVAULT_TEST_AZURE_CONNECTION_STRING");
        if (connection == null) {
            throw new IllegalStateException("SYNCVAULT_TEST_AZURE_CONNECTION_STRING is not set: start Azurite with "
                    + "`deploy/local/infra start azurite`");
        }
        LocalInfrastructure.require("Azurite", "127.0.0.1:10000", "deploy/local/infra start azurite");
        return new AzureProvider(AzureProvider.container(connection, null, container), "store-prefix/", PART_SIZE);
    }
}
