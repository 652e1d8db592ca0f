package io.syncvault.sync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.gatewayhttp.GatewayHttp;
import io.syncvault.sync.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * The storage gateway's object API, over the JDK HTTP client so that bodies stream both ways
 * (files are sent from disk and received into a file, never held in memory). Reads (list, head,
 * get, versions) are retried on 5xx and lost connections. Puts and deletes are retried on the
 * same failures only because the engine always sends them with a precondition ({@code If-Match}
 * or {@code If-None-Match: *}): should the first attempt have been applied after all, the retry
 * gets 412 or 404 instead of writing twice (a kept-alive connection the gateway closed is the
 * usual cause). Restore is not retried. Every call counts towards a circuit breaker that stops
 * hammering a gateway that is down.
 */
@ApplicationScoped
public class StorageGatewayClient {

    private static final int PAGE = 1000;
    /** Largest piece a download is written in (the size of the HTTP client's response pieces). */
    private static final int SAVE_BUFFER = 256 * 1024;

    private final HttpClient http;
    private final String base;
    private final Duration transferTimeout;
    /** Response bodies: a read that waits longer than the configured read-idle time for a byte fails. */
    private final HttpResponse.BodyHandler<InputStream> bodies;
    /** How long a download waits for its answer's headers, and a read of its body for the next byte. */
    private final Duration readIdleTimeout;
    private final ServiceToken token;
    private final ObjectMapper json;

    public StorageGatewayClient(GatewayConfig config, ServiceToken token, ObjectMapper json) {
        this.http = GatewayHttp.builder()
                .connectTimeout(config.connectTimeout()).build();
        this.base = config.url().replaceAll("/+$", "");
        this.transferTimeout = config.transferTimeout();
        this.readIdleTimeout = config.readIdleTimeout();
        this.bodies = GatewayHttp.bodies(readIdleTimeout);
        this.token = token;
        this.json = json;
    }

