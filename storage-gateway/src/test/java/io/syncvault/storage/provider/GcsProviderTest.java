package io.syncvault.storage.provider;

import io.syncvault.platform.testing.LocalInfrastructure;
import java.util.Map;

/** The provider contract against the project's GCS JSON API test server (deploy/local/infra start gcs), not Google. */
class GcsProviderTest extends ProviderContract {

    @Override
    protected StorageProvider createProvider() {
        Map<String, String> env = LocalInfrastructure.localEnv();
        String endpoint = env.getOrDefault("SYNCVAULT_TEST_GCS_ENDPOINT", "http://127.0.0.1:4443");
        LocalInfrastructure.require("The GCS test server", endpoint.replaceFirst("^https?://", ""),
                "deploy/local/infra start gcs");
        GcsProvider provider = new GcsProvider(GcsProvider.client(endpoint, "syncvault-test", null), "gateway-contract",
                "store-prefix/", PART_SIZE);
        provider.createBucketIfMissing();
        return provider;
    }

    @Override
    protected boolean fixesTheConditionOfAChunkedWrite() {
        return true;
    }
}
