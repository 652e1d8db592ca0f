package io.syncvault.backup.archive;

import java.io.IOException;

/** Where {@link PartSplitter} sends each part as it is produced: a store, a folder in tests. */
public interface PartSink {

    /** Starts part {@code index}; its bytes follow through {@link PartOutput#write}. */
    PartOutput open(int index) throws IOException;

    /** One part being written. */
    interface PartOutput {

        void write(byte[] b, int off, int len) throws IOException;

        /**
         * Ends the part and returns once it is durably stored; {@code sha256} and {@code size}
         * are what the splitter counted, so the sink can check what the store received.
         */
        void finish(long size, String sha256) throws IOException;

        /** Abandons the part after a failure; must not throw. */
        void abort();
    }
}
