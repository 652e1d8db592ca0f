package io.syncvault.storage.provider;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The stream of a cloud write: collects bytes into one part-sized buffer and hands each full
 * part to {@code sink}; what is left at commit is the last (or only) part. Memory is one part
 * whatever the object size.
 */
final class PartBuffer extends OutputStream {

    /** Receives each full part, in order. */
    interface PartSink {
        void part(byte[] buffer, int length) throws IOException;
    }

    private final byte[] buffer;
    private final PartSink sink;
    private int length;
    private int parts;

    PartBuffer(int partSize, PartSink sink) {
        this.buffer = new byte[partSize];
        this.sink = sink;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (length == buffer.length) {
                sink.part(buffer, length);
                parts++;
                length = 0;
            }
            int n = Math.min(len, buffer.length - length);
            System.arraycopy(b, off, buffer, length, n);
            length += n;
            off += n;
            len -= n;
        }
    }

    /** Closing does not commit; the writer's commit takes the rest. */
    @Override
    public void close() {
    }

    /** How many full parts went to the sink so far. */
    int partsSent() {
        return parts;
    }

    /** Forgets the bytes held: they went to the sink as the last part. */
    void clear() {
        length = 0;
    }

    byte[] buffer() {
        return buffer;
    }

    int length() {
        return length;
    }
}
