package io.syncvault.storage.provider;

import io.syncvault.platform.testing.LocalInfrastructure;
import java.util.Map;

/** The provider contract against the project's GCS JSON API test server (deploy/local/infra start gcs), not Google. */
class GcsProviderTest extends ProviderContract {

    @Override
    protected StorageProvider createProvider() {
        GcsProvider provider = provider("gateway-contract");
        provider.createBucketIfMissing();
        return provider;
    }

    @Override
    protected StorageProvider providerOfAMissingPlace() {
        return provider("gateway-missing-" + java.util.UUID.randomUUID());
    }

    private static GcsProvider provider(String bucket) {
        Map<String, String> env = LocalInfrastructure.localEnv();
        String endpoint = env.getOrDefault("SYNCVAULT_TEST_GCS_ENDPOINT", "http://127.0.0.1:4443");
        LocalInfrastructure.require("The GCS test server", endpoint.replaceFirst("^https?://", ""),
                "deploy/local/infra start gcs");
        return new GcsProvider(GcsProvider.client(endpoint, "syncvault-test", null), bucket, "store-prefix/", PART_SIZE);
    }

    @Override
    protected boolean fixesTheConditionOfAChunkedWrite() {
        return true;
    }
}
