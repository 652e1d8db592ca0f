import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * A small, persistent Google Cloud Storage test server speaking the GCS JSON API
 * (https://cloud.google.com/storage/docs/json_api/v1), for running the SyncVault storage
 * gateway's GCS provider tests locally and in CI without a cloud account.
 *
 * <p>It implements only what the SyncVault GCS provider does through the official Java client
 * ({@code com.google.cloud:google-cloud-storage}, HTTP transport, {@code NoCredentials}, host
 * {@code http://127.0.0.1:PORT}): bucket create/get (plus list/delete for test clean-up),
 * object uploads ({@code uploadType=media}, {@code multipart} and {@code resumable}, in any number
 * of chunks), object metadata get/patch/update/delete, media downloads with byte ranges, listing
 * with prefix/delimiter/pagination, object copy via {@code rewriteTo}, and the generation and
 * metageneration preconditions. There is no authentication, no ACLs/IAM, no object versioning
 * (only the live generation of an object is kept), no batch endpoint and no gzip transcoding.
 *
 * <p>State lives under {@code --root}: one folder per bucket ({@code bucket.json} plus an
 * {@code objects/} folder holding, per object, its data file and a JSON metadata sidecar), and
 * {@code .uploads/} for open resumable upload sessions. Files are written to a temporary file
 * and renamed into place, so the server can be stopped and started again at any time. Request and
 * response bodies are streamed; objects are never held in memory.
 *
 * <p>Runs with the JDK alone (Java 17, no third-party libraries), as a single-file program:
 *
 * <pre>
 *   java deploy/local/gcs-test-server/GcsTestServer.java --port 4443 --root /some/dir
 * </pre>
 *
 * Options: {@code --port N} (default 4443), {@code --root DIR} (required), {@code --bind ADDR}
 * (default 127.0.0.1), {@code --threads N} (default 16), {@code --verbose} (log every request).
 */
public final class GcsTestServer {

    private GcsTestServer() {}

    public static void main(String[] args) throws IOException {
        int port = 4443;
        int threads = 16;
        Path root = null;
        String bind = "127.0.0.1";
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--verbose")) {
                verbose = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                usage(0);
            } else if (i + 1 < args.length && a.equals("--port")) {
                port = Integer.parseInt(args[++i]);
            } else if (i + 1 < args.length && a.equals("--root")) {
                root = Path.of(args[++i]);
            } else if (i + 1 < args.length && a.equals("--bind")) {
                bind = args[++i];
            } else if (i + 1 < args.length && a.equals("--threads")) {
                threads = Integer.parseInt(args[++i]);
            } else {
                System.err.println("unknown or incomplete argument: " + a);
                usage(2);
            }
        }
        if (root == null) {
            usage(2);
        }
        Store store = new Store(root.toAbsolutePath());
        store.load();
        Uploads uploads = new Uploads(store, root.toAbsolutePath().resolve(".uploads"));

        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 128);
        server.createContext("/", new Router(store, uploads, verbose));
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gcs-test-server-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println("GcsTestServer listening on http://" + bind + ":" + port
                + " (root " + root.toAbsolutePath() + ", " + store.buckets.size() + " bucket(s))");
    }

    private static void usage(int exit) {
        System.err.println("usage: java GcsTestServer.java --root DIR [--port 4443] [--bind 127.0.0.1]"
                + " [--threads 16] [--verbose]");
        System.exit(exit);
    }

    // ------------------------------------------------------------------------------------------
    // HTTP routing
    // ------------------------------------------------------------------------------------------

    /** Dispatches every request to the bucket, object, upload or download handler. */
    static final class Router implements HttpHandler {
        private final BucketHandler buckets;
        private final ObjectHandler objects;
        private final UploadHandler uploads;
        private final boolean verbose;

        Router(Store store, Uploads uploads, boolean verbose) {
            this.buckets = new BucketHandler(store);
            this.objects = new ObjectHandler(store);
            this.uploads = new UploadHandler(store, uploads);
            this.verbose = verbose;
        }

        @Override
        public void handle(HttpExchange ex) {
            long t0 = System.nanoTime();
            String method = ex.getRequestMethod();
            try {
                Req r = new Req(ex);
                method = r.method;
                dispatch(r);
            } catch (HttpError e) {
                sendError(ex, e);
            } catch (Exception e) {
                if (ex.getResponseCode() == -1) {
                    System.err.println("GcsTestServer: " + ex.getRequestMethod() + " "
                            + ex.getRequestURI() + " failed: " + e);
                    sendError(ex, new HttpError(500, "backendError", "Internal error: " + e));
                } else if (verbose) {
                    System.err.println("GcsTestServer: response aborted: " + e);
                }
            } finally {
                ex.close();
                int code = ex.getResponseCode();
                if (verbose || code >= 500) {
                    System.err.printf(Locale.ROOT, "%s %s -> %d (%d ms)%n", method,
                            ex.getRequestURI(), code, (System.nanoTime() - t0) / 1_000_000);
                }
            }
        }

        private void dispatch(Req r) throws IOException {
            List<String> s = r.seg;
            int n = s.size();
            if (startsWith(s, "storage", "v1", "b")) {
                if (n == 3) {
                    switch (r.method) {
                        case "GET" -> buckets.list(r);
                        case "POST" -> buckets.create(r);
                        default -> throw HttpError.methodNotAllowed();
                    }
                    return;
                }
                String bucket = s.get(3);
                if (n == 4) {
                    switch (r.method) {
                        case "GET" -> buckets.get(r, bucket);
                        case "DELETE" -> buckets.delete(r, bucket);
                        default -> throw HttpError.methodNotAllowed();
                    }
                    return;
                }
                if (!s.get(4).equals("o")) {
                    throw HttpError.notFound("Not Found");
                }
                if (n == 5) {
                    if (!r.method.equals("GET")) {
                        throw HttpError.methodNotAllowed();
                    }
                    objects.list(r, bucket);
                    return;
                }
                if (n == 11 && r.method.equals("POST")
                        && (s.get(6).equals("rewriteTo") || s.get(6).equals("copyTo"))
                        && s.get(7).equals("b") && s.get(9).equals("o")) {
                    objects.rewrite(r, bucket, s.get(5), s.get(8), s.get(10), s.get(6).equals("rewriteTo"));
                    return;
                }
                String name = String.join("/", s.subList(5, n));
                switch (r.method) {
                    case "GET" -> {
                        if ("media".equals(r.q.get("alt"))) {
                            objects.media(r, bucket, name);
                        } else {
                            objects.get(r, bucket, name);
                        }
                    }
                    case "PATCH" -> objects.update(r, bucket, name, false);
                    case "PUT" -> objects.update(r, bucket, name, true);
                    case "DELETE" -> objects.delete(r, bucket, name);
                    default -> throw HttpError.methodNotAllowed();
                }
                return;
            }
            if (startsWith(s, "upload", "storage", "v1", "b") && n == 6 && s.get(5).equals("o")) {
                String bucket = s.get(4);
                if (r.q.containsKey("upload_id")) {
                    switch (r.method) {
                        case "PUT", "POST" -> uploads.chunk(r, r.q.get("upload_id"));
                        case "DELETE" -> uploads.cancel(r, r.q.get("upload_id"));
                        default -> throw HttpError.methodNotAllowed();
                    }
                    return;
                }
                if (!r.method.equals("POST")) {
                    throw HttpError.methodNotAllowed();
                }
                String type = r.q.getOrDefault("uploadType", "");
                switch (type) {
                    case "media" -> uploads.media(r, bucket);
                    case "multipart" -> uploads.multipart(r, bucket);
                    case "resumable" -> uploads.start(r, bucket);
                    default -> throw new HttpError(400, "invalid", "Invalid or missing uploadType: " + type);
                }
                return;
            }
            if (startsWith(s, "download", "storage", "v1", "b") && n >= 7 && s.get(5).equals("o")) {
                if (!r.method.equals("GET")) {
                    throw HttpError.methodNotAllowed();
                }
                objects.media(r, s.get(4), String.join("/", s.subList(6, n)));
                return;
            }
            throw HttpError.notFound("Not Found");
        }

        private static boolean startsWith(List<String> s, String... prefix) {
            if (s.size() < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (!s.get(i).equals(prefix[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Bucket resource: {@code /storage/v1/b[/{bucket}]}. */
    static final class BucketHandler {
        private final Store store;

        BucketHandler(Store store) {
            this.store = store;
        }

        void create(Req r) throws IOException {
            Map<String, Object> body = r.jsonBody();
            Object name = body.get("name");
            if (!(name instanceof String) || ((String) name).isEmpty()) {
                throw new HttpError(400, "required", "Required parameter: name");
            }
            Store.Bucket b = store.createBucket((String) name);
            sendJson(r.ex, 200, bucketResource(b, r.baseUrl()));
        }

        void get(Req r, String bucket) throws IOException {
            sendJson(r.ex, 200, bucketResource(store.bucket(bucket), r.baseUrl()));
        }

        void delete(Req r, String bucket) throws IOException {
            store.deleteBucket(bucket);
            sendEmpty(r.ex, 204);
        }

        void list(Req r) throws IOException {
            List<Object> items = new ArrayList<>();
            String prefix = r.q.getOrDefault("prefix", "");
            for (Store.Bucket b : new TreeMap<>(store.buckets).values()) {
                if (b.name.startsWith(prefix)) {
                    items.add(bucketResource(b, r.baseUrl()));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kind", "storage#buckets");
            if (!items.isEmpty()) {
                out.put("items", items);
            }
            sendJson(r.ex, 200, out);
        }

        static Map<String, Object> bucketResource(Store.Bucket b, String baseUrl) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "storage#bucket");
            m.put("id", b.name);
            m.put("selfLink", baseUrl + "/storage/v1/b/" + encPath(b.name));
            m.put("projectNumber", "0");
            m.put("name", b.name);
            m.put("timeCreated", rfc3339(b.created));
            m.put("updated", rfc3339(b.created));
            m.put("metageneration", "1");
            m.put("location", "US");
            m.put("locationType", "multi-region");
            m.put("storageClass", "STANDARD");
            m.put("etag", "CAE=");
            return m;
        }
    }

    /** Object resource: metadata, media download, patch/update, delete, list and rewrite. */
    static final class ObjectHandler {
        private final Store store;

        ObjectHandler(Store store) {
            this.store = store;
        }

        void get(Req r, String bucket, String name) throws IOException {
            ObjMeta m = store.getObject(bucket, name, r.longParam("generation"), Conditions.of(r.q, false), true);
            sendJson(r.ex, 200, m.resource(r.baseUrl()));
        }

        void media(Req r, String bucket, String name) throws IOException {
            Store.ReadHandle h = store.openRead(bucket, name, r.longParam("generation"), Conditions.of(r.q, false));
            try (FileChannel ch = h.channel()) {
                ObjMeta m = h.meta();
                long size = m.size;
                long start = 0;
                long end = size - 1;
                boolean partial = false;
                long[] range = parseRange(r.header("Range"), size);
                if (range != null) {
                    start = range[0];
                    end = range[1];
                    partial = true;
                }
                var headers = r.ex.getResponseHeaders();
                headers.set("Content-Type", m.contentType);
                headers.set("ETag", m.etag());
                headers.set("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        m.updated.atOffset(ZoneOffset.UTC)));
                headers.set("Accept-Ranges", "bytes");
                headers.set("x-goog-generation", Long.toString(m.generation));
                headers.set("x-goog-metageneration", Long.toString(m.metageneration));
                headers.set("x-goog-stored-content-length", Long.toString(size));
                String encoding = m.fields.get("contentEncoding");
                headers.set("x-goog-stored-content-encoding", encoding == null ? "identity" : encoding);
                if (encoding != null) {
                    headers.set("Content-Encoding", encoding);
                }
                headers.set("x-goog-storage-class", "STANDARD");
                headers.add("x-goog-hash", "crc32c=" + m.crc32c);
                headers.add("x-goog-hash", "md5=" + m.md5Hash);
                if (m.fields.containsKey("contentDisposition")) {
                    headers.set("Content-Disposition", m.fields.get("contentDisposition"));
                }
                if (partial) {
                    headers.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
                }
                long len = size == 0 ? 0 : end - start + 1;
                drain(r.ex);
                r.ex.sendResponseHeaders(partial ? 206 : 200, len == 0 ? -1 : len);
                if (len > 0) {
                    ch.position(start);
                    try (OutputStream out = r.ex.getResponseBody()) {
                        copyExactly(Channels.newInputStream(ch), out, len);
                    }
                }
            }
        }

        void update(Req r, String bucket, String name, boolean replace) throws IOException {
            Map<String, Object> body = r.jsonBody();
            ObjMeta m = store.updateObject(bucket, name, r.longParam("generation"), Conditions.of(r.q, false),
                    body, replace);
            sendJson(r.ex, 200, m.resource(r.baseUrl()));
        }

        void delete(Req r, String bucket, String name) throws IOException {
            store.deleteObject(bucket, name, r.longParam("generation"), Conditions.of(r.q, false));
            sendEmpty(r.ex, 204);
        }

        void list(Req r, String bucket) throws IOException {
            Store.Bucket b = store.bucket(bucket);
            String prefix = r.q.getOrDefault("prefix", "");
            String delimiter = emptyToNull(r.q.get("delimiter"));
            String startOffset = emptyToNull(r.q.get("startOffset"));
            String endOffset = emptyToNull(r.q.get("endOffset"));
            boolean trailing = "true".equals(r.q.get("includeTrailingDelimiter"));
            int max = 1000;
            if (r.q.containsKey("maxResults")) {
                max = (int) Math.max(1, Math.min(1000, r.longParam("maxResults")));
            }
            String after = null;
            boolean afterIsPrefix = false;
            String token = emptyToNull(r.q.get("pageToken"));
            if (token != null) {
                String t;
                try {
                    t = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new HttpError(400, "invalid", "Invalid pageToken");
                }
                if (t.length() < 1 || (t.charAt(0) != 'p' && t.charAt(0) != 'n')) {
                    throw new HttpError(400, "invalid", "Invalid pageToken");
                }
                afterIsPrefix = t.charAt(0) == 'p';
                after = t.substring(1);
            }
            String from = prefix;
            if (startOffset != null && NAME_ORDER.compare(startOffset, from) > 0) {
                from = startOffset;
            }
            if (after != null && NAME_ORDER.compare(after, from) > 0) {
                from = after;
            }
            // Collect at most max+1 entries (items and prefixes both count), in name order.
            List<String[]> entries = new ArrayList<>(); // {"n"|"p", key}
            List<ObjMeta> metas = new ArrayList<>();
            String lastPrefix = null;
            for (Map.Entry<String, ObjMeta> e : b.objects.tailMap(from, true).entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(prefix)) {
                    break;
                }
                if (endOffset != null && NAME_ORDER.compare(name, endOffset) >= 0) {
                    break;
                }
                if (after != null && (NAME_ORDER.compare(name, after) <= 0
                        || (afterIsPrefix && name.startsWith(after)))) {
                    continue;
                }
                if (delimiter != null) {
                    int i = name.indexOf(delimiter, prefix.length());
                    if (i >= 0) {
                        String p = name.substring(0, i + delimiter.length());
                        boolean isDirMarker = trailing && p.equals(name);
                        if (!p.equals(lastPrefix)) {
                            lastPrefix = p;
                            entries.add(new String[] {"p", p});
                            metas.add(null);
                        }
                        if (isDirMarker) {
                            entries.add(new String[] {"n", name});
                            metas.add(e.getValue());
                        }
                        if (entries.size() > max) {
                            break;
                        }
                        continue;
                    }
                }
                entries.add(new String[] {"n", name});
                metas.add(e.getValue());
                if (entries.size() > max) {
                    break;
                }
            }
            String nextToken = null;
            if (entries.size() > max) {
                entries = entries.subList(0, max);
                String[] last = entries.get(max - 1);
                nextToken = Base64.getUrlEncoder().withoutPadding().encodeToString(
                        (last[0] + last[1]).getBytes(StandardCharsets.UTF_8));
            }
            List<Object> items = new ArrayList<>();
            List<Object> prefixes = new ArrayList<>();
            String base = r.baseUrl();
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i)[0].equals("p")) {
                    prefixes.add(entries.get(i)[1]);
                } else {
                    items.add(metas.get(i).resource(base));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kind", "storage#objects");
            if (nextToken != null) {
                out.put("nextPageToken", nextToken);
            }
            if (!prefixes.isEmpty()) {
                out.put("prefixes", prefixes);
            }
            if (!items.isEmpty()) {
                out.put("items", items);
            }
            sendJson(r.ex, 200, out);
        }

        /** {@code rewriteTo} and {@code copyTo}: the whole copy is done in one call. */
        void rewrite(Req r, String srcBucket, String srcName, String dstBucket, String dstName, boolean rewrite)
                throws IOException {
            Map<String, Object> body = r.jsonBody();
            store.bucket(dstBucket);
            Store.ReadHandle h = store.openRead(srcBucket, srcName, r.longParam("sourceGeneration"),
                    Conditions.of(r.q, true));
            ObjMeta src = h.meta();
            Path tmp = store.newTempFile();
            try (FileChannel ch = h.channel(); OutputStream out = Files.newOutputStream(tmp)) {
                copyExactly(Channels.newInputStream(ch), out, src.size);
            }
            ObjMeta template = src.copy();
            template.applyFields(body, false);
            ObjMeta m;
            try {
                m = store.commit(dstBucket, dstName, tmp, src.size, src.md5Hash, src.crc32c, template,
                        Conditions.of(r.q, false));
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (!rewrite) {
                sendJson(r.ex, 200, m.resource(r.baseUrl()));
                return;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kind", "storage#rewriteResponse");
            out.put("totalBytesRewritten", Long.toString(m.size));
            out.put("objectSize", Long.toString(m.size));
            out.put("done", Boolean.TRUE);
            out.put("resource", m.resource(r.baseUrl()));
            sendJson(r.ex, 200, out);
        }

        /**
         * Parses a single {@code bytes=} range. Returns null when the header is absent or is not a
         * single well-formed byte range (the whole object is then served), {start, end} otherwise.
         */
        static long[] parseRange(String header, long size) {
            if (header == null) {
                return null;
            }
            Matcher m = Pattern.compile("\\s*bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*").matcher(header);
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                return null;
            }
            try {
                if (m.group(1).isEmpty()) { // suffix: last n bytes
                    long n = Long.parseLong(m.group(2));
                    if (n == 0 || size == 0) {
                        throw HttpError.rangeNotSatisfiable(size);
                    }
                    return new long[] {Math.max(0, size - n), size - 1};
                }
                long start = Long.parseLong(m.group(1));
                long end = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
                if (end < start) {
                    return null;
                }
                if (start >= size) {
                    throw HttpError.rangeNotSatisfiable(size);
                }
                return new long[] {start, Math.min(end, size - 1)};
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Uploads: {@code /upload/storage/v1/b/{bucket}/o} with media, multipart and resumable types. */
    static final class UploadHandler {
        private static final Pattern CONTENT_RANGE =
                Pattern.compile("\\s*bytes\\s+(?:\\*|(\\d+)-(\\d+))/(\\*|\\d+)\\s*");

        private final Store store;
        private final Uploads sessions;

        UploadHandler(Store store, Uploads sessions) {
            this.store = store;
            this.sessions = sessions;
        }

        /** {@code uploadType=media}: the body is the object data, the name is in the query. */
        void media(Req r, String bucket) throws IOException {
            store.bucket(bucket);
            String name = r.q.get("name");
            if (name == null || name.isEmpty()) {
                throw new HttpError(400, "required", "Required parameter: name");
            }
            ObjMeta template = new ObjMeta();
            template.contentType = defaultIfEmpty(r.header("Content-Type"), "application/octet-stream");
            Path tmp = store.newTempFile();
            try {
                Digests d = new Digests();
                try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(tmp)) {
                    copyHashing(in, out, d, 0);
                }
                verifyHashes(template, null, r.header("x-goog-hash"), d);
                ObjMeta m = store.commit(bucket, name, tmp, d.size, d.md5(), d.crc32c(), template,
                        Conditions.of(r.q, false));
                sendJson(r.ex, 200, m.resource(r.baseUrl()));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        /** {@code uploadType=multipart}: multipart/related with a JSON metadata part, then the data. */
        void multipart(Req r, String bucket) throws IOException {
            store.bucket(bucket);
            String boundary = boundary(r.header("Content-Type"));
            if (boundary == null) {
                throw new HttpError(400, "invalid", "multipart upload needs a multipart/related Content-Type with a boundary");
            }
            byte[] delim = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            Path tmp = store.newTempFile();
            try (InputStream in = r.body()) {
                MultipartReader mr = new MultipartReader(in);
                if (!mr.skipTo(delim) || mr.readLine().startsWith("--")) {
                    throw new HttpError(400, "invalid", "multipart body has no parts");
                }
                mr.readHeaders();
                ByteArrayOutputStream json = new ByteArrayOutputStream();
                if (!mr.readPart(delim, (b, o, n) -> {
                    if (json.size() + n > 16 << 20) {
                        throw new HttpError(400, "invalid", "metadata part too large");
                    }
                    json.write(b, o, n);
                })) {
                    throw new HttpError(400, "invalid", "multipart body ended inside the metadata part");
                }
                if (mr.readLine().startsWith("--")) {
                    throw new HttpError(400, "invalid", "multipart body has no media part");
                }
                Map<String, String> mediaHeaders = mr.readHeaders();
                Digests d = new Digests();
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    if (!mr.readPart(delim, (b, o, n) -> {
                        out.write(b, o, n);
                        d.update(b, o, n);
                    })) {
                        throw new HttpError(400, "invalid", "multipart body ended inside the media part");
                    }
                }
                in.transferTo(OutputStream.nullOutputStream());
                Map<String, Object> resource = Json.parseObject(json.toString(StandardCharsets.UTF_8));
                String name = resource.get("name") instanceof String ? (String) resource.get("name") : r.q.get("name");
                if (name == null || name.isEmpty()) {
                    throw new HttpError(400, "required", "Required parameter: name");
                }
                ObjMeta template = new ObjMeta();
                template.contentType = defaultIfEmpty(mediaHeaders.get("content-type"),
                        "application/octet-stream");
                template.applyFields(resource, false);
                verifyHashes(template, resource, r.header("x-goog-hash"), d);
                ObjMeta m = store.commit(bucket, name, tmp, d.size, d.md5(), d.crc32c(), template,
                        Conditions.of(r.q, false));
                sendJson(r.ex, 200, m.resource(r.baseUrl()));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        /** {@code uploadType=resumable} initiation: creates a session and returns its URI in Location. */
        void start(Req r, String bucket) throws IOException {
            store.bucket(bucket);
            Map<String, Object> resource = r.jsonBody();
            String name = resource.get("name") instanceof String ? (String) resource.get("name") : null;
            if (name == null || name.isEmpty()) {
                name = r.q.get("name");
            }
            if (name == null || name.isEmpty()) {
                throw new HttpError(400, "required", "Required parameter: name");
            }
            Conditions cond = Conditions.of(r.q, false);
            store.checkWritable(bucket, name, cond);
            String contentType = defaultIfEmpty(r.header("X-Upload-Content-Type"), "application/octet-stream");
            Uploads.Session s = sessions.create(bucket, name, resource, r.q, contentType);
            String location = r.baseUrl() + "/upload/storage/v1/b/" + encPath(bucket) + "/o?uploadType=resumable&name="
                    + URLEncoder.encode(name, StandardCharsets.UTF_8) + "&upload_id=" + s.id;
            r.ex.getResponseHeaders().set("Location", location);
            r.ex.getResponseHeaders().set("X-GUploader-UploadID", s.id);
            sendEmpty(r.ex, 200);
        }

        /** A PUT to a session URI: a chunk of data, a finalization, or a status query. */
        void chunk(Req r, String id) throws IOException {
            Uploads.Session s = sessions.get(id);
            synchronized (s) {
                if (s.cancelled) {
                    throw HttpError.notFound("No such upload session: " + id);
                }
                if (s.done != null) { // finished earlier: answer like GCS, with the object
                    sendJson(r.ex, 200, s.done.resource(r.baseUrl()));
                    return;
                }
                String header = r.header("Content-Range");
                if (header == null) { // a single request carrying the whole object
                    s.truncate();
                    try (InputStream in = r.body()) {
                        s.append(in, 0);
                    }
                    finish(r, s, s.received);
                    return;
                }
                Matcher m = CONTENT_RANGE.matcher(header);
                if (!m.matches()) {
                    throw new HttpError(400, "invalid", "Invalid Content-Range: " + header);
                }
                Long total = m.group(3).equals("*") ? null : Long.parseLong(m.group(3));
                if (m.group(1) != null) {
                    long first = Long.parseLong(m.group(1));
                    long last = Long.parseLong(m.group(2));
                    if (last < first) {
                        throw new HttpError(400, "invalid", "Invalid Content-Range: " + header);
                    }
                    if (first > s.received) {
                        throw new HttpError(400, "invalid", "Invalid request. According to the Content-Range header,"
                                + " the upload offset is " + first + " byte(s), which exceeds already uploaded size of "
                                + s.received + " byte(s).");
                    }
                    try (InputStream in = r.body()) {
                        s.append(in, s.received - first);
                    }
                } else {
                    drain(r.ex);
                }
                if (total != null && s.received >= total) {
                    finish(r, s, total);
                } else {
                    sendIncomplete(r, s);
                }
            }
        }

        void cancel(Req r, String id) throws IOException {
            sessions.cancel(sessions.get(id));
            sendEmpty(r.ex, 499);
        }

        private void finish(Req r, Uploads.Session s, long total) throws IOException {
            if (s.received != total) {
                s.discard();
                throw new HttpError(400, "invalid", "The upload's declared size " + total + " does not match the "
                        + s.received + " bytes received.");
            }
            Digests d = s.digests();
            ObjMeta template = new ObjMeta();
            template.contentType = s.contentType;
            template.applyFields(s.resource, false);
            try {
                verifyHashes(template, s.resource, r.header("x-goog-hash"), d);
            } catch (HttpError e) {
                s.discard();
                throw e;
            }
            ObjMeta m = store.commit(s.bucket, s.name, s.part, d.size, d.md5(), d.crc32c(), template,
                    Conditions.of(s.query, false));
            s.complete(m);
            sendJson(r.ex, 200, m.resource(r.baseUrl()));
        }

        private static void sendIncomplete(Req r, Uploads.Session s) throws IOException {
            if (s.received > 0) {
                r.ex.getResponseHeaders().set("Range", "bytes=0-" + (s.received - 1));
            }
            r.ex.getResponseHeaders().set("X-GUploader-UploadID", s.id);
            sendEmpty(r.ex, 308);
        }

        private static String boundary(String contentType) {
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
                return null;
            }
            for (String param : contentType.split(";")) {
                String p = param.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                    String b = p.substring("boundary=".length()).trim();
                    if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                        b = b.substring(1, b.length() - 1);
                    }
                    return b.isEmpty() ? null : b;
                }
            }
            return null;
        }

        /** Checks the checksums the client sent (in the resource, or an x-goog-hash header) against the data. */
        private static void verifyHashes(ObjMeta template, Map<String, Object> resource, String xGoogHash, Digests d) {
            Map<String, String> expected = new HashMap<>();
            if (resource != null) {
                if (resource.get("crc32c") instanceof String) {
                    expected.put("crc32c", (String) resource.get("crc32c"));
                }
                if (resource.get("md5Hash") instanceof String) {
                    expected.put("md5", (String) resource.get("md5Hash"));
                }
            }
            if (xGoogHash != null) {
                for (String part : xGoogHash.split(",")) {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        expected.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
                    }
                }
            }
            String crc = expected.get("crc32c");
            if (crc != null && !crc.equals(d.crc32c())) {
                throw new HttpError(400, "invalid", "Provided CRC32C \"" + crc + "\" doesn't match calculated CRC32C \""
                        + d.crc32c() + "\".");
            }
            String md5 = expected.get("md5");
            if (md5 != null && !md5.equals(d.md5())) {
                throw new HttpError(400, "invalid", "Provided MD5 hash \"" + md5 + "\" doesn't match calculated MD5 hash \""
                        + d.md5() + "\".");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Storage on disk
    // ------------------------------------------------------------------------------------------

    /** Buckets and objects, indexed in memory and persisted under the root folder. */
    static final class Store {
        record ReadHandle(ObjMeta meta, FileChannel channel) {}

        static final class Bucket {
            final String name;
            final Instant created;
            final Path dir;
            final Path objectsDir;
            final ConcurrentSkipListMap<String, ObjMeta> objects = new ConcurrentSkipListMap<>(NAME_ORDER);

            Bucket(String name, Instant created, Path dir) {
                this.name = name;
                this.created = created;
                this.dir = dir;
                this.objectsDir = dir.resolve("objects");
            }
        }

        private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

        final Path root;
        final Path tmp;
        final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
        /** Guards every change of the index and of the files it points to. */
        private final Object lock = new Object();
        private final AtomicLong lastGeneration = new AtomicLong();

        Store(Path root) {
            this.root = root;
            this.tmp = root.resolve(".tmp");
        }

        void load() throws IOException {
            Files.createDirectories(tmp);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
                for (Path p : ds) {
                    Files.deleteIfExists(p);
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
                for (Path dir : ds) {
                    String name = dir.getFileName().toString();
                    if (name.startsWith(".") || !Files.isDirectory(dir)) {
                        continue;
                    }
                    Instant created = Files.getLastModifiedTime(dir).toInstant();
                    Path bj = dir.resolve("bucket.json");
                    if (Files.exists(bj)) {
                        Map<String, Object> m = Json.parseObject(Files.readString(bj));
                        created = Instant.parse((String) m.get("timeCreated"));
                    }
                    Bucket b = new Bucket(name, created, dir);
                    Files.createDirectories(b.objectsDir);
                    loadObjects(b);
                    buckets.put(name, b);
                }
            }
        }

        private void loadObjects(Bucket b) throws IOException {
            Set<String> referenced = new HashSet<>();
            List<Path> dataFiles = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(b.objectsDir)) {
                for (Path p : ds) {
                    String f = p.getFileName().toString();
                    if (f.endsWith(".data")) {
                        dataFiles.add(p);
                    } else if (f.endsWith(".json")) {
                        ObjMeta m = ObjMeta.fromStored(Json.parseObject(Files.readString(p)));
                        m.bucket = b.name;
                        if (!Files.exists(dataPath(b, m))) {
                            System.err.println("GcsTestServer: dropping " + p + ": its data file is missing");
                            Files.delete(p);
                            continue;
                        }
                        referenced.add(dataPath(b, m).getFileName().toString());
                        b.objects.put(m.name, m);
                        lastGeneration.accumulateAndGet(m.generation, Math::max);
                    }
                }
            }
            for (Path p : dataFiles) { // left behind by a stop between writing data and its sidecar
                if (!referenced.contains(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }

        Bucket bucket(String name) {
            Bucket b = buckets.get(name);
            if (b == null) {
                throw HttpError.notFound("The specified bucket does not exist.");
            }
            return b;
        }

        Bucket createBucket(String name) throws IOException {
            if (!BUCKET_NAME.matcher(name).matches() || name.contains("..")) {
                throw new HttpError(400, "invalid", "Invalid bucket name: '" + name + "'");
            }
            synchronized (lock) {
                if (buckets.containsKey(name)) {
                    throw new HttpError(409, "conflict",
                            "Your previous request to create the named bucket succeeded and you already own it.");
                }
                Bucket b = new Bucket(name, Instant.now().truncatedTo(ChronoUnit.MILLIS), root.resolve(name));
                Files.createDirectories(b.objectsDir);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("timeCreated", rfc3339(b.created));
                writeAtomically(b.dir.resolve("bucket.json"), Json.write(m));
                buckets.put(name, b);
                return b;
            }
        }

        void deleteBucket(String name) throws IOException {
            synchronized (lock) {
                Bucket b = bucket(name);
                if (!b.objects.isEmpty()) {
                    throw new HttpError(409, "conflict", "The bucket you tried to delete is not empty.");
                }
                buckets.remove(name);
                deleteTree(b.dir);
            }
        }

        Path newTempFile() {
            return tmp.resolve(UUID.randomUUID() + ".tmp");
        }

        /** Returns the live object, after checking the generation parameter and the preconditions. */
        ObjMeta getObject(String bucket, String name, Long generation, Conditions cond, boolean read) {
            ObjMeta m = bucket(bucket).objects.get(name);
            if (m == null || (generation != null && generation != m.generation)) {
                throw HttpError.notFound("No such object: " + bucket + "/" + name);
            }
            cond.checkExisting(m, read);
            return m;
        }

        ReadHandle openRead(String bucket, String name, Long generation, Conditions cond) throws IOException {
            synchronized (lock) {
                ObjMeta m = getObject(bucket, name, generation, cond, true);
                return new ReadHandle(m, FileChannel.open(dataPath(bucket(bucket), m), StandardOpenOption.READ));
            }
        }

        /** Fails early (before a resumable upload starts) when a write could not succeed. */
        void checkWritable(String bucket, String name, Conditions cond) {
            cond.checkWrite(bucket(bucket).objects.get(name));
        }

        /**
         * Makes {@code data} (a file on the same file system, moved away) the new live generation of
         * the object, with the fields of {@code template}, if the preconditions hold.
         */
        ObjMeta commit(String bucket, String name, Path data, long size, String md5, String crc32c,
                ObjMeta template, Conditions cond) throws IOException {
            if (name.isEmpty() || name.length() > 1024 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0) {
                throw new HttpError(400, "invalid", "Invalid object name: '" + name + "'");
            }
            synchronized (lock) {
                Bucket b = bucket(bucket);
                ObjMeta current = b.objects.get(name);
                cond.checkWrite(current);
                Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                ObjMeta m = template.copy();
                m.bucket = bucket;
                m.name = name;
                m.generation = nextGeneration();
                m.metageneration = 1;
                m.size = size;
                m.md5Hash = md5;
                m.crc32c = crc32c;
                m.timeCreated = now;
                m.updated = now;
                Files.move(data, dataPath(b, m), StandardCopyOption.ATOMIC_MOVE);
                writeAtomically(metaPath(b, name), Json.write(m.stored()));
                b.objects.put(name, m);
                if (current != null) {
                    Files.deleteIfExists(dataPath(b, current));
                }
                return m;
            }
        }

        ObjMeta updateObject(String bucket, String name, Long generation, Conditions cond,
                Map<String, Object> body, boolean replace) throws IOException {
            synchronized (lock) {
                Bucket b = bucket(bucket);
                ObjMeta m = getObject(bucket, name, generation, cond, false).copy();
                m.applyFields(body, replace);
                m.metageneration++;
                m.updated = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                writeAtomically(metaPath(b, name), Json.write(m.stored()));
                b.objects.put(name, m);
                return m;
            }
        }

        void deleteObject(String bucket, String name, Long generation, Conditions cond) throws IOException {
            synchronized (lock) {
                Bucket b = bucket(bucket);
                ObjMeta m = getObject(bucket, name, generation, cond, false);
                Files.deleteIfExists(metaPath(b, name));
                Files.deleteIfExists(dataPath(b, m));
                b.objects.remove(name);
            }
        }

        private long nextGeneration() { // microseconds since the epoch, strictly increasing
            long now = System.currentTimeMillis() * 1000;
            return lastGeneration.accumulateAndGet(now, (last, t) -> Math.max(last + 1, t));
        }

        void writeAtomically(Path target, String content) throws IOException {
            Path t = newTempFile();
            Files.writeString(t, content, StandardCharsets.UTF_8);
            Files.move(t, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        private static Path metaPath(Bucket b, String name) {
            return b.objectsDir.resolve(fileKey(name) + ".json");
        }

        private static Path dataPath(Bucket b, ObjMeta m) {
            return b.objectsDir.resolve(fileKey(m.name) + "." + m.generation + ".data");
        }

        /** A file-name-safe, readable key for an object name (hashed when too long). */
        static String fileKey(String name) {
            StringBuilder sb = new StringBuilder();
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i++) {
                int c = bytes[i] & 0xff;
                boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '-' || c == '_' || (c == '.' && i > 0);
                if (safe) {
                    sb.append((char) c);
                } else {
                    sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
                }
            }
            if (sb.length() <= 150) {
                return sb.toString();
            }
            try {
                byte[] h = MessageDigest.getInstance("SHA-256").digest(bytes);
                StringBuilder hex = new StringBuilder("~");
                for (byte x : h) {
                    hex.append(String.format(Locale.ROOT, "%02x", x));
                }
                return hex.toString();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Resumable upload sessions; each is a JSON file plus the bytes received so far, under .uploads. */
    static final class Uploads {
        private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
        private static final long MAX_AGE_MILLIS = 7L * 24 * 3600 * 1000;

        final class Session {
            final String id;
            final String bucket;
            final String name;
            final Map<String, Object> resource;
            final Map<String, String> query;
            final String contentType;
            final Path part;
            long received;
            boolean cancelled;
            ObjMeta done;
            private Digests digests;

            Session(String id, String bucket, String name, Map<String, Object> resource,
                    Map<String, String> query, String contentType) {
                this.id = id;
                this.bucket = bucket;
                this.name = name;
                this.resource = resource;
                this.query = query;
                this.contentType = contentType;
                this.part = dir.resolve(id + ".part");
            }

            /** Appends the request body, skipping its first {@code skip} bytes (already received). */
            void append(InputStream in, long skip) throws IOException {
                Digests d = digests();
                try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    received += copyHashing(in, out, d, skip);
                }
            }

            void truncate() throws IOException {
                Files.deleteIfExists(part);
                received = 0;
                digests = new Digests();
            }

            /** The running checksums; recomputed from the part file after a restart. */
            Digests digests() throws IOException {
                if (digests == null) {
                    Digests d = new Digests();
                    if (Files.exists(part)) {
                        try (InputStream in = Files.newInputStream(part)) {
                            copyHashing(in, OutputStream.nullOutputStream(), d, 0);
                        }
                    }
                    digests = d;
                }
                return digests;
            }

            /** Remembers the result on disk (a retried finalization gets it again) and forgets the session here. */
            void complete(ObjMeta m) throws IOException {
                done = m;
                digests = null;
                save();
                sessions.remove(id);
            }

            void discard() throws IOException {
                cancel(this);
            }

            void save() throws IOException {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", id);
                m.put("bucket", bucket);
                m.put("name", name);
                m.put("resource", resource);
                m.put("query", new LinkedHashMap<String, Object>(query));
                m.put("contentType", contentType);
                if (done != null) {
                    m.put("done", done.stored());
                }
                store.writeAtomically(dir.resolve(id + ".json"), Json.write(m));
            }
        }

        private final Store store;
        private final Path dir;
        private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

        Uploads(Store store, Path dir) throws IOException {
            this.store = store;
            this.dir = dir;
            Files.createDirectories(dir);
            long cutoff = System.currentTimeMillis() - MAX_AGE_MILLIS;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }

        Session create(String bucket, String name, Map<String, Object> resource, Map<String, String> query,
                String contentType) throws IOException {
            String id = UUID.randomUUID().toString().replace("-", "");
            Map<String, String> q = new TreeMap<>();
            for (String k : List.of("ifGenerationMatch", "ifGenerationNotMatch", "ifMetagenerationMatch",
                    "ifMetagenerationNotMatch")) {
                if (query.containsKey(k)) {
                    q.put(k, query.get(k));
                }
            }
            Session s = new Session(id, bucket, name, resource, q, contentType);
            s.save();
            sessions.put(id, s);
            return s;
        }

        /** Finds a session, loading it from disk when the server was restarted since it began. */
        Session get(String id) throws IOException {
            if (id == null || !ID.matcher(id).matches()) {
                throw HttpError.notFound("No such upload session: " + id);
            }
            Session s = sessions.get(id);
            if (s != null) {
                return s;
            }
            synchronized (this) {
                s = sessions.get(id);
                if (s != null) {
                    return s;
                }
                String text;
                try {
                    text = Files.readString(dir.resolve(id + ".json"));
                } catch (NoSuchFileException e) {
                    throw HttpError.notFound("No such upload session: " + id);
                }
                Map<String, Object> m = Json.parseObject(text);
                Map<String, String> q = new TreeMap<>();
                Object qo = m.get("query");
                if (qo instanceof Map<?, ?> qm) {
                    qm.forEach((k, v) -> q.put(String.valueOf(k), String.valueOf(v)));
                }
                Object res = m.get("resource");
                @SuppressWarnings("unchecked")
                Map<String, Object> resource = res instanceof Map ? (Map<String, Object>) res : new LinkedHashMap<>();
                s = new Session(id, (String) m.get("bucket"), (String) m.get("name"), resource, q,
                        (String) m.get("contentType"));
                if (m.get("done") instanceof Map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> done = (Map<String, Object>) m.get("done");
                    s.done = ObjMeta.fromStored(done);
                } else if (Files.exists(s.part)) {
                    s.received = Files.size(s.part);
                }
                sessions.put(id, s);
                return s;
            }
        }

        void cancel(Session s) throws IOException {
            synchronized (s) {
                s.cancelled = true;
                sessions.remove(s.id);
                Files.deleteIfExists(s.part);
                Files.deleteIfExists(dir.resolve(s.id + ".json"));
            }
        }
    }

    /** The metadata of one object generation, as kept in its sidecar file. */
    static final class ObjMeta {
        /** Settable string fields of the object resource that are stored and returned as given. */
        static final List<String> FIELDS = List.of("contentEncoding", "contentDisposition", "contentLanguage",
                "cacheControl", "customTime");

        String bucket;
        String name;
        long generation;
        long metageneration;
        long size;
        String md5Hash;
        String crc32c;
        String contentType = "application/octet-stream";
        Instant timeCreated;
        Instant updated;
        Map<String, String> fields = new TreeMap<>();
        Map<String, String> metadata = new TreeMap<>();

        ObjMeta copy() {
            ObjMeta c = new ObjMeta();
            c.bucket = bucket;
            c.name = name;
            c.generation = generation;
            c.metageneration = metageneration;
            c.size = size;
            c.md5Hash = md5Hash;
            c.crc32c = crc32c;
            c.contentType = contentType;
            c.timeCreated = timeCreated;
            c.updated = updated;
            c.fields = new TreeMap<>(fields);
            c.metadata = new TreeMap<>(metadata);
            return c;
        }

        /**
         * Applies the writable fields of an object resource: patch semantics (a JSON null removes a
         * field or a metadata key) or, with {@code replace}, update semantics (absent means removed).
         */
        void applyFields(Map<String, Object> body, boolean replace) {
            if (body.containsKey("contentType")) {
                Object v = body.get("contentType");
                contentType = v == null || v.toString().isEmpty() ? "application/octet-stream" : v.toString();
            }
            for (String f : FIELDS) {
                if (body.containsKey(f)) {
                    Object v = body.get(f);
                    if (v == null) {
                        fields.remove(f);
                    } else {
                        fields.put(f, v.toString());
                    }
                } else if (replace) {
                    fields.remove(f);
                }
            }
            if (body.containsKey("metadata")) {
                Object v = body.get("metadata");
                if (v == null || replace) {
                    metadata.clear();
                }
                if (v instanceof Map<?, ?> mm) {
                    for (Map.Entry<?, ?> e : mm.entrySet()) {
                        if (e.getValue() == null) {
                            metadata.remove(String.valueOf(e.getKey()));
                        } else {
                            metadata.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                        }
                    }
                }
            } else if (replace) {
                metadata.clear();
            }
        }

        String etag() {
            return Base64.getEncoder().encodeToString(
                    ("g" + generation + "m" + metageneration).getBytes(StandardCharsets.US_ASCII));
        }

        /** The object resource as the JSON API returns it. */
        Map<String, Object> resource(String baseUrl) {
            String path = "/b/" + encPath(bucket) + "/o/" + encPath(name);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "storage#object");
            m.put("id", bucket + "/" + name + "/" + generation);
            m.put("selfLink", baseUrl + "/storage/v1" + path);
            m.put("mediaLink", baseUrl + "/download/storage/v1" + path + "?generation=" + generation + "&alt=media");
            m.put("name", name);
            m.put("bucket", bucket);
            m.put("generation", Long.toString(generation));
            m.put("metageneration", Long.toString(metageneration));
            m.put("contentType", contentType);
            m.put("storageClass", "STANDARD");
            m.put("size", Long.toString(size));
            m.put("md5Hash", md5Hash);
            m.put("crc32c", crc32c);
            m.put("etag", etag());
            m.put("timeCreated", rfc3339(timeCreated));
            m.put("updated", rfc3339(updated));
            m.put("timeStorageClassUpdated", rfc3339(timeCreated));
            m.put("timeFinalized", rfc3339(timeCreated));
            m.putAll(fields);
            if (!metadata.isEmpty()) {
                m.put("metadata", new LinkedHashMap<String, Object>(metadata));
            }
            return m;
        }

        /** The sidecar form (no host-dependent links). */
        Map<String, Object> stored() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("bucket", bucket);
            m.put("generation", Long.toString(generation));
            m.put("metageneration", Long.toString(metageneration));
            m.put("size", Long.toString(size));
            m.put("md5Hash", md5Hash);
            m.put("crc32c", crc32c);
            m.put("contentType", contentType);
            m.put("timeCreated", rfc3339(timeCreated));
            m.put("updated", rfc3339(updated));
            m.put("fields", new LinkedHashMap<String, Object>(fields));
            m.put("metadata", new LinkedHashMap<String, Object>(metadata));
            return m;
        }

        static ObjMeta fromStored(Map<String, Object> s) {
            ObjMeta m = new ObjMeta();
            m.name = (String) s.get("name");
            m.bucket = (String) s.get("bucket");
            m.generation = Long.parseLong(s.get("generation").toString());
            m.metageneration = Long.parseLong(s.get("metageneration").toString());
            m.size = Long.parseLong(s.get("size").toString());
            m.md5Hash = (String) s.get("md5Hash");
            m.crc32c = (String) s.get("crc32c");
            m.contentType = (String) s.get("contentType");
            m.timeCreated = Instant.parse((String) s.get("timeCreated"));
            m.updated = Instant.parse((String) s.get("updated"));
            if (s.get("fields") instanceof Map<?, ?> f) {
                f.forEach((k, v) -> m.fields.put(String.valueOf(k), String.valueOf(v)));
            }
            if (s.get("metadata") instanceof Map<?, ?> md) {
                md.forEach((k, v) -> m.metadata.put(String.valueOf(k), String.valueOf(v)));
            }
            return m;
        }
    }

    /** The ifGeneration* / ifMetageneration* (or ifSource*) query parameters of a request. */
    record Conditions(Long generationMatch, Long generationNotMatch, Long metagenerationMatch,
            Long metagenerationNotMatch) {

        static Conditions of(Map<String, String> q, boolean source) {
            String p = source ? "ifSource" : "if";
            return new Conditions(longOrNull(q, p + "GenerationMatch"), longOrNull(q, p + "GenerationNotMatch"),
                    longOrNull(q, p + "MetagenerationMatch"), longOrNull(q, p + "MetagenerationNotMatch"));
        }

        /** For a write: {@code current} is the live object or null; ifGenerationMatch=0 means "must not exist". */
        void checkWrite(ObjMeta current) {
            if (current == null) {
                if ((generationMatch != null && generationMatch != 0) || metagenerationMatch != null) {
                    throw HttpError.preconditionFailed();
                }
                return;
            }
            if (generationMatch != null && generationMatch == 0) {
                throw HttpError.preconditionFailed();
            }
            checkExisting(current, false);
        }

        /** For an existing object. A failed "not match" on a read is 304 Not Modified, as GCS does. */
        void checkExisting(ObjMeta m, boolean read) {
            if ((generationMatch != null && generationMatch != m.generation)
                    || (metagenerationMatch != null && metagenerationMatch != m.metageneration)) {
                throw HttpError.preconditionFailed();
            }
            if ((generationNotMatch != null && generationNotMatch == m.generation)
                    || (metagenerationNotMatch != null && metagenerationNotMatch == m.metageneration)) {
                throw read ? new HttpError(304, "notModified", "Not Modified") : HttpError.preconditionFailed();
            }
        }

        private static Long longOrNull(Map<String, String> q, String key) {
            String v = q.get(key);
            if (v == null || v.isEmpty()) {
                return null;
            }
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new HttpError(400, "invalid", "Invalid value for " + key + ": " + v);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Request / response helpers
    // ------------------------------------------------------------------------------------------

    /** A request: effective method (honouring X-HTTP-Method-Override), decoded path segments, query. */
    static final class Req {
        final HttpExchange ex;
        final String method;
        final List<String> seg = new ArrayList<>();
        final Map<String, String> q;

        Req(HttpExchange ex) throws IOException {
            this.ex = ex;
            q = parseQuery(ex.getRequestURI().getRawQuery());
            String m = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            String override = header("X-HTTP-Method-Override");
            if (m.equals("POST") && override != null && !override.isBlank()) {
                m = override.trim().toUpperCase(Locale.ROOT);
                String ct = header("Content-Type");
                if (m.equals("GET") && ct != null && ct.startsWith("application/x-www-form-urlencoded")) {
                    q.putAll(parseQuery(new String(body().readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
            method = m;
            for (String p : ex.getRequestURI().getRawPath().split("/")) {
                if (!p.isEmpty()) {
                    seg.add(pctDecode(p));
                }
            }
        }

        String header(String name) {
            return ex.getRequestHeaders().getFirst(name);
        }

        Long longParam(String name) {
            return Conditions.longOrNull(q, name);
        }

        String baseUrl() {
            String host = header("Host");
            if (host == null || host.isBlank()) {
                InetSocketAddress a = ex.getLocalAddress();
                host = a.getHostString() + ":" + a.getPort();
            }
            return "http://" + host;
        }

        /** The request body, un-gzipped when the client compressed it. */
        InputStream body() throws IOException {
            InputStream in = ex.getRequestBody();
            String enc = header("Content-Encoding");
            return enc != null && enc.toLowerCase(Locale.ROOT).contains("gzip") ? new GZIPInputStream(in, 64 * 1024) : in;
        }

        /** The body as a JSON object; an empty body is an empty object. */
        Map<String, Object> jsonBody() throws IOException {
            byte[] b;
            try (InputStream in = body()) {
                b = in.readNBytes(16 << 20);
            }
            String s = new String(b, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? new LinkedHashMap<>() : Json.parseObject(s);
        }

        private static Map<String, String> parseQuery(String raw) {
            Map<String, String> q = new HashMap<>();
            if (raw == null || raw.isEmpty()) {
                return q;
            }
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : pair.substring(eq + 1);
                q.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            }
            return q;
        }
    }

    /** An error answered in the JSON API's error format. */
    static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final int code;
        final String reason;
        final Map<String, String> headers = new LinkedHashMap<>();

        HttpError(int code, String reason, String message) {
            super(message, null, false, false);
            this.code = code;
            this.reason = reason;
        }

        static HttpError notFound(String message) {
            return new HttpError(404, "notFound", message);
        }

        static HttpError methodNotAllowed() {
            return new HttpError(405, "methodNotAllowed", "Method not allowed");
        }

        static HttpError preconditionFailed() {
            return new HttpError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
        }

        static HttpError rangeNotSatisfiable(long size) {
            HttpError e = new HttpError(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
            e.headers.put("Content-Range", "bytes */" + size);
            return e;
        }
    }

    static void sendError(HttpExchange ex, HttpError e) {
        try {
            e.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            if (e.code == 304) {
                sendEmpty(ex, 304);
                return;
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("message", e.getMessage());
            detail.put("domain", "global");
            detail.put("reason", e.reason);
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("code", e.code);
            err.put("message", e.getMessage());
            err.put("errors", List.of(detail));
            sendJson(ex, e.code, Map.of("error", err));
        } catch (IOException ignored) {
            // the client went away
        }
    }

    static void sendJson(HttpExchange ex, int code, Object body) throws IOException {
        byte[] b = Json.write(body).getBytes(StandardCharsets.UTF_8);
        drain(ex);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static void sendEmpty(HttpExchange ex, int code) throws IOException {
        drain(ex);
        ex.sendResponseHeaders(code, -1);
    }

    /** Reads what is left of the request body, so the connection can be reused. */
    static void drain(HttpExchange ex) {
        try {
            ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** CRC32C, MD5 and length of a stream of bytes. */
    static final class Digests {
        private final CRC32C crc = new CRC32C();
        private final MessageDigest md5;
        long size;

        Digests() {
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void update(byte[] b, int off, int len) {
            crc.update(b, off, len);
            md5.update(b, off, len);
            size += len;
        }

        String crc32c() {
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }

        String md5() {
            try {
                return Base64.getEncoder().encodeToString(((MessageDigest) md5.clone()).digest());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Copies {@code in} to {@code out}, dropping its first {@code skip} bytes; returns the bytes written. */
    static long copyHashing(InputStream in, OutputStream out, Digests d, long skip) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long written = 0;
        int n;
        while ((n = in.read(buf)) != -1) {
            int off = 0;
            if (skip > 0) {
                int s = (int) Math.min(skip, n);
                skip -= s;
                off = s;
            }
            if (n > off) {
                out.write(buf, off, n - off);
                d.update(buf, off, n - off);
                written += n - off;
            }
        }
        return written;
    }

    static void copyExactly(InputStream in, OutputStream out, long len) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (len > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, len));
            if (n < 0) {
                throw new IOException("data file ended early");
            }
            out.write(buf, 0, n);
            len -= n;
        }
    }

    /** Streaming reader for a multipart/related body. */
    static final class MultipartReader {
        interface Sink {
            void write(byte[] b, int off, int len) throws IOException;
        }

        private final InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        private boolean eof;

        MultipartReader(InputStream in) {
            this.in = in;
            buf[0] = '\r'; // so that the first "--boundary" (at the very start) matches "\r\n--boundary"
            buf[1] = '\n';
            lim = 2;
        }

        boolean skipTo(byte[] delim) throws IOException {
            return readPart(delim, null);
        }

        /** Passes the bytes before the next {@code delim} to {@code sink}; false if the body ended first. */
        boolean readPart(byte[] delim, Sink sink) throws IOException {
            while (true) {
                int found = indexOf(delim);
                if (found >= 0) {
                    if (sink != null) {
                        sink.write(buf, pos, found - pos);
                    }
                    pos = found + delim.length;
                    return true;
                }
                if (eof) {
                    if (sink != null) {
                        sink.write(buf, pos, lim - pos);
                    }
                    pos = lim;
                    return false;
                }
                int safe = lim - (delim.length - 1);
                if (safe > pos) {
                    if (sink != null) {
                        sink.write(buf, pos, safe - pos);
                    }
                    pos = safe;
                }
                fill();
            }
        }

        /** The rest of the current line, without CR LF. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (pos >= lim) {
                    if (eof) {
                        break;
                    }
                    fill();
                    continue;
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    break;
                }
                line.write(b);
                if (line.size() > 64 * 1024) {
                    throw new HttpError(400, "invalid", "multipart header line too long");
                }
            }
            String s = line.toString(StandardCharsets.UTF_8);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        /** Part headers up to the empty line, with lower-case names. */
        Map<String, String> readHeaders() throws IOException {
            Map<String, String> h = new HashMap<>();
            String line;
            while (!(line = readLine()).isEmpty()) {
                int c = line.indexOf(':');
                if (c > 0) {
                    h.put(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim());
                }
                if (eof && pos >= lim) {
                    break;
                }
            }
            return h;
        }

        private void fill() throws IOException {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) {
                eof = true;
            } else {
                lim += n;
            }
        }

        private int indexOf(byte[] d) {
            outer:
            for (int i = pos; i <= lim - d.length; i++) {
                if (buf[i] != d[0]) {
                    continue;
                }
                for (int j = 1; j < d.length; j++) {
                    if (buf[i + j] != d[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Small utilities
    // ------------------------------------------------------------------------------------------

    /** Object names sort by Unicode code point, i.e. by their UTF-8 bytes, as in GCS listings. */
    static final Comparator<String> NAME_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private static final DateTimeFormatter RFC3339 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    static String rfc3339(Instant t) {
        return RFC3339.format(t);
    }

    /** Percent-encodes a path segment (everything but RFC 3986 unreserved characters). */
    static String encPath(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** Percent-decodes a path segment as UTF-8 ('+' stays '+'). */
    static String pctDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String defaultIfEmpty(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s.trim();
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** A minimal JSON reader/writer: objects are LinkedHashMaps, arrays Lists, numbers Long or Double. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Map<String, Object> parseObject(String text) {
            Object v = parse(text);
            if (!(v instanceof Map)) {
                throw new HttpError(400, "parseError", "Expected a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) v;
            return m;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            try {
                p.ws();
                Object v = p.value();
                p.ws();
                if (p.i != text.length()) {
                    throw p.error("trailing characters");
                }
                return v;
            } catch (IndexOutOfBoundsException e) {
                throw p.error("unexpected end of input");
            }
        }

        private HttpError error(String what) {
            return new HttpError(400, "parseError", "Parse Error: " + what + " at offset " + i);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        if (s.charAt(i) != '"') {
                            throw error("expected a string key");
                        }
                        String k = string();
                        ws();
                        expect(':');
                        ws();
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        ws();
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    return number();
            }
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private void literal(String word) {
            if (!s.startsWith(word, i)) {
                throw error("unexpected token");
            }
            i += word.length();
        }

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String t = s.substring(start, i);
            if (t.isEmpty()) {
                throw error("unexpected character");
            }
            try {
                if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) {
                    return Long.parseLong(t);
                }
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        try {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(sb, v);
            return sb.toString();
        }

        private static void write(StringBuilder sb, Object v) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof String str) {
                quote(sb, str);
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else if (v instanceof Map<?, ?> m) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            } else if (v instanceof List<?> l) {
                sb.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) {
                        sb.append(',');
                    }
                    write(sb, l.get(k));
                }
                sb.append(']');
            } else {
                quote(sb, v.toString());
            }
        }

        private static void quote(StringBuilder sb, String str) {
            sb.append('"');
            for (int k = 0; k < str.length(); k++) {
                char c = str.charAt(k);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
