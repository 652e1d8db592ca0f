package io.syncvault.storage.provider;

import java.io.Closeable;
import java.io.OutputStream;
import java.util.Map;

/**
 * A write in progress: bytes go to {@link #stream()}, {@link #commit} makes them visible
 * under the key atomically, {@link #close()} without a commit discards everything written.
 */
public interface ObjectWriter extends Closeable {

    /** Where the stored bytes go; closing it does not commit. */
    OutputStream stream();

    /**
     * Says that the body is complete and that {@code metadata} is what {@link #commit} will be given, so the writer
     * can get the object ready now: write its record and make it durable, or, within
     * {@link StorageProvider#durableTogether}, arrange for a flush that it shares with the writers prepared with it.
     * Returns true when such a flush is arranged: the commit then waits for it, and a caller with many objects does
     * best to prepare them all before it commits any (such a writer holds no open file meanwhile). Optional: a commit
     * prepares a writer that was not prepared.
     */
    default boolean prepare(Map<String, String> metadata) {
        return false;
    }

    /**
     * Makes the object visible with {@code metadata}, enforcing the condition the write was opened with.
     *
     * @throws PreconditionFailedException when the condition does not hold (nothing is stored)
     */
    default ProviderObject commit(Map<String, String> metadata) {
        return commit(metadata, null);
    }

    /**
     * Makes the object visible with {@code metadata}, enforcing {@code condition} (null: the one the write was
     * opened with). A caller learns only at the last moment which version it replaces (the one it has just kept as
     * a version), and may try again with another condition after a {@link PreconditionFailedException}: the write
     * stays open until it is committed or closed.
     *
     * @throws PreconditionFailedException when the condition does not hold (nothing is stored)
     * @throws ConditionFixedException when the provider fixed the condition as the write began (a GCS upload sent
     *     in chunks) and {@code condition} is another (nothing is stored)
     */
    ProviderObject commit(Map<String, String> metadata, WriteCondition condition);

    /** Discards the write unless it was committed. */
    @Override
    void close();
}
