package io.syncvault.storage.provider;

import com.google.api.gax.paging.Page;
import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobSourceOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Objects in a Google Cloud Storage bucket under an optional prefix, through the official
 * google-cloud-storage client (JSON API). Bodies up to one chunk go up in one multipart
 * upload; larger ones through a resumable upload session that is finalized only at commit.
 * The version tag is the object's generation; conditions are GCS generation preconditions
 * ({@code ifGenerationMatch}, {@code ifGenerationMatch=0} for create-only).
 */
public final class GcsProvider implements StorageProvider {

    private final Storage storage;
    private final String bucket;
    private final String prefix;
    private final int chunkSize;

    public GcsProvider(Storage storage, String bucket, String prefix, int chunkSize) {
        this.storage = storage;
        this.bucket = bucket;
        this.prefix = prefix == null ? "" : prefix;
        // resumable chunks must be multiples of 256 KiB
        this.chunkSize = Math.max(256 * 1024, chunkSize / (256 * 1024) * (256 * 1024));
    }

    /** A client for {@code endpoint} (null: Google); without a credentials file and with an endpoint, no credentials. */
    public static Storage client(String endpoint, String projectId, String credentialsFile) {
        StorageOptions.Builder builder = StorageOptions.http().setProjectId(projectId == null ? "syncvault" : projectId)
                .setRetrySettings(RetrySettings.newBuilder().setMaxAttempts(3)
                        .setInitialRetryDelayDuration(Duration.ofMillis(200)).setMaxRetryDelayDuration(Duration.ofSeconds(2))
                        .setTotalTimeoutDuration(Duration.ofSeconds(30)).build());
        if (endpoint != null) {
            builder.setHost(endpoint);
        }
        try {
            if (credentialsFile != null) {
                try (InputStream in = new FileInputStream(credentialsFile)) {
                    builder.setCredentials(GoogleCredentials.fromStream(in));
                }
            } else if (endpoint != null) {
                builder.setCredentials(NoCredentials.getInstance());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read GCS credentials " + credentialsFile, e);
        }
        return builder.build().getService();
    }

    @Override
    public void probe() {
        if (call(() -> storage.get(bucket)) == null) {
            throw new ProviderUnavailableException("GCS bucket " + bucket + " does not exist");
        }
    }

    public void createBucketIfMissing() {
        if (storage.get(bucket) == null) {
            storage.create(BucketInfo.of(bucket));
        }
    }

    private BlobId id(String key) {
        return BlobId.of(bucket, prefix + key);
    }

    @Override
    public ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
        return new GcsWriter(key, condition, initialMetadata);
    }

    private final class GcsWriter implements ObjectWriter {
        private final String key;
        private final WriteCondition condition;
        private final Map<String, String> initialMetadata;
        private final PartBuffer buffer;
        private WriteChannel channel;

        GcsWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
            this.key = key;
            this.condition = condition;
            this.initialMetadata = initialMetadata;
            this.buffer = new PartBuffer(chunkSize, this::chunk);
        }

        private void chunk(byte[] data, int length) throws IOException {
            if (channel == null) {
                List<BlobWriteOption> options = new ArrayList<>();
                if (condition.ifNoneMatch()) {
                    options.add(BlobWriteOption.doesNotExist());
                } else if (condition.ifMatch() != null) {
                    options.add(BlobWriteOption.generationMatch(generation(condition.ifMatch())));
                }
                channel = call(() -> storage.writer(BlobInfo.newBuilder(id(key)).setMetadata(initialMetadata).build(),
                        options.toArray(BlobWriteOption[]::new)));
                channel.setChunkSize(chunkSize);
            }
            ByteBuffer b = ByteBuffer.wrap(data, 0, length);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        @Override
        public OutputStream stream() {
            return buffer;
        }

        @Override
        public ProviderObject commit(Map<String, String> metadata, WriteCondition asked) {
            WriteCondition condition = asked != null ? asked : this.condition;
            if (channel != null && !condition.equals(this.condition)) {
                throw new ConditionFixedException("the upload of " + key + " began under another condition");
            }
            if (channel == null) {
                List<BlobTargetOption> options = new ArrayList<>();
                if (condition.ifNoneMatch()) {
                    options.add(BlobTargetOption.doesNotExist());
                } else if (condition.ifMatch() != null) {
                    options.add(BlobTargetOption.generationMatch(generation(condition.ifMatch())));
                }
                byte[] body = java.util.Arrays.copyOf(buffer.buffer(), buffer.length());
                Blob blob = call(() -> storage.create(BlobInfo.newBuilder(id(key)).setMetadata(metadata).build(), body,
                        options.toArray(BlobTargetOption[]::new)));
                return object(blob);
            }
            try {
                if (buffer.length() > 0) {
                    chunk(buffer.buffer(), buffer.length());
                }
                channel.close();
            } catch (IOException e) {
                throw translate(e);
            } catch (RuntimeException e) {
                throw translate(e);
            }
            Blob blob = call(() -> storage.get(id(key)));
            if (blob == null) {
                throw new ObjectNotFoundException(key);
            }
            if (!metadata.equals(initialMetadata)) {
                // the resumable session named its metadata up front; the rest is patched on this generation
                blob = call(() -> storage.get(id(key)).toBuilder().setMetadata(metadata).build()
                        .update(BlobTargetOption.generationMatch()));
            }
            return object(blob);
        }

        @Override
        public void close() {
            // a resumable session that is never finalized never becomes an object
        }
    }

