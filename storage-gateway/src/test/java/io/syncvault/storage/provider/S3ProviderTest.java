package io.syncvault.storage.provider;

import io.syncvault.platform.testing.LocalInfrastructure;
import java.util.Map;

/** The provider contract against S3Proxy (deploy/local/infra start s3proxy). */
class S3ProviderTest extends ProviderContract {

    @Override
    protected StorageProvider createProvider() {
        S3Provider provider = provider("gateway-contract");
        provider.createBucketIfMissing();
        return provider;
    }

    @Override
    protected StorageProvider providerOfAMissingPlace() {
        return provider("gateway-missing-" + java.util.UUID.randomUUID());
    }

    private static S3Provider provider(String bucket) {
        Map<String, String> env = LocalInfrastructure.localEnv();
        String endpoint = env.getOrDefault("SYNCVAULT_TEST_S3_ENDPOINT", "http://127.0.0.1:9000");
        LocalInfrastructure.require("S3Proxy", endpoint.replaceFirst("^https?://", ""), "deploy/local/infra start s3proxy");
        return new S3Provider(S3Provider.client(endpoint, "us-east-1", env.get("SYNCVAULT_TEST_S3_ACCESS_KEY"),
                env.get("SYNCVAULT_TEST_S3_SECRET_KEY")), bucket, "store-prefix/", PART_SIZE);
    }
}
