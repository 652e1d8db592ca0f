package io.syncvault.storage.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Map;
import java.util.Optional;

/** The named stores this gateway serves, each a provider location with its own encryption settings. */
@ConfigMapping(prefix = "syncvault.gateway")
public interface GatewayConfig {

    /** The stores by name ({@code syncvault.gateway.stores.<name>.*}); the name appears in every object URL. */
    Map<String, StoreConfig> stores();

    /**
     * MiB of throwaway data encrypted, decrypted and hashed in the background at start, so that the
     * JIT has compiled AES-GCM and SHA-256 with their CPU intrinsics before the first large object
     * (else the first gigabytes run several times slower). 0 turns it off.
     */
    @WithName("cipher-warmup-mb")
    @WithDefault("64")
    int cipherWarmupMb();

    /** One store: where its objects live and how they are written. */
    interface StoreConfig {

        /** Which provider holds the objects: local, s3, azure or gcs. */
        ProviderKind provider();

        /** Local provider: the root folder; nothing is ever written outside it. */
        Optional<String> root();

        /** S3 bucket, Azure container or GCS bucket. */
        Optional<String> bucket();

        /** A key prefix inside the bucket under which this store's objects live (e.g. {@code team-a/}). */
        Optional<String> prefix();

        /** Provider endpoint override (S3-compatible servers, Azurite, a GCS test server). */
        Optional<String> endpoint();

        /** S3 region (us-east-1 when absent). */
        Optional<String> region();

        /** Provider credentials; each value is a literal (typically a ${ENV} expression) or {@code env:NAME}. */
        Credentials credentials();

        /** Whether object bodies are encrypted client side (true unless a store says otherwise). */
        @WithDefault("true")
        boolean encryption();

        /** The passphrase that unwraps this store's master key: a literal (a ${ENV} expression) or {@code env:NAME}. */
        Optional<String> passphrase();

        /** Compression applied before encryption: none, gzip or zstd. */
        @WithDefault("none")
        Compression compression();

        /** How many previous versions of an object are kept on overwrite or delete. */
        @WithName("versions-kept")
        @WithDefault("3")
        int versionsKept();

        /** The largest object (plaintext bytes) a PUT may store; larger bodies get 413. */
        @WithName("max-object-size")
        @WithDefault("100G")
        MemorySize maxObjectSize();

        /** S3 multipart part size, Azure block size and GCS resumable chunk size; bodies above it go up in parts. */
        @WithName("part-size")
        @WithDefault("8M")
        MemorySize partSize();
    }

    /** Secret references of a store; never listed by the API. */
    interface Credentials {

        /** S3 access key id. */
        @WithName("access-key")
        Optional<String> accessKey();

        /** S3 secret access key. */
        @WithName("secret-key")
        Optional<String> secretKey();

        /** Azure storage connection string. */
        @WithName("connection-string")
        Optional<String> connectionString();

        /** GCS project id. */
        @WithName("project-id")
        Optional<String> projectId();

        /** GCS service account JSON file; absent means no credentials (only for a test server) or application default. */
        @WithName("credentials-file")
        Optional<String> credentialsFile();
    }

    /** The provider kinds. */
    enum ProviderKind {
        LOCAL, S3, AZURE, GCS;
    }

    /** Compression of bodies before encryption. */
    enum Compression {
        NONE, GZIP, ZSTD;
    }
}