    /** One page of the objects under {@code prefix}. */
    @Timeout(60_000)
    @Retry(maxRetries = 3, delay = 300, jitter = 200, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public ListPage list(String store, String prefix, String cursor) {
        StringBuilder q = new StringBuilder("?limit=").append(PAGE).append("&prefix=").append(query(prefix));
        if (cursor != null) {
            q.append("&cursor=").append(query(cursor));
        }
        JsonNode body = sendJson(request(storeUri(store) + "/objects" + q).GET().timeout(Duration.ofSeconds(55)), 200);
        List<RemoteObject> items = new ArrayList<>();
        for (JsonNode i : body.path("items")) {
            items.add(new RemoteObject(i.path("key").asText(), i.path("size").asLong(), text(i, "sha256"),
                    text(i, "versionTag"), i.path("mtime").asLong(0)));
        }
        return new ListPage(items, text(body, "nextCursor"));
    }

    /** The object's description, or empty when it does not exist. */
    @Timeout(30_000)
    @Retry(maxRetries = 3, delay = 300, jitter = 200, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public Optional<RemoteObject> head(String store, String key) {
        HttpResponse<Void> r = send(request(objectUri(store, key)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(25)), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        check(r.statusCode(), 200, null, key);
        return Optional.of(fromHeaders(key, r));
    }

    /**
     * Streams the object (or a kept version) into {@code target}, hashing it on the way.
     * The returned object's sha256 is the one computed from the bytes received; the caller
     * compares it with what it expected.
     */
    @Retry(maxRetries = 2, delay = 500, jitter = 200, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public Received get(String store, String key, String versionId, Path target) {
        String uri = objectUri(store, key) + (versionId == null ? "" : "?version=" + query(versionId));
        // the headers come as the gateway opens the object, the bytes after them are watched by the read-idle time
        HttpResponse<InputStream> r = send(request(uri).GET().timeout(readIdleTimeout), bodies);
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                check(r.statusCode(), 200, readSome(in), key);
            }
            return save(fromHeaders(key, r), in, target);
        } catch (IOException e) {
            throw new GatewayException.Unavailable(0, "download of " + key + " broke off: " + e.getMessage(), e);
        }
    }

    /** Writes {@code in} to {@code target}, hashing it on the way. */
    public static Received save(RemoteObject object, InputStream in, Path target) throws IOException {
        MessageDigest sha = sha256();
        // whole buffers per write call: copying as the response hands pieces over (transferTo, 8 KiB at a time) made
        // several write calls per small file and thousands per large one; a small object needs no large buffer
        long size = object.size();
        byte[] buffer = new byte[size >= 0 ? (int) Math.max(1, Math.min(SAVE_BUFFER, size + 1)) : SAVE_BUFFER];
        long n = 0;
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (int read; (read = in.readNBytes(buffer, 0, buffer.length)) > 0;) {
                sha.update(buffer, 0, read);
                out.write(buffer, 0, read);
                n += read;
            }
        }
        return new Received(object, n, HexFormat.of().formatHex(sha.digest()));
    }

    /** What a download received: the object as described by the response headers, the byte count and the SHA-256 of those bytes. */
    public record Received(RemoteObject object, long bytes, String sha256) {
    }

    /**
     * Streams {@code file} to the object. {@code ifMatch} null means create-only
     * ({@code If-None-Match: *}); otherwise only that version is replaced.
     */
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public RemoteObject put(String store, String key, Path file, String sha256, long mtime, String ifMatch, String origin,
            int keepVersions) {
        HttpRequest.Builder b;
        try {
            b = request(objectUri(store, key)).PUT(HttpRequest.BodyPublishers.ofFile(file));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        b.timeout(transferTimeout).header("Content-Type", "application/octet-stream")
                .header("X-SyncVault-Sha256", sha256).header("X-SyncVault-Mtime", Long.toString(mtime))
                .header("X-SyncVault-Origin", origin).header("X-SyncVault-Keep-Versions", Integer.toString(keepVersions));
        if (ifMatch == null) {
            b.header("If-None-Match", "*");
        } else {
            b.header("If-Match", quote(ifMatch));
        }
        JsonNode body = sendJson(b, 201, 200);
        return new RemoteObject(body.path("key").asText(key), body.path("size").asLong(), text(body, "sha256"),
                text(body, "versionTag"), body.path("mtime").asLong(mtime));
    }

    /**
     * Copies the object at {@code fromKey}, which must be at version {@code fromTag}, to {@code toKey}, which must
     * not exist (create-only), in the gateway: no bytes travel from here. The copy carries {@code mtime}.
     */
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public RemoteObject copy(String store, String fromKey, String fromTag, String toKey, long mtime, String origin,
            int keepVersions) {
        HttpRequest.Builder b = request(objectUri(store, toKey)).PUT(HttpRequest.BodyPublishers.noBody())
                .timeout(transferTimeout).header("X-SyncVault-Copy-Source", path(fromKey))
                .header("X-SyncVault-Copy-Source-If-Match", quote(fromTag)).header("If-None-Match", "*")
                .header("X-SyncVault-Mtime", Long.toString(mtime)).header("X-SyncVault-Origin", origin)
                .header("X-SyncVault-Keep-Versions", Integer.toString(keepVersions));
        JsonNode body = sendJson(b, 201, 200);
        return new RemoteObject(body.path("key").asText(toKey), body.path("size").asLong(), text(body, "sha256"),
                text(body, "versionTag"), body.path("mtime").asLong(mtime));
    }

    /**
     * Stores many small files in one request ({@code POST batch/put}, a tar stream built from
     * the files as the request is sent). Each entry carries its own precondition and SHA-256 and
     * is stored or refused on its own; the answer has one outcome per file that was sent. A file
     * that could no longer be opened is not sent and is reported as {@link Outcome#notSent}.
     * Not retried here: the sync engine sends a batch that failed as a whole again, for the files still owed an
     * answer, and recognises by their SHA-256 those an attempt whose answer was lost had stored.
     */
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public List<Outcome> putBatch(String store, List<BatchUpload> files, String origin, int keepVersions) {
        TarUploadStream tar = new TarUploadStream(files);
        HttpRequest.Builder b = request(storeUri(store) + "/batch/put")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> tar)).timeout(transferTimeout)
                .header("Content-Type", TarUploadStream.TAR).header("X-SyncVault-Origin", origin)
                .header("X-SyncVault-Keep-Versions", Integer.toString(keepVersions));
        JsonNode body;
        try {
            body = sendJson(b, 200);
        } finally {
            // a request refused or broken off before the end leaves the file being read open otherwise
            tar.close();
        }
        List<Outcome> outcomes = new ArrayList<>();
        tar.notSent().forEach((key, why) -> outcomes.add(Outcome.notSent(key, why)));
        for (JsonNode r : body.path("results")) {
            String key = r.path("key").asText();
            int status = r.path("status").asInt();
            JsonNode o = r.path("object");
            RemoteObject stored = status / 100 == 2 ? new RemoteObject(o.path("key").asText(key), o.path("size").asLong(),
                    text(o, "sha256"), text(o, "versionTag"), o.path("mtime").asLong(0)) : null;
            outcomes.add(new Outcome(key, status, stored, text(r.path("problem"), "detail")));
        }
        return outcomes;
    }

