package io.syncvault.storage.service;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.syncvault.storage.provider.LocalProvider;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether each store answers: every store's provider is probed (its folder, bucket or container is there and
 * reachable), all at once, each given {@link #PROBE_TIME} to answer. A result is reused for {@link #FRESH_FOR}, so
 * readiness requests and metric scrapes do not turn into a stream of calls to the providers. Each store's state is
 * also the gauge {@code syncvault_store_up{store}} (1 or 0), for alerts on one store. Created at startup, so the
 * store meters are there from the first scrape, before any readiness request.
 */
@ApplicationScoped
@Startup
public class StoreProbes {

    static final Duration PROBE_TIME = Duration.ofSeconds(3);
    static final Duration FRESH_FOR = Duration.ofSeconds(5);

    /** One store's state: null problem when it answered. */
    public record State(String store, String problem) {
        public boolean up() {
            return problem == null;
        }
    }

    private final StoreRegistry stores;
    private final ExecutorService probing;
    private Map<String, State> last = Map.of();
    private long lastAt;
    private boolean probed;

    public StoreProbes(StoreRegistry stores, MeterRegistry meters) {
        this.stores = stores;
        AtomicInteger count = new AtomicInteger();
        this.probing = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "store-probe-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        for (Store store : stores.all()) {
            Gauge.builder("syncvault.store.up", this, p -> p.states().get(store.name()).up() ? 1 : 0)
                    .description("1 while the store answers its readiness probe, else 0").tag("store", store.name())
                    .register(meters);
            if (store.provider() instanceof LocalProvider local) {
                // what made a local store's writes durable: a batch's objects share flushes, a single PUT has an fsync
                FunctionCounter.builder("syncvault.store.flushes", local, LocalProvider::fileSystemFlushes)
                        .description("flushes of the local store's file system (syncfs) that made batch entries durable")
                        .tag("store", store.name()).register(meters);
                FunctionCounter.builder("syncvault.store.object.fsyncs", local, LocalProvider::objectFsyncs)
                        .description("objects of the local store made durable by an fsync of their own")
                        .tag("store", store.name()).register(meters);
            }
        }
    }

    @PreDestroy
    void stop() {
        probing.shutdownNow();
    }

    /** Every store's state, by name, probed now or at most {@link #FRESH_FOR} ago. */
    public synchronized Map<String, State> states() {
        if (probed && System.nanoTime() - lastAt < FRESH_FOR.toNanos()) {
            return last;
        }
        Map<String, CompletableFuture<Void>> running = new LinkedHashMap<>();
        for (Store store : stores.all()) {
            running.put(store.name(), CompletableFuture.runAsync(() -> store.provider().probe(), probing));
        }
        long deadline = System.nanoTime() + PROBE_TIME.toNanos();
        Map<String, State> states = new LinkedHashMap<>();
        running.forEach((name, probe) -> states.put(name, new State(name, problem(probe, deadline))));
        last = Map.copyOf(states);
        lastAt = System.nanoTime();
        probed = true;
        return last;
    }

    private static String problem(CompletableFuture<Void> probe, long deadline) {
        try {
            probe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            probe.cancel(true);
            return "no answer within " + PROBE_TIME.toSeconds() + " s";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return String.valueOf(cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
