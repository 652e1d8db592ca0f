package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flushes shared by the callers that wait at the same time, each covering only writes made before it started. */
class FlushGroupTest {

    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    /** A flush that blocks in its first run until released, and fails in the runs listed. */
    private static final class Flushes implements FlushGroup.Flush {
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final List<Integer> failing;

        Flushes(List<Integer> failing) {
            this.failing = failing;
        }

        @Override
        public void run() throws IOException {
            int run = runs.incrementAndGet();
            if (run == 1) {
                firstStarted.countDown();
                try {
                    releaseFirst.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            if (failing.contains(run)) {
                throw new IOException("write-back failed in flush " + run);
            }
        }
    }

    /** A first caller, whose flush has started and runs until released. */
    private Future<Integer> firstCallerWithItsFlushRunning(FlushGroup group, Flushes flushes) throws InterruptedException {
        Future<Integer> first = callers.submit(() -> {
            group.awaitDurable();
            return flushes.runs.get();
        });
        flushes.firstStarted.await();
        return first;
    }

    private List<Future<Integer>> waitingCallers(FlushGroup group, Flushes flushes, int n) {
        List<Thread> threads = new ArrayList<>();
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(callers.submit(() -> {
                synchronized (threads) {
                    threads.add(Thread.currentThread());
                }
                group.awaitDurable();
                // the flush that covered this caller had run when it returned
                return flushes.runs.get();
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (threads) {
                return threads.size() == n && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING);
            }
        });
        return answers;
    }

    @Test
    void callersArrivingDuringAFlushShareTheNextOneAndNeverReturnOnTheOneAlreadyRunning() throws Exception {
        Flushes flushes = new Flushes(List.of());
        FlushGroup group = new FlushGroup(flushes);
        Future<Integer> first = firstCallerWithItsFlushRunning(group, flushes);
        // 15 more callers while the first flush runs: it started before their writes, so it cannot cover them
        List<Future<Integer>> later = waitingCallers(group, flushes, 15);
        flushes.releaseFirst.countDown();

        assertThat(first.get()).isGreaterThanOrEqualTo(1);
        for (Future<Integer> f : later) {
            assertThat(f.get()).as("returned after a second flush").isGreaterThanOrEqualTo(2);
        }
        assertThat(flushes.runs.get()).as("one flush for the first caller, one for the 15 others").isEqualTo(2);
        assertThat(group.flushes()).isEqualTo(2);
    }

    @Test
    void aFailedFlushFailsEveryCallerItWasRunForAndNoOther() throws Exception {
        Flushes flushes = new Flushes(List.of(2));
        FlushGroup group = new FlushGroup(flushes);
        Future<Integer> first = firstCallerWithItsFlushRunning(group, flushes);
        List<Future<Integer>> later = waitingCallers(group, flushes, 5);
        flushes.releaseFirst.countDown();

        assertThat(first.get()).as("the first caller's flush succeeded").isGreaterThanOrEqualTo(1);
        for (Future<Integer> f : later) {
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(IOException.class).hasMessageContaining("write-back failed in flush 2");
        }
        // the next caller has a flush of its own, which succeeds
        group.awaitDurable();
        assertThat(flushes.runs.get()).isEqualTo(3);
        assertThat(group.flushes()).as("successful flushes").isEqualTo(2);
    }

    @Test
    void writersThatTookTheirTicketBeforeAFlushStartedShareItAndThoseAfterWaitForTheNext() throws Exception {
        Flushes flushes = new Flushes(List.of());
        FlushGroup group = new FlushGroup(flushes);
        // as a batch's entries: written (a ticket each) before any of them waits
        List<FlushGroup.Ticket> written = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            written.add(group.ticket());
        }
        Future<Integer> first = callers.submit(() -> {
            group.awaitDurable(written.get(0));
            return flushes.runs.get();
        });
        flushes.firstStarted.await();
        // written while the flush runs: it cannot cover this one
        FlushGroup.Ticket late = group.ticket();
        List<Future<Integer>> others = new ArrayList<>();
        for (FlushGroup.Ticket ticket : written.subList(1, written.size())) {
            others.add(callers.submit(() -> {
                group.awaitDurable(ticket);
                return flushes.runs.get();
            }));
        }
        flushes.releaseFirst.countDown();

        assertThat(first.get()).isEqualTo(1);
        for (Future<Integer> f : others) {
            assertThat(f.get()).as("covered by the flush that started after their writes").isEqualTo(1);
        }
        assertThat(flushes.runs.get()).as("one flush for the ten").isEqualTo(1);
        group.awaitDurable(late);
        assertThat(flushes.runs.get()).as("the late writer's own flush").isEqualTo(2);
        group.awaitDurable(written.get(3));
        assertThat(flushes.runs.get()).as("a ticket already flushed waits for nothing").isEqualTo(2);
    }

    @Test
    void aWriterFailsWhenAnyFlushFailedSinceItsWritesBeganNotOnlyItsOwn() throws Exception {
        Flushes flushes = new Flushes(List.of(2));
        FlushGroup group = new FlushGroup(flushes);
        long began = group.writesBegin();
        // another writer's flush runs (the first, released at once) and then one fails: background write-back may
        // have hit this writer's bytes and been reported there
        flushes.releaseFirst.countDown();
        group.awaitDurable();
        assertThatThrownBy(group::awaitDurable).isInstanceOf(IOException.class);
        FlushGroup.Ticket mine = group.ticket();
        assertThatThrownBy(() -> group.awaitDurable(mine, began)).isInstanceOf(IOException.class)
                .hasMessageContaining("another flush reported it");
        assertThat(flushes.runs.get()).as("its own flush ran and succeeded").isEqualTo(3);

        // a writer that began after the failure is not concerned by it
        long later = group.writesBegin();
        group.awaitDurable(group.ticket(), later);
        assertThat(flushes.runs.get()).isEqualTo(4);
    }
}
