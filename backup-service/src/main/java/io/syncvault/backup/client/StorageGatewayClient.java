package io.syncvault.backup.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.jwt.build.Jwt;
import io.syncvault.backup.archive.PartSink;
import io.syncvault.backup.client.GatewayTypes.ObjectPage;
import io.syncvault.backup.client.GatewayTypes.PutResult;
import io.syncvault.backup.client.GatewayTypes.StoreInfo;
import io.syncvault.backup.config.GatewayConfig;
import io.syncvault.gatewayhttp.GatewayHttp;
import io.syncvault.platform.Roles;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * The storage gateway's object API, over the JDK HTTP client because bodies must stream both
 * ways with bounded memory: a part is uploaded from a {@link BoundedPipe} (chunked request
 * body, at most {@code pipe-buffer-bytes} in flight), and reads return the live response
 * stream. Calls carry a service token this service signs for itself. Small calls that are
 * safe to repeat (list, head, delete, open for reading) are retried; uploads from a stream are
 * not (the stream cannot be replayed); all count towards a circuit breaker.
 */
@ApplicationScoped
public class StorageGatewayClient {

    /** Keep no previous versions of backup objects: a backup is never overwritten in place. */
    static final String KEEP_VERSIONS = "X-SyncVault-Keep-Versions";
    private final GatewayConfig config;
    private final ObjectMapper json;
    private final ExecutorService bodyThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gateway-http");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;
    /** Response bodies: a read that waits longer than the configured read-idle time for a byte fails. */
    private final HttpResponse.BodyHandler<InputStream> bodies;
    private final String base;
    private volatile String token;
    private volatile Instant tokenRenewAt = Instant.EPOCH;

    public StorageGatewayClient(GatewayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.base = config.url().replaceAll("/+$", "");
        this.http = GatewayHttp.builder()
                .connectTimeout(config.connectTimeout()).executor(bodyThreads).build();
        this.bodies = GatewayHttp.bodies(config.readIdleTimeout());
    }

    @Retry(maxRetries = 2, delay = 300, retryOn = GatewayUnavailableException.class)
    @Timeout(30_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public List<StoreInfo> stores() {
        HttpResponse<InputStream> r = send(request("/v1/stores").GET().build());
        return readJson(r, new TypeReference<List<StoreInfo>>() { });
    }

    public StoreInfo store(String name) {
        return stores().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new GatewayException(404, "the gateway has no store '" + name + "'"));
    }

