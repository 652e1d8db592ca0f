package io.syncvault.storage.provider;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes the writes of many threads durable together: each caller of {@link #awaitDurable} returns once a flush
 * of the whole file system that started after its call has succeeded. The callers that arrive while a flush runs
 * wait for the next one, which one of them runs for all of them: a batch's objects share flushes instead of an
 * fsync each (a journal commit and a device flush each). A failed flush fails every caller it was run for.
 */
final class FlushGroup {

    /** The flush of the file system: {@code syncfs(2)} in the store, anything in a test. */
    @FunctionalInterface
    interface Flush {
        void run() throws IOException;
    }

    /** One flush and the callers it is run for. */
    private static final class Generation {
        boolean done;
        IOException failure;
    }

    private final Flush flush;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private final AtomicLong flushes = new AtomicLong();
    /** The flush running, or null. */
    private Generation running;
    /** The flush the callers arriving now wait for (it starts once {@code running} is done), or null. */
    private Generation next;

    FlushGroup(Flush flush) {
        this.flush = flush;
    }

    /** Returns once everything written before this call is durable; throws if the flush run for it failed. */
    void awaitDurable() throws IOException {
        lock.lock();
        try {
            if (next == null) {
                next = new Generation();
            }
            Generation mine = next;
            while (!mine.done) {
                if (running != null) {
                    finished.awaitUninterruptibly();
                    continue;
                }
                // nobody flushing: this caller runs the flush for everyone waiting with it
                running = mine;
                next = null;
                IOException failed = null;
                lock.unlock();
                try {
                    flush.run();
                    flushes.incrementAndGet();
                } catch (IOException e) {
                    failed = e;
                } catch (RuntimeException | Error e) {
                    failed = new IOException("the file system could not be flushed: " + e, e);
                } finally {
                    lock.lock();
                }
                mine.failure = failed;
                mine.done = true;
                running = null;
                finished.signalAll();
            }
            if (mine.failure != null) {
                throw new IOException(mine.failure.getMessage(), mine.failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Flushes run so far (successful ones). */
    long flushes() {
        return flushes.get();
    }
}
