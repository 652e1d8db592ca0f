package io.syncvault.backup.archive;

import java.io.IOException;

/** Where {@link PartSplitter} sends each part as it is produced: a store, a folder in tests. */
public interface PartSink {

    /** Starts part {@code index}; its bytes follow through {@link PartOutput#write}. */
    PartOutput open(int index) throws IOException;

    /**
     * Returns once every finished part is durably stored. A sink may confirm a part while the
     * next one is being written; this waits for the last confirmations.
     */
    default void flush() throws IOException {
    }

    /** Abandons parts still waiting for confirmation after a failure; must not throw. */
    default void abandon() {
    }

    /** One part being written. */
    interface PartOutput {

        void write(byte[] b, int off, int len) throws IOException;

        /**
         * Ends the part; {@code sha256} and {@code size} are what the splitter counted, so the
         * sink can check what the store received. The part is durably stored when this returns,
         * or at the latest when the next part finishes or {@link PartSink#flush()} returns.
         */
        void finish(long size, String sha256) throws IOException;

        /** Abandons the part after a failure; must not throw. */
        void abort();
    }
}
