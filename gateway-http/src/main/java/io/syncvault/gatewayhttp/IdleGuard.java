package io.syncvault.gatewayhttp;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends a response body that stops arriving. Only the time a read waits counts: a reader that takes its
 * time between reads (writing to a slow disk) is not cut off. One daemon thread looks at the bodies being
 * read every {@value #TICK_MILLIS} ms and closes the one whose read has waited past its limit; closing the
 * JDK client's body stream wakes the read, which then fails with {@link StalledBodyException}.
 */
final class IdleGuard {

    static final long TICK_MILLIS = 100;

    /** The reads waiting now (a body is watched only while a read of it waits: one never read or closed is not held). */
    private static final Set<Guarded> WAITING = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-body-idle-guard");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCH.scheduleWithFixedDelay(IdleGuard::look, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private IdleGuard() {
    }

    static InputStream guard(InputStream body, Duration idle) {
        return new Guarded(body, idle.toNanos());
    }

    private static void look() {
        long now = System.nanoTime();
        for (Guarded g : WAITING) {
            g.expireIfIdle(now);
        }
    }

    private static final class Guarded extends FilterInputStream {
        private final long idleNanos;
        /** When the read now waiting began; 0 while no read waits. */
        private volatile long waitingSince;
        private volatile boolean stalled;

        Guarded(InputStream in, long idleNanos) {
            super(in);
            this.idleNanos = idleNanos;
        }

        void expireIfIdle(long now) {
            long since = waitingSince;
            if (since != 0 && now - since > idleNanos && !stalled) {
                stalled = true;
                try {
                    in.close();
                } catch (IOException | RuntimeException e) {
                    // the read fails either way, as stalled
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            begin();
            try {
                return end(in.read(b, off, len));
            } catch (IOException e) {
                throw failure(e);
            } finally {
                waitingSince = 0;
                WAITING.remove(this);
            }
        }

        /** Skips by reading, so that each piece is a read of its own (one long skip is not one long wait). */
        @Override
        public long skip(long n) throws IOException {
            byte[] scratch = new byte[(int) Math.max(1, Math.min(n, 64 * 1024))];
            long skipped = 0;
            while (skipped < n) {
                int read = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        private void begin() throws IOException {
            if (stalled) {
                throw stalled();
            }
            long now = System.nanoTime();
            // 0 means "not waiting"; a clock reading of exactly 0 waits as 1
            waitingSince = now == 0 ? 1 : now;
            WAITING.add(this);
        }

        /** A closed stream may answer the waiting read with an end of stream: that end is the stall, not the body's end. */
        private int end(int result) throws IOException {
            if (stalled) {
                throw stalled();
            }
            return result;
        }

        private IOException failure(IOException e) {
            return stalled ? stalled() : e;
        }

        private StalledBodyException stalled() {
            return new StalledBodyException(Duration.ofNanos(idleNanos));
        }
    }
}