    /**
     * Deletes many objects in one request ({@code POST batch/delete}), each under its own version tag (null: any);
     * the answer has one outcome per key, in order (204 deleted, else the status and the problem's detail). Not
     * retried here: the sync engine sends a batch that failed as a whole again (a delete that had landed is then
     * a 404: gone, as wanted).
     */
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public List<Outcome> deleteBatch(String store, Map<String, String> tagsByKey, String origin, int keepVersions) {
        List<Map<String, String>> objects = new ArrayList<>();
        tagsByKey.forEach((key, tag) -> objects.add(tag == null ? Map.of("key", key) : Map.of("key", key, "ifMatch", quote(tag))));
        String request;
        try {
            request = json.writeValueAsString(Map.of("objects", objects));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        JsonNode body = sendJson(request(storeUri(store) + "/batch/delete").POST(HttpRequest.BodyPublishers.ofString(request))
                .header("Content-Type", "application/json").header("X-SyncVault-Origin", origin)
                .header("X-SyncVault-Keep-Versions", Integer.toString(keepVersions)).timeout(transferTimeout), 200);
        List<Outcome> outcomes = new ArrayList<>();
        for (JsonNode r : body.path("results")) {
            outcomes.add(new Outcome(r.path("key").asText(), r.path("status").asInt(), null, text(r.path("problem"), "detail")));
        }
        return outcomes;
    }

    /** One file of a batch upload: its key, where its bytes are, and what the gateway checks (null ifMatch = create-only). */
    public record BatchUpload(String key, Path file, long size, String sha256, long mtime, String ifMatch) {
    }

    /** The gateway's answer for one file of a batch: the stored object (2xx), or the status and the problem's detail. */
    public record Outcome(String key, int status, RemoteObject stored, String detail) {
        static final int NOT_SENT = 0;

        static Outcome notSent(String key, String why) {
            return new Outcome(key, NOT_SENT, null, why);
        }

        public boolean notSent() {
            return status == NOT_SENT;
        }
    }

    /**
     * Fetches many objects in one request ({@code POST batch/get}, answered with a tar stream)
     * and hands each to {@code receiver} as it arrives. Keys the gateway answered with an error
     * go to {@link BatchReceiver#failed}. Keys not reached because the stream broke off are
     * reported the same way, with status 0.
     */
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public void getBatch(String store, List<String> keys, BatchReceiver receiver) {
        String body;
        try {
            body = json.writeValueAsString(Map.of("keys", keys));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<InputStream> r = send(request(storeUri(store) + "/batch/get").POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").timeout(readIdleTimeout), bodies);
        java.util.Set<String> pending = new java.util.LinkedHashSet<>(keys);
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                check(r.statusCode(), 200, readSome(in), "a batch of " + keys.size() + " objects");
            }
            TarDownloadStream.read(in, pending, receiver);
        } catch (IOException e) {
            for (String key : pending) {
                receiver.failed(key, 0, "the batch download broke off: " + e.getMessage());
            }
            return;
        }
        for (String key : pending) {
            receiver.failed(key, 0, "the gateway's answer did not include this object");
        }
    }

    /** Where the objects of a batch download go. */
    public interface BatchReceiver {
        /** One object: its description and its bytes (read them or not; the rest is skipped). */
        void received(RemoteObject object, InputStream body);

        /** A key the gateway could not send (status) or that the broken-off stream did not reach (0). */
        void failed(String key, int status, String detail);
    }

    /** Deletes the object if it still is version {@code ifMatch}; a missing object is reported as {@link GatewayException.Missing}. */
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public void delete(String store, String key, String ifMatch, String origin, int keepVersions) {
        HttpRequest.Builder b = request(objectUri(store, key)).DELETE().timeout(Duration.ofSeconds(60))
                .header("X-SyncVault-Origin", origin).header("X-SyncVault-Keep-Versions", Integer.toString(keepVersions));
        if (ifMatch != null) {
            b.header("If-Match", quote(ifMatch));
        }
        HttpResponse<InputStream> r = send(b, bodies);
        try (InputStream in = r.body()) {
            if (r.statusCode() != 204 && r.statusCode() != 200) {
                check(r.statusCode(), 204, readSome(in), key);
            }
        } catch (IOException e) {
            throw new GatewayException.Unavailable(0, e.getMessage(), e);
        }
    }

    /** The kept previous versions of an object, newest first. */
    @Timeout(30_000)
    @Retry(maxRetries = 3, delay = 300, jitter = 200, retryOn = GatewayException.Unavailable.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public List<ObjectVersion> versions(String store, String key) {
        JsonNode body = sendJson(request(storeUri(store) + "/versions/" + path(key)).GET().timeout(Duration.ofSeconds(25)), 200);
        List<ObjectVersion> versions = new ArrayList<>();
        for (JsonNode v : body.path("versions")) {
            versions.add(new ObjectVersion(v.path("versionId").asText(), v.path("size").asLong(), text(v, "sha256"),
                    v.hasNonNull("mtime") ? v.path("mtime").asLong() : null, text(v, "modified")));
        }
        return versions;
    }

    /** Makes a kept version the current object again (the replaced one is kept as a version). */
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5_000, failOn = GatewayException.Unavailable.class)
    public RemoteObject restore(String store, String key, String versionId) {
        String body;
        try {
            body = json.writeValueAsString(Map.of("versionId", versionId));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        JsonNode r = sendJson(request(storeUri(store) + "/versions/" + path(key))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .timeout(transferTimeout), 201, 200);
        return new RemoteObject(r.path("key").asText(key), r.path("size").asLong(), text(r, "sha256"),
                text(r, "versionTag"), r.path("mtime").asLong(0));
    }

    // ---------- plumbing ----------

    private HttpRequest.Builder request(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token.get());
    }

    private String storeUri(String store) {
        return base + "/v1/stores/" + segment(store);
    }

    private String objectUri(String store, String key) {
        return storeUri(store) + "/objects/" + path(key);
    }

    /** Percent-encodes each segment of a key. */
    static String path(String key) {
        StringBuilder sb = new StringBuilder();
        for (String s : key.split("/", -1)) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(segment(s));
        }
        return sb.toString();
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    private static String quote(String tag) {
        return tag.startsWith("\"") ? tag : "\"" + tag + "\"";
    }

    private static String unquote(String tag) {
        if (tag == null) {
            return null;
        }
        String t = tag.startsWith("W/") ? tag.substring(2) : tag;
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(b.build(), handler);
        } catch (ConnectException | HttpTimeoutException e) {
            throw new GatewayException.Unavailable(0, "gateway not answering at " + base + ": " + e, e);
        } catch (IOException e) {
            throw new GatewayException.Unavailable(0, "gateway call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException.Unavailable(0, "interrupted", e);
        }
    }

    private JsonNode sendJson(HttpRequest.Builder b, int... ok) {
        HttpResponse<InputStream> r = send(b, bodies);
        try (InputStream in = r.body()) {
            for (int status : ok) {
                if (r.statusCode() == status) {
                    return json.readTree(in);
                }
            }
            check(r.statusCode(), ok[0], readSome(in), r.request().uri().getPath());
            throw new IllegalStateException("unreachable");
        } catch (IOException e) {
            throw new GatewayException.Unavailable(0, "gateway answer unreadable: " + e.getMessage(), e);
        }
    }

    private static void check(int status, int expected, String detail, String what) {
        if (status == expected) {
            return;
        }
        String msg = "gateway answered " + status + " for " + what + (detail == null || detail.isBlank() ? "" : ": " + detail);
        if (status == 412) {
            throw new GatewayException.PreconditionFailed(msg);
        }
        if (status == 404) {
            throw new GatewayException.Missing(msg);
        }
        if (status >= 500 || status == 429) {
            throw new GatewayException.Unavailable(status, msg, null);
        }
        throw new GatewayException.Rejected(status, msg);
    }

    /** At most 4 KiB of an error body, for the message. */
    private static String readSome(InputStream in) throws IOException {
        byte[] buf = in.readNBytes(4096);
        return new String(buf, StandardCharsets.UTF_8);
    }

    private static RemoteObject fromHeaders(String key, HttpResponse<?> r) {
        var h = r.headers();
        long size = h.firstValueAsLong("X-SyncVault-Size").orElse(h.firstValueAsLong("Content-Length").orElse(-1));
        long mtime = h.firstValueAsLong("X-SyncVault-Mtime").orElse(0);
        return new RemoteObject(key, size, h.firstValue("X-SyncVault-Sha256").orElse(null),
                unquote(h.firstValue("ETag").orElse(null)), mtime);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
