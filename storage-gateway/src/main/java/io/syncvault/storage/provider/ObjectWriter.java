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
     * Makes the object visible with {@code metadata}, enforcing the write condition.
     *
     * @throws PreconditionFailedException when the condition does not hold (nothing is stored)
     */
    ProviderObject commit(Map<String, String> metadata);

    /** Discards the write unless it was committed. */
    @Override
    void close();
}
