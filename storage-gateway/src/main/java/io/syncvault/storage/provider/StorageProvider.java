package io.syncvault.storage.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the gateway needs from a place that holds bytes (a folder, an S3 bucket, an Azure
 * container, a GCS bucket). Keys are already validated, '/'-separated and relative to the
 * store's root or prefix. Metadata is a flat map of lowercase alphanumeric names to short
 * strings that the provider keeps with the object and returns unchanged. A version tag
 * identifies one write of one key; every write gives a new one.
 *
 * <p>Failures are reported with the unchecked exceptions of this package:
 * {@link ObjectNotFoundException}, {@link PreconditionFailedException},
 * {@link ProviderUnavailableException}, {@link InvalidKeyException}.
 */
public interface StorageProvider extends AutoCloseable {

    /**
     * Starts a write of {@code key}. Nothing is visible under the key until
     * {@link ObjectWriter#commit} succeeds; {@code condition} is enforced at commit (a
     * provider may also fail early). {@code initialMetadata} is what is known before the
     * body (providers that must name metadata up front use it; commit gives the final map).
     */
    ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata);

    /** The current object under {@code key}, if any. */
    Optional<ProviderObject> head(String key);

    /**
     * Opens {@code length} stored bytes from {@code offset} ({@code length < 0}: to the end).
     *
     * @throws ObjectNotFoundException when there is no such object
     */
    ProviderRead get(String key, long offset, long length);

    /**
     * Removes {@code key}; with {@code ifMatch} only while that version is current.
     *
     * @throws ObjectNotFoundException when there is no such object
     * @throws PreconditionFailedException when another version is current
     */
    void delete(String key, String ifMatch);

    /**
     * One page of the objects whose keys start with {@code prefix}, in key order. With a
     * delimiter, keys that contain it after the prefix are rolled up into common prefixes.
     * {@code cursor} is null for the first page, else a previous page's {@code nextCursor}.
     */
    ProviderListing list(String prefix, String delimiter, String cursor, int limit);

    /**
     * Checks that the place answers and exists (its folder, bucket or container), for the gateway's readiness: returns
     * quietly, or throws saying what is wrong ({@link ProviderUnavailableException} when it cannot be reached or is
     * not there). Reads no object.
     */
    void probe();

    /** Copies the stored bytes and metadata of {@code source} to {@code target} (replacing it). */
    default ProviderObject copy(String source, String target) {
        try (ProviderRead read = get(source, 0, -1);
                ObjectWriter writer = openWriter(target, WriteCondition.NONE, read.object().metadata())) {
            read.body().transferTo(writer.stream());
            return writer.commit(read.object().metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a whole stream in one call (small internal objects such as key files). */
    default ProviderObject put(String key, InputStream body, WriteCondition condition, Map<String, String> metadata) {
        try (ObjectWriter writer = openWriter(key, condition, metadata)) {
            OutputStream out = writer.stream();
            body.transferTo(out);
            return writer.commit(metadata);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code work}, a series of writes opened on this thread, letting them share what makes
     * them durable: the local provider fsyncs each folder the writes renamed files into once, at
     * the end, instead of once per object, and makes the objects durable by flushes of its file system that
     * they share instead of an fsync each (see {@link ObjectWriter#prepare}). A writer opened inside may be committed on another
     * thread, but before {@code work} returns. Every object written inside is durable when this
     * returns (also when {@code work} throws). Cloud providers are durable per request and just run it.
     */
    default <T> T durableTogether(Supplier<T> work) {
        return work.get();
    }

    @Override
    default void close() {
    }
}
