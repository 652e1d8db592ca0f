package io.syncvault.storage.provider;

import com.azure.core.http.rest.PagedIterable;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobItemProperties;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import com.azure.storage.blob.specialized.BlockBlobClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Objects as block blobs in an Azure storage container under an optional prefix, through
 * azure-storage-blob. Bodies up to one block go up in one upload; larger ones as staged
 * blocks (one in memory at a time) committed as a block list at commit, so nothing is
 * visible before. The version tag is the blob's ETag; conditions are Azure's own
 * If-Match / If-None-Match on the final request.
 */
public final class AzureProvider implements StorageProvider {

    private final BlobContainerClient container;
    private final String prefix;
    private final int blockSize;

    public AzureProvider(BlobContainerClient container, String prefix, int blockSize) {
        this.container = container;
        this.prefix = prefix == null ? "" : prefix;
        this.blockSize = blockSize;
    }

    /** A container client from a connection string (the endpoint is in it; {@code endpoint} overrides it). */
    public static BlobContainerClient container(String connectionString, String endpoint, String containerName) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().connectionString(connectionString);
        if (endpoint != null) {
            builder.endpoint(endpoint);
        }
        return builder.buildClient().getBlobContainerClient(containerName);
    }

    @Override
    public void probe() {
        try {
            call(container::getProperties);
        } catch (ObjectNotFoundException e) {
            throw new ProviderUnavailableException("Azure container " + container.getBlobContainerName() + " does not exist");
        }
    }

    public void createContainerIfMissing() {
        container.createIfNotExists();
    }

    private String full(String key) {
        return prefix + key;
    }

    private BlockBlobClient blob(String key) {
        return container.getBlobClient(full(key)).getBlockBlobClient();
    }

    @Override
    public ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
        return new AzureWriter(key, condition);
    }

    private final class AzureWriter implements ObjectWriter {
        private final String key;
        private final WriteCondition condition;
        private final BlockBlobClient blob;
        private final List<String> blocks = new ArrayList<>();
        private final PartBuffer buffer;
        private final String writeId = UUID.randomUUID().toString().substring(0, 8);
        private long staged;

        AzureWriter(String key, WriteCondition condition) {
            this.key = key;
            this.condition = condition;
            this.blob = blob(key);
            this.buffer = new PartBuffer(blockSize, this::stage);
        }

        private void stage(byte[] data, int length) {
            // block ids of one blob must all have the same length; the write id keeps concurrent writers apart
            String id = Base64.getEncoder().encodeToString(
                    String.format("%s-%06d", writeId, blocks.size()).getBytes(StandardCharsets.US_ASCII));
            byte[] copy = java.util.Arrays.copyOf(data, length);
            call(() -> {
                blob.stageBlock(id, BinaryData.fromBytes(copy));
                return null;
            });
            blocks.add(id);
            staged += length;
        }

        @Override
        public OutputStream stream() {
            return buffer;
        }

        @Override
        public ProviderObject commit(Map<String, String> metadata, WriteCondition asked) {
            WriteCondition condition = asked != null ? asked : this.condition;
            BlobRequestConditions conditions = new BlobRequestConditions();
            if (condition.ifMatch() != null) {
                conditions.setIfMatch(quote(condition.ifMatch()));
            }
            if (condition.ifNoneMatch()) {
                conditions.setIfNoneMatch("*");
            }
            // what this commit stored is described from Azure's answer to it: a HEAD afterwards may already see
            // another write of the key, whose tag this write would take for its own
            BlockBlobItem item;
            long size;
            if (blocks.isEmpty()) {
                byte[] body = java.util.Arrays.copyOf(buffer.buffer(), buffer.length());
                item = call(() -> blob.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(body))
                        .setMetadata(metadata).setRequestConditions(conditions), null, Context.NONE)).getValue();
                size = body.length;
            } else {
                if (buffer.length() > 0) {
                    stage(buffer.buffer(), buffer.length());
                    buffer.clear();
                }
                try {
                    item = call(() -> blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(blocks)
                            .setMetadata(metadata).setRequestConditions(conditions), null, Context.NONE)).getValue();
                    size = staged;
                } catch (BlobStorageException e) {
                    if (BlobErrorCode.INVALID_BLOCK_LIST.equals(e.getErrorCode())) {
                        // another write's commit discarded the blocks this one staged: it must be sent again
                        throw new ConditionFixedException("the blocks staged for " + key + " were discarded by"
                                + " another write of it");
                    }
                    throw e;
                }
            }
            String tag = unquote(item.getETag());
            Instant modified = item.getLastModified() != null ? item.getLastModified().toInstant() : Instant.now();
            return new ProviderObject(key, size, tag, modified, Map.copyOf(metadata));
        }

        @Override
        public void close() {
            // staged but uncommitted blocks are never visible and are discarded by the service
        }
    }

    @Override
    public Optional<ProviderObject> head(String key) {
        try {
            BlobProperties p = call(() -> blob(key).getProperties());
            return Optional.of(object(key, p));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    private static ProviderObject object(String key, BlobProperties p) {
        return new ProviderObject(key, p.getBlobSize(), unquote(p.getETag()), p.getLastModified().toInstant(),
                p.getMetadata() == null ? Map.of() : Map.copyOf(p.getMetadata()));
    }

    @Override
    public ProviderRead get(String key, long offset, long length) {
        ProviderObject object = head(key).orElseThrow(() -> new ObjectNotFoundException(key));
        if (length == 0 || object.storedSize() == 0) {
            return new ProviderRead(object, InputStream.nullInputStream());
        }
        // pinned to the ETag: a concurrent overwrite fails the read instead of mixing versions
        BlobInputStreamOptions options = new BlobInputStreamOptions()
                .setRange(new BlobRange(offset, length < 0 ? null : length))
                .setRequestConditions(new BlobRequestConditions().setIfMatch(quote(object.versionTag())))
                .setBlockSize(4 * 1024 * 1024);
        BlobInputStream in = call(() -> blob(key).openInputStream(options));
        return new ProviderRead(object, in);
    }

    @Override
    public void delete(String key, String ifMatch) {
        BlobRequestConditions conditions = new BlobRequestConditions();
        if (ifMatch != null) {
            conditions.setIfMatch(quote(ifMatch));
        }
        call(() -> blob(key).deleteWithResponse(null, conditions, null, Context.NONE));
    }

    @Override
    public ProviderListing list(String listPrefix, String delimiter, String cursor, int limit) {
        ListBlobsOptions options = new ListBlobsOptions().setPrefix(full(listPrefix)).setMaxResultsPerPage(limit)
                .setDetails(new BlobListDetails().setRetrieveMetadata(true));
        PagedResponse<BlobItem> page = call(() -> {
            PagedIterable<BlobItem> items = delimiter == null
                    ? container.listBlobs(options, null)
                    : container.listBlobsByHierarchy(delimiter, options, null);
            Iterator<PagedResponse<BlobItem>> pages = items.iterableByPage(cursor, limit).iterator();
            return pages.hasNext() ? pages.next() : null;
        });
        List<ProviderObject> objects = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        if (page == null) {
            return new ProviderListing(objects, prefixes, null);
        }
        for (BlobItem item : page.getValue()) {
            String key = item.getName().substring(prefix.length());
            if (Boolean.TRUE.equals(item.isPrefix())) {
                prefixes.add(key);
            } else {
                BlobItemProperties p = item.getProperties();
                objects.add(new ProviderObject(key, p.getContentLength(), unquote(p.getETag()),
                        p.getLastModified().toInstant(), item.getMetadata() == null ? Map.of() : Map.copyOf(item.getMetadata())));
            }
        }
        String next = page.getContinuationToken();
        return new ProviderListing(objects, prefixes, next == null || next.isEmpty() ? null : next);
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
        } catch (BlobStorageException e) {
            throw ProviderErrors.forStatus("Azure", e.getStatusCode(), e);
        } catch (UncheckedIOException e) {
            throw new ProviderUnavailableException("Azure I/O failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof java.io.IOException || e.getCause() instanceof java.net.ConnectException) {
                throw new ProviderUnavailableException("Azure cannot be reached: " + e.getMessage(), e);
            }
            throw e;
        }
    }
}