    @Retry(maxRetries = 2, delay = 300, retryOn = GatewayUnavailableException.class)
    @Timeout(30_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public ObjectPage list(String store, String prefix, String delimiter, String cursor) {
        StringBuilder q = new StringBuilder("/v1/stores/").append(segment(store)).append("/objects?limit=1000&prefix=")
                .append(query(prefix));
        if (delimiter != null) {
            q.append("&delimiter=").append(query(delimiter));
        }
        if (cursor != null) {
            q.append("&cursor=").append(query(cursor));
        }
        ObjectPage page = readJson(send(request(q.toString()).GET().build()), new TypeReference<ObjectPage>() { });
        return new ObjectPage(page.items() == null ? List.of() : page.items(),
                page.prefixes() == null ? List.of() : page.prefixes(), page.nextCursor());
    }

    /** Opens an object for reading; the caller closes the stream. 404 → {@link GatewayException#notFound()}. */
    @Retry(maxRetries = 2, delay = 300, retryOn = GatewayUnavailableException.class)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public InputStream open(String store, String key) {
        HttpResponse<InputStream> r = send(request(objectPath(store, key)).GET().timeout(config.requestTimeout()).build());
        if (r.statusCode() != 200) {
            throw failure(r, "GET " + key);
        }
        return r.body();
    }

    @Retry(maxRetries = 2, delay = 300, retryOn = GatewayUnavailableException.class)
    @Timeout(30_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public boolean exists(String store, String key) {
        HttpResponse<InputStream> r = send(request(objectPath(store, key))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        discard(r);
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() != 200) {
            throw failure(r, "HEAD " + key);
        }
        return true;
    }

    /** Deletes an object; one that is already gone counts as deleted. */
    @Retry(maxRetries = 2, delay = 300, retryOn = GatewayUnavailableException.class)
    @Timeout(30_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public void delete(String store, String key) {
        HttpResponse<InputStream> r = send(request(objectPath(store, key)).header(KEEP_VERSIONS, "0")
                .DELETE().build());
        if (r.statusCode() != 204 && r.statusCode() != 404) {
            throw failure(r, "DELETE " + key);
        }
        discard(r);
    }

    /** Stores a small body (a manifest) only if no object has that key yet. */
    @Timeout(60_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 5_000,
            failOn = GatewayUnavailableException.class)
    public PutResult createSmall(String store, String key, byte[] body, String sha256) {
        HttpResponse<InputStream> r = send(request(objectPath(store, key))
                .header("Content-Type", "application/json").header("If-None-Match", "*")
                .header("X-SyncVault-Sha256", sha256).header(KEEP_VERSIONS, "0")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw failure(r, "PUT " + key);
        }
        return readJson(r, new TypeReference<PutResult>() { });
    }

    /**
     * A sink that uploads each part as it is produced: the request starts when the part's first
     * byte is written. Its confirmation (201, with the SHA-256 and size the gateway stored, which
     * must equal what was sent) is awaited while the next part streams, so the gateway's commit
     * of one part overlaps the next; at most two requests are in flight, each with at most
     * {@code pipe-buffer-bytes} buffered.
     */
    public PartSink partSink(String store, java.util.function.IntFunction<String> keyOf) {
        return new GatewayPartSink(store, keyOf);
    }

    /** A part whose bytes are all sent and whose confirmation is awaited. */
    private record Pending(String key, long size, String sha256, CompletableFuture<HttpResponse<InputStream>> response) {
    }

    private final class GatewayPartSink implements PartSink {
        private final String store;
        private final java.util.function.IntFunction<String> keyOf;
        private Pending pending;

        GatewayPartSink(String store, java.util.function.IntFunction<String> keyOf) {
            this.store = store;
            this.keyOf = keyOf;
        }

        @Override
        public PartOutput open(int index) {
            String key = keyOf.apply(index);
            BoundedPipe pipe = new BoundedPipe(config.pipeBufferBytes());
            HttpRequest put = request(objectPath(store, key))
                    .header("Content-Type", "application/octet-stream").header("If-None-Match", "*")
                    .header(KEEP_VERSIONS, "0")
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(pipe::input)).build();
            CompletableFuture<HttpResponse<InputStream>> response = http.sendAsync(put,
                    bodies);
            response.whenComplete((r, e) -> pipe.readerGone(e != null ? e
                    : new IOException("the gateway answered " + r.statusCode() + " before the part was sent")));
            return new PartOutput() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    pipe.write(b, off, len);
                }

                @Override
                public void finish(long size, String sha256) throws IOException {
                    pipe.close();
                    Pending previous = pending;
                    pending = new Pending(key, size, sha256, response);
                    if (previous != null) {
                        confirm(previous);
                    }
                }

                @Override
                public void abort() {
                    pipe.fail();
                    response.cancel(true);
                }
            };
        }

        @Override
        public void flush() throws IOException {
            Pending last = pending;
            pending = null;
            if (last != null) {
                confirm(last);
            }
        }

        @Override
        public void abandon() {
            if (pending != null) {
                pending.response().cancel(true);
                pending = null;
            }
        }

        private void confirm(Pending part) throws IOException {
            HttpResponse<InputStream> r;
            try {
                r = part.response().get(config.partTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IOException("uploading " + part.key() + " failed: " + e.getCause().getMessage(), e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                part.response().cancel(true);
                throw new IOException("the gateway did not confirm " + part.key() + " in time");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while uploading " + part.key());
            }
            if (r.statusCode() != 201 && r.statusCode() != 200) {
                throw new IOException(failure(r, "PUT " + part.key()).getMessage());
            }
            PutResult stored = readJson(r, new TypeReference<PutResult>() { });
            if (stored.size() != part.size() || !part.sha256().equalsIgnoreCase(stored.sha256())) {
                throw new IOException("the gateway stored " + part.key() + " with " + stored.size()
                        + " bytes and SHA-256 " + stored.sha256() + ", but " + part.size() + " bytes with SHA-256 "
                        + part.sha256() + " were sent");
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token());
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        try {
            HttpResponse<InputStream> r = http.send(request, bodies);
            if (r.statusCode() >= 500) {
                String detail = errorText(r);
                throw new GatewayUnavailableException(r.statusCode(), "the storage gateway failed: " + detail, null);
            }
            return r;
        } catch (IOException e) {
            throw new GatewayUnavailableException(0, "the storage gateway is not reachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayUnavailableException(0, "interrupted while calling the storage gateway", e);
        }
    }

    private <T> T readJson(HttpResponse<InputStream> r, TypeReference<T> type) {
        if (r.statusCode() >= 300) {
            throw failure(r, r.request().method() + " " + r.request().uri().getPath());
        }
        try (InputStream in = r.body()) {
            return json.readValue(in, type);
        } catch (IOException e) {
            throw new GatewayUnavailableException(r.statusCode(), "unreadable answer from the gateway: " + e.getMessage(), e);
        }
    }

    private GatewayException failure(HttpResponse<InputStream> r, String what) {
        return new GatewayException(r.statusCode(), what + ": the gateway answered " + r.statusCode() + " " + errorText(r));
    }

    /** The problem's detail, read from a small error body (error bodies are bounded: at most 8 KiB read). */
    private static String errorText(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            byte[] head = in.readNBytes(8192);
            String text = new String(head, StandardCharsets.UTF_8);
            int i = text.indexOf("\"detail\"");
            if (i >= 0) {
                int start = text.indexOf('"', text.indexOf(':', i) + 1);
                int end = text.indexOf('"', start + 1);
                if (start > 0 && end > start) {
                    return "(" + text.substring(start + 1, end) + ")";
                }
            }
            return text.isBlank() ? "" : "(" + text.strip() + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // nothing useful in it
        }
    }

    static String objectPath(String store, String key) {
        return "/v1/stores/" + segment(store) + "/objects/"
                + Arrays.stream(key.split("/")).map(StorageGatewayClient::segment).collect(Collectors.joining("/"));
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String token() {
        if (Instant.now().isAfter(tokenRenewAt)) {
            Duration life = config.tokenLifetime();
            token = Jwt.issuer("syncvault").upn("backup-service").groups(Set.of(Roles.READ, Roles.WRITE))
                    .expiresIn(life).sign();
            tokenRenewAt = Instant.now().plus(life.dividedBy(2)).truncatedTo(ChronoUnit.SECONDS);
        }
        return token;
    }
}
