package io.syncvault.storage.provider;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes the writes of many threads durable together: a caller returns once a flush of the whole file system that
 * started after its writes has succeeded. The callers that arrive while a flush runs wait for the next one, which
 * one of them runs for all of them: a batch's objects share flushes instead of an fsync each (a journal commit
 * and a device flush each). A failed flush fails every caller it was run for.
 *
 * <p>A writer may take its {@link #ticket} as soon as its writes are done and wait with it later: every writer
 * that took a ticket before a flush started is covered by that flush, so a batch that writes all its objects
 * first and then waits for them needs one flush, shared with whatever else waits then.
 *
 * <p>The file system reports a failed write-back to one flush, whichever comes first: an earlier one than the
 * flush of the writes it hit (background write-back runs any time). So a writer notes {@link #writesBegin()}
 * before it writes, and its wait fails when any flush failed since then, not only its own.
 */
final class FlushGroup {

    /** The flush of the file system: {@code syncfs(2)} in the store, anything in a test. */
    @FunctionalInterface
    interface Flush {
        void run() throws IOException;
    }

    /** One flush and the callers it is run for: those that took it as their ticket before it started. */
    static final class Ticket {
        private boolean done;
        private IOException failure;
    }

    private final Flush flush;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private final AtomicLong flushes = new AtomicLong();
    /** Flushes that failed so far. */
    private final AtomicLong failures = new AtomicLong();
    /** The flush running, or null. */
    private Ticket running;
    /** The flush that covers writes done now (it starts once {@code running} is done), or null. */
    private Ticket next;

    FlushGroup(Flush flush) {
        this.flush = flush;
    }

    /** The flush that will cover everything written before this call: one that has not started yet. */
    Ticket ticket() {
        lock.lock();
        try {
            if (next == null) {
                next = new Ticket();
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** Returns once everything written before this call is durable; throws if the flush run for it failed. */
    void awaitDurable() throws IOException {
        awaitDurable(ticket());
    }

    /** Noted by a writer before it writes, for {@link #awaitDurable(Ticket, long)}. */
    long writesBegin() {
        return failures.get();
    }

    /**
     * Returns once the flush of {@code ticket} has succeeded and no flush has failed since {@code writesBegan} (what
     * {@link #writesBegin()} gave before the writes): a failure reported to another flush may be one of these writes'.
     */
    void awaitDurable(Ticket ticket, long writesBegan) throws IOException {
        awaitDurable(ticket);
        if (failures.get() != writesBegan) {
            throw new IOException("a write-back on the file system failed while these bytes were written (another"
                    + " flush reported it): they may be lost");
        }
    }

    /**
     * Returns once the flush of {@code ticket} has succeeded, running it when nobody else is flushing; throws if it
     * failed.
     */
    void awaitDurable(Ticket ticket) throws IOException {
        lock.lock();
        try {
            while (!ticket.done) {
                if (running != null) {
                    finished.awaitUninterruptibly();
                    continue;
                }
                // nobody flushing, so the ticket's flush has not started (it is the next one): this caller runs it
                // for everyone who holds it
                running = ticket;
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
                if (failed != null) {
                    failures.incrementAndGet();
                }
                ticket.failure = failed;
                ticket.done = true;
                running = null;
                finished.signalAll();
            }
            if (ticket.failure != null) {
                throw new IOException(ticket.failure.getMessage(), ticket.failure);
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
