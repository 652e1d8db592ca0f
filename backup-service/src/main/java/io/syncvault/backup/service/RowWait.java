package io.syncvault.backup.service;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A long poll on a row that some run updates (a backup, an operation): read until it has ended or the wait has
 * passed. A run of this instance ends a future, which answers the moment it ends; a run of another instance is
 * read again every {@link #POLL}.
 */
final class RowWait {

    static final Duration POLL = Duration.ofMillis(200);

    private RowWait() {
    }

    /**
     * The row as {@code read} gives it, once {@code running} no longer holds or {@code wait} has passed (a wait of
     * zero reads it once); {@code local} is the future of this instance's run of it, or null.
     */
    static <T> T until(Duration wait, Supplier<T> read, Predicate<T> running, Supplier<CompletableFuture<Void>> local) {
        long deadline = System.nanoTime() + wait.toNanos();
        T row = read.get();
        while (running.test(row)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            CompletableFuture<Void> over = local.get();
            try {
                if (over != null) {
                    over.get(left, TimeUnit.NANOSECONDS);
                } else {
                    Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), POLL.toMillis())));
                }
            } catch (TimeoutException | ExecutionException e) {
                // the wait is over (a run's failure is in its row)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            row = read.get();
        }
        return row;
    }
}
