package io.syncvault.backup.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A one-writer, one-reader byte pipe holding at most {@code capacity} bytes (in 64 KiB
 * chunks): the archive writer fills it while the HTTP client drains it into a request body.
 * Either side can fail the other, so neither blocks forever when its peer is gone.
 */
final class BoundedPipe {

    private static final int CHUNK = 64 * 1024;
    private static final byte[] EOF = new byte[0];
    private final BlockingQueue<byte[]> queue;
    private byte[] filling = new byte[CHUNK];
    private int filled;
    private volatile Throwable readerGone;
    private volatile boolean writerFailed;

    BoundedPipe(int capacity) {
        this.queue = new ArrayBlockingQueue<>(Math.max(2, capacity / CHUNK));
    }

    void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK - filled);
            System.arraycopy(b, off, filling, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK) {
                put(filling);
                filling = new byte[CHUNK];
                filled = 0;
            }
        }
    }

    /** Ends the stream: the reader sees EOF after the bytes written. */
    void close() throws IOException {
        if (filled > 0) {
            byte[] last = new byte[filled];
            System.arraycopy(filling, 0, last, 0, filled);
            put(last);
            filled = 0;
        }
        put(EOF);
    }

    /** Makes the reader fail instead of seeing a clean (short) end. */
    void fail() {
        writerFailed = true;
        queue.clear();
        queue.offer(EOF);
    }

    /** Called when the reader will read no more (the request ended early). */
    void readerGone(Throwable why) {
        readerGone = why == null ? new IOException("upload ended") : why;
        queue.clear();
    }

    private void put(byte[] chunk) throws IOException {
        try {
            while (!queue.offer(chunk, 200, TimeUnit.MILLISECONDS)) {
                if (readerGone != null) {
                    throw new IOException("the upload stopped: " + readerGone.getMessage(), readerGone);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading");
        }
    }

    InputStream input() {
        return new InputStream() {
            private byte[] current;
            private int pos;
            private boolean done;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            /**
             * Waits for the first bytes, then adds whatever chunks are already queued: the HTTP
             * client sends each read as a piece in a buffer of its own, larger than one chunk.
             */
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (done) {
                    return -1;
                }
                int total = 0;
                while (total < len) {
                    if (current == null || pos == current.length) {
                        current = total == 0 ? take() : queue.poll();
                        pos = 0;
                        if (current == null) {
                            break;
                        }
                        if (current == EOF) {
                            done = true;
                            if (writerFailed) {
                                throw new IOException("the backup stream failed; this part is abandoned");
                            }
                            break;
                        }
                        continue;
                    }
                    int n = Math.min(len - total, current.length - pos);
                    System.arraycopy(current, pos, b, off + total, n);
                    pos += n;
                    total += n;
                }
                return total == 0 && len > 0 ? -1 : total;
            }

            private byte[] take() throws InterruptedIOException {
                try {
                    return queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
            }
        };
    }
}
