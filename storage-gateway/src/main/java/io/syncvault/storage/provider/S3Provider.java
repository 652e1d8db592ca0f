package io.syncvault.storage.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket (AWS or an S3-compatible server) under an optional key prefix,
 * through the AWS SDK v2 with the Apache HTTP client. Bodies up to one part go up in one
 * PUT; larger ones as a multipart upload, one part in memory at a time, completed only at
 * commit (aborted otherwise). The version tag is the S3 ETag. Conditions are checked with a
 * HEAD right before the final request and also sent as If-Match / If-None-Match, which S3
 * enforces atomically.
 */
public final class S3Provider implements StorageProvider {

    private static final long MAX_COPY = 5L * 1024 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int partSize;

    public S3Provider(S3Client s3, String bucket, String prefix, int partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix == null ? "" : prefix;
        this.partSize = Math.max(partSize, 5 * 1024 * 1024);
    }

    /** A client for {@code endpoint} (null: AWS) with static credentials (null: the default chain). */
    public static S3Client client(String endpoint, String region, String accessKey, String secretKey) {
        AwsCredentialsProvider credentials = accessKey != null && secretKey != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)))
                .region(Region.of(region == null ? "us-east-1" : region))
                .credentialsProvider(credentials)
                // S3-compatible servers reject the newer default checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(3)));
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        return builder.build();
    }

    private String full(String key) {
        return prefix + key;
    }

    private String relative(String fullKey) {
        return fullKey.substring(prefix.length());
    }

    @Override
    public ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
        return new S3Writer(key, condition, initialMetadata);
    }

    private final class S3Writer implements ObjectWriter {
        private final String key;
        private final WriteCondition condition;
        private final Map<String, String> initialMetadata;
        private final List<CompletedPart> parts = new ArrayList<>();
        private final PartBuffer buffer;
        private String uploadId;
        private boolean committed;

        S3Writer(String key, WriteCondition condition, Map<String, String> initialMetadata) {
            this.key = key;
            this.condition = condition;
            this.initialMetadata = initialMetadata;
            this.buffer = new PartBuffer(partSize, this::uploadPart);
        }

        private void uploadPart(byte[] data, int length) {
            if (uploadId == null) {
                uploadId = call(() -> s3.createMultipartUpload(r -> r.bucket(bucket).key(full(key))
                        .metadata(initialMetadata)).uploadId());
            }
            int number = parts.size() + 1;
            String etag = call(() -> s3.uploadPart(r -> r.bucket(bucket).key(full(key)).uploadId(uploadId)
                    .partNumber(number), RequestBody.fromBytes(java.util.Arrays.copyOf(data, length))).eTag());
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }

        @Override
        public java.io.OutputStream stream() {
            return buffer;
        }

        @Override
        public ProviderObject commit(Map<String, String> metadata, WriteCondition asked) {
            WriteCondition condition = asked != null ? asked : this.condition;
            checkCondition(key, condition);
            if (uploadId == null) {
                byte[] body = java.util.Arrays.copyOf(buffer.buffer(), buffer.length());
                call(() -> s3.putObject(r -> {
                    r.bucket(bucket).key(full(key)).metadata(metadata);
                    if (condition.ifMatch() != null) {
                        r.ifMatch(quote(condition.ifMatch()));
                    }
                    if (condition.ifNoneMatch()) {
                        r.ifNoneMatch("*");
                    }
                }, RequestBody.fromBytes(body)));
            } else {
                if (buffer.length() > 0 || parts.isEmpty()) {
                    uploadPart(buffer.buffer(), buffer.length());
                    buffer.clear(); // a commit tried again under another condition sends it once
                }
                call(() -> s3.completeMultipartUpload(r -> {
                    r.bucket(bucket).key(full(key)).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
                    if (condition.ifMatch() != null) {
                        r.ifMatch(quote(condition.ifMatch()));
                    }
                    if (condition.ifNoneMatch()) {
                        r.ifNoneMatch("*");
                    }
                }));
                committed = true;
                if (!metadata.equals(initialMetadata)) {
                    // a multipart upload names its metadata up front; what was learned while streaming
                    // (size, SHA-256) is set by copying the object onto itself
                    String etag = head(key).orElseThrow(() -> new ObjectNotFoundException(key)).versionTag();
                    call(() -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(full(key)).destinationBucket(bucket)
                            .destinationKey(full(key)).metadataDirective(MetadataDirective.REPLACE).metadata(metadata)
                            .copySourceIfMatch(quote(etag))));
                }
            }
            committed = true;
            return head(key).orElseThrow(() -> new ObjectNotFoundException(key));
        }

        @Override
        public void close() {
            if (!committed && uploadId != null) {
                try {
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(full(key)).uploadId(uploadId));
                } catch (RuntimeException e) {
                    // an unfinished upload is never visible under the key; lifecycle rules clean it up
                }
            }
        }
    }

    private void checkCondition(String key, WriteCondition condition) {
        if (condition.ifMatch() == null && !condition.ifNoneMatch()) {
            return;
        }
        String current = head(key).map(ProviderObject::versionTag).orElse(null);
        if (!condition.holds(current)) {
            throw new PreconditionFailedException(current == null ? key + " does not exist"
                    : "the current version of " + key + " is " + current);
        }
    }

    @Override
    public Optional<ProviderObject> head(String key) {
        try {
            HeadObjectResponse h = call(() -> s3.headObject(r -> r.bucket(bucket).key(full(key))));
            return Optional.of(new ProviderObject(key, h.contentLength(), unquote(h.eTag()), h.lastModified(),
                    Map.copyOf(h.metadata())));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public ProviderRead get(String key, long offset, long length) {
        if (length == 0) {
            ProviderObject object = head(key).orElseThrow(() -> new ObjectNotFoundException(key));
            return new ProviderRead(object, InputStream.nullInputStream());
        }
        String range = offset == 0 && length < 0 ? null
                : "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1));
        ResponseInputStream<GetObjectResponse> in = call(() -> s3.getObject(r -> r.bucket(bucket).key(full(key)).range(range)));
        GetObjectResponse g = in.response();
        long size = g.contentRange() != null ? Long.parseLong(g.contentRange().substring(g.contentRange().indexOf('/') + 1))
                : g.contentLength();
        return new ProviderRead(new ProviderObject(key, size, unquote(g.eTag()), g.lastModified(), Map.copyOf(g.metadata())),
                in);
    }

    @Override
    public void delete(String key, String ifMatch) {
        ProviderObject current = head(key).orElseThrow(() -> new ObjectNotFoundException(key));
        if (ifMatch != null && !ifMatch.equals(current.versionTag())) {
            throw new PreconditionFailedException("the current version of " + key + " is " + current.versionTag());
        }
        // the HEAD answers 404 and 412 where a server ignores If-Match on DELETE; where it honours it (AWS), a
        // version written between the two is not deleted
        call(() -> s3.deleteObject(r -> {
            r.bucket(bucket).key(full(key));
            if (ifMatch != null) {
                r.ifMatch(quote(ifMatch));
            }
        }));
    }

    @Override
    public ProviderListing list(String listPrefix, String delimiter, String cursor, int limit) {
        ListObjectsV2Response page = call(() -> s3.listObjectsV2(r -> r.bucket(bucket).prefix(full(listPrefix))
                .delimiter(delimiter).continuationToken(cursor).maxKeys(limit)));
        List<ProviderObject> objects = new ArrayList<>();
        for (S3Object o : page.contents()) {
            String key = relative(o.key());
            // listings carry no user metadata; the gateway's (plaintext size, SHA-256) needs a HEAD
            Map<String, String> metadata = head(key).map(ProviderObject::metadata).orElse(Map.of());
            objects.add(new ProviderObject(key, o.size(), unquote(o.eTag()), o.lastModified(), metadata));
        }
        List<String> prefixes = page.commonPrefixes().stream().map(CommonPrefix::prefix).map(this::relative).toList();
        return new ProviderListing(objects, prefixes, Boolean.TRUE.equals(page.isTruncated())
                ? page.nextContinuationToken() : null);
    }

    @Override
    public ProviderObject copy(String source, String target) {
        ProviderObject object = head(source).orElseThrow(() -> new ObjectNotFoundException(source));
        if (object.storedSize() > MAX_COPY) {
            return StorageProvider.super.copy(source, target);
        }
        call(() -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(full(source)).destinationBucket(bucket)
                .destinationKey(full(target)).metadataDirective(MetadataDirective.COPY)));
        return head(target).orElseThrow(() -> new ObjectNotFoundException(target));
    }

    /** Creates the bucket when it does not exist (tests and first runs against an emulator). */
    @Override
    public void probe() {
        try {
            call(() -> s3.headBucket(r -> r.bucket(bucket)));
        } catch (ObjectNotFoundException e) {
            throw new ProviderUnavailableException("S3 bucket " + bucket + " does not exist");
        }
    }

    public void createBucketIfMissing() {
        try {
            s3.headBucket(r -> r.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(r -> r.bucket(bucket));
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private static String quote(String tag) {
        return "\"" + tag + "\"";
    }

    private static String unquote(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    private static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (NoSuchKeyException e) {
            throw new ObjectNotFoundException("no such object");
        } catch (S3Exception e) {
            throw ProviderErrors.forStatus("S3", e.statusCode(), e);
        } catch (SdkClientException e) {
            throw new ProviderUnavailableException("S3 cannot be reached: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new ProviderUnavailableException("S3 I/O failed: " + e.getMessage(), e);
        }
    }

}