    private static long generation(String tag) {
        try {
            return Long.parseLong(tag);
        } catch (NumberFormatException e) {
            throw new PreconditionFailedException("no version " + tag);
        }
    }

    private ProviderObject object(Blob blob) {
        String key = blob.getName().substring(prefix.length());
        Long updated = blob.getUpdateTimeOffsetDateTime() == null ? null
                : blob.getUpdateTimeOffsetDateTime().toInstant().toEpochMilli();
        return new ProviderObject(key, blob.getSize() == null ? 0 : blob.getSize(), String.valueOf(blob.getGeneration()),
                updated == null ? Instant.EPOCH : Instant.ofEpochMilli(updated),
                blob.getMetadata() == null ? Map.of() : Map.copyOf(blob.getMetadata()));
    }

    @Override
    public Optional<ProviderObject> head(String key) {
        Blob blob = call(() -> storage.get(id(key)));
        return Optional.ofNullable(blob).map(this::object);
    }

    @Override
    public ProviderRead get(String key, long offset, long length) {
        Blob blob = call(() -> storage.get(id(key)));
        if (blob == null) {
            throw new ObjectNotFoundException(key);
        }
        ProviderObject object = object(blob);
        if (length == 0 || object.storedSize() == 0) {
            return new ProviderRead(object, InputStream.nullInputStream());
        }
        // reading the generation that was described keeps a concurrent overwrite out of this stream
        ReadChannel reader = call(() -> storage.reader(BlobId.of(bucket, blob.getName(), blob.getGeneration())));
        reader.setChunkSize(2 * 1024 * 1024);
        try {
            reader.seek(offset);
            if (length > 0) {
                reader = reader.limit(offset + length);
            }
        } catch (IOException e) {
            reader.close();
            throw translate(e);
        }
        return new ProviderRead(object, Channels.newInputStream(reader));
    }

    @Override
    public void delete(String key, String ifMatch) {
        boolean deleted = call(() -> ifMatch == null ? storage.delete(id(key))
                : storage.delete(id(key), BlobSourceOption.generationMatch(generation(ifMatch))));
        if (!deleted) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public ProviderListing list(String listPrefix, String delimiter, String cursor, int limit) {
        List<BlobListOption> options = new ArrayList<>(List.of(BlobListOption.prefix(prefix + listPrefix),
                BlobListOption.pageSize(limit)));
        if (delimiter != null) {
            options.add(BlobListOption.delimiter(delimiter));
        }
        if (cursor != null) {
            options.add(BlobListOption.pageToken(cursor));
        }
        Page<Blob> page = call(() -> storage.list(bucket, options.toArray(BlobListOption[]::new)));
        List<ProviderObject> objects = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (Blob blob : page.getValues()) {
            if (blob.isDirectory()) {
                prefixes.add(blob.getName().substring(prefix.length()));
            } else {
                objects.add(object(blob));
            }
        }
        prefixes.sort(null);
        String next = page.getNextPageToken();
        return new ProviderListing(objects, prefixes, next == null || next.isEmpty() ? null : next);
    }

    @Override
    public ProviderObject copy(String source, String target) {
        Blob copied = call(() -> storage.copy(Storage.CopyRequest.of(id(source), id(target))).getResult());
        return object(copied);
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            // nothing more to release
        }
    }

    private static RuntimeException translate(Exception e) {
        StorageException se = e instanceof StorageException s ? s
                : e.getCause() instanceof StorageException s2 ? s2 : null;
        if (se != null) {
            return ProviderErrors.forStatus("GCS", se.getCode(), se);
        }
        if (e instanceof IOException io) {
            return new ProviderUnavailableException("GCS I/O failed: " + io.getMessage(), io);
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }

    private static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (ObjectNotFoundException | PreconditionFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }
}
