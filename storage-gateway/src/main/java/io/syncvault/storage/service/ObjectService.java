package io.syncvault.storage.service;

import io.syncvault.storage.ByteRange;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.ObjectKey;
import io.syncvault.storage.ObjectListing;
import io.syncvault.storage.ObjectSummary;
import io.syncvault.storage.ObjectVersion;
import io.syncvault.platform.ProblemException;
import io.syncvault.storage.VersionList;
import io.syncvault.storage.crypto.BodyFormat;
import io.syncvault.storage.crypto.Compression;
import io.syncvault.storage.events.StorageEvents;
import io.syncvault.storage.provider.ConditionFixedException;
import io.syncvault.storage.provider.InvalidCursorException;
import io.syncvault.storage.provider.InvalidKeyException;
import io.syncvault.storage.provider.ObjectNotFoundException;
import io.syncvault.storage.provider.ObjectWriter;
import io.syncvault.storage.provider.PreconditionFailedException;
import io.syncvault.storage.provider.ProviderListing;
import io.syncvault.storage.provider.ProviderObject;
import io.syncvault.storage.provider.ProviderRead;
import io.syncvault.storage.provider.ProviderUnavailableException;
import io.syncvault.storage.provider.StorageProvider;
import io.syncvault.storage.provider.WriteCondition;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The object API over the configured stores: streams bodies through SHA-256, size limit,
 * compression and encryption into a provider write that becomes visible only when complete;
 * keeps previous versions; reads back with range support and integrity checks; publishes a
 * storage event after each durable change.
 */
@ApplicationScoped
public class ObjectService {

    static final String VERSIONS_PREFIX = ".syncvault/versions/";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern VERSION_ID = Pattern.compile("[0-9]{19}-[0-9a-f]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BUFFER = 1 << 16;

    private final StoreRegistry stores;
    private final StorageEvents events;

    public ObjectService(StoreRegistry stores, StorageEvents events) {
        this.stores = stores;
        this.events = events;
    }

    /** Throws 404 unless the store exists (a batch checks before it reads its body). */
    public void requireStore(String storeName) {
        stores.get(storeName);
    }

    /**
     * Runs a series of writes to one store that become durable together (see
     * {@link StorageProvider#durableTogether}); a batch announces them after this returns.
     */
    public <T> T durableTogether(String storeName, Supplier<T> work) {
        return stores.get(storeName).provider().durableTogether(work);
    }

    // ---------- PUT ----------

    public ObjectInfo put(PutRequest request) {
        return put(request, StorageEvents.Acks.now());
    }

    /** Stores one object; its event's acknowledgement is left to {@code acks} (a batch waits for all at its end). */
    public ObjectInfo put(PutRequest request, StorageEvents.Acks acks) {
        StagedPut staged = stage(request);
        ObjectInfo info = commit(staged);
        announce(staged, info, acks);
        return info;
    }

    /**
     * A put whose body is written to the provider and checked but not yet visible: {@link #commit}
     * makes it the current version (on any thread), {@link #close()} instead discards it.
     */
    public static final class StagedPut implements AutoCloseable {
        private final Store store;
        private final PutRequest request;
        private final String key;
        private final ObjectWriter writer;
        private final Map<String, String> metadata;
        private final int keep;
        private final WriteCondition asked;
        private final boolean sharesFlush;
        /** What the commit replaces: the version kept ({@code kept}), or nothing. */
        private WriteCondition replacing;
        private String kept;

        private StagedPut(Store store, PutRequest request, String key, ObjectWriter writer, Map<String, String> metadata,
                int keep, WriteCondition asked, boolean sharesFlush, WriteCondition replacing, String kept) {
            this.store = store;
            this.request = request;
            this.key = key;
            this.writer = writer;
            this.metadata = metadata;
            this.keep = keep;
            this.asked = asked;
            this.sharesFlush = sharesFlush;
            this.replacing = replacing;
            this.kept = kept;
        }

        public String key() {
            return key;
        }

        /**
         * Whether the commit waits for a flush of the store that it shares with the puts staged with it (a local
         * store, within {@link #durableTogether}): many puts are then best all staged before any is committed.
         */
        public boolean sharesFlush() {
            return sharesFlush;
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    /**
     * The first half of a put: checks the request and the current version, streams the body into a
     * provider write and keeps the current version; throws (and leaves nothing) when any of it fails.
     */
    public StagedPut stage(PutRequest request) {
        Store store = stores.get(request.store());
        String key = ObjectKey.validate(request.key());
        String expected = request.expectedSha256();
        if (expected != null) {
            if (!SHA256.matcher(expected).matches()) {
                throw ProblemException.badRequest("X-SyncVault-Sha256 must be 64 hex digits");
            }
            expected = expected.toLowerCase();
        }
        long max = store.maxObjectSize();
        if (request.contentLength() > max) {
            throw tooLarge(store);
        }
        WriteCondition asked = new WriteCondition(request.ifMatch(), request.ifNoneMatch());
        StorageProvider provider = store.provider();
        Optional<ProviderObject> current = call(() -> provider.head(key));
        checkCondition(asked, current, key);
        int keep = request.keepVersions() != null ? request.keepVersions() : store.config().versionsKept();
        // with versions kept, the write replaces only the version it keeps: one written in between is kept first
        WriteCondition condition = keep > 0 ? replacing(current) : asked;

        BodyFormat format = store.encrypted() ? BodyFormat.ENCRYPTED_V1 : switch (store.compression()) {
            case NONE -> BodyFormat.PLAIN;
            case GZIP -> BodyFormat.GZIP;
            case ZSTD -> BodyFormat.ZSTD;
        };
        long written = System.currentTimeMillis();
        Map<String, String> initial = ObjectMetadata.encode(request.contentLength() >= 0 ? request.contentLength() : null,
                expected, request.mtime(), format, written, request.metadata());
        ObjectWriter writer = call(() -> provider.openWriter(key, condition, initial));
        try {
            MessageDigest digest = sha256();
            long size = 0;
            // a failure reading the body is the client's (400); one writing into the store is the store's (503, 507)
            try (OutputStream sink = encoder(store, key, writer.stream(), request.contentLength())) {
                // a small object needs no 64 KiB buffer (each would be allocated and cleared)
                long declared = request.contentLength();
                byte[] buffer = new byte[declared >= 0 ? (int) Math.min(BUFFER, declared + 1) : BUFFER];
                InputStream body = request.body();
                while (true) {
                    int n;
                    try {
                        n = body.read(buffer);
                    } catch (IOException e) {
                        throw ProblemException.badRequest("the request body could not be read: " + e.getMessage());
                    }
                    if (n < 0) {
                        break;
                    }
                    size += n;
                    if (size > max) {
                        throw tooLarge(store);
                    }
                    digest.update(buffer, 0, n);
                    int length = n;
                    call(() -> {
                        try {
                            sink.write(buffer, 0, length);
                        } catch (IOException e) {
                            throw storeFailed(key, e);
                        }
                        return null;
                    });
                }
            } catch (IOException e) {
                throw storeFailed(key, e); // closing the sink writes its last bytes
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            if (expected != null && !expected.equals(sha)) {
                throw ProblemException.badRequest("the body's SHA-256 is " + sha + ", not " + expected + "; nothing was stored")
                        .with("sha256", sha);
            }
            if (request.contentLength() >= 0 && request.contentLength() != size) {
                throw ProblemException.badRequest("the body has " + size + " bytes, not the declared " + request.contentLength());
            }
            Map<String, String> metadata = ObjectMetadata.encode(size, sha, request.mtime(), format, written,
                    request.metadata());
            boolean sharesFlush = call(() -> writer.prepare(metadata));
            String kept = keep > 0 && current.isPresent() ? keepVersion(provider, key) : null;
            return new StagedPut(store, request, key, writer, metadata, keep, asked, sharesFlush, condition, kept);
        } catch (Throwable e) {
            // nothing half-written stays behind, whatever went wrong
            writer.close();
            throw e;
        }
    }

    /**
     * The second half of a put: makes the staged object the current version (the write condition is
     * checked again here) and prunes old versions; announce it afterwards with {@link #announce}.
     */
    public ObjectInfo commit(StagedPut staged) {
        StorageProvider provider = staged.store.provider();
        ProviderObject stored;
        try (staged) {
            stored = replace(staged.key, staged.asked, new Attempt(null, staged.replacing, staged.kept), provider, attempt -> {
                staged.replacing = attempt.condition();
                staged.kept = attempt.kept();
                return staged.writer.commit(staged.metadata, attempt.condition());
            });
        } catch (RuntimeException e) {
            dropAfterFailure(provider, staged.key, staged.kept, staged.replacing, e);
            throw e;
        }
        if (staged.kept != null) {
            pruneVersions(provider, staged.key, staged.kept, staged.keep);
        }
        return ObjectMetadata.decode(staged.key, stored);
    }

    /** How many times a write or delete asked for no version keeps what it replaces and tries again. */
    private static final int REPLACE_ATTEMPTS = 5;

    /**
     * One try at replacing {@code replaced} (null: nothing) under {@code condition}, having kept it as the version
     * {@code kept} (or null).
     */
    private record Attempt(ProviderObject replaced, WriteCondition condition, String kept) {
    }

    /**
     * Runs {@code change} (a commit or a delete) under the condition that it replaces the version kept before it.
     * When another write came in between, and the request named no version itself, the version now current is
     * kept in its turn and the change tried again: a version the request did not ask to replace is never replaced
     * without its copy. A request that named its version (If-Match, If-None-Match) gets its 412.
     */
    private static <T> T replace(String key, WriteCondition asked, Attempt first, StorageProvider provider,
            java.util.function.Function<Attempt, T> change) {
        Attempt attempt = first;
        for (int n = 1; ; n++) {
            Attempt current = attempt;
            try {
                return call(() -> {
                    try {
                        return change.apply(current);
                    } catch (PreconditionFailedException e) {
                        if (asked.ifMatch() != null || asked.ifNoneMatch()) {
                            throw e;
                        }
                        throw new Replaced(e);
                    }
                });
            } catch (Replaced e) {
                if (e.getCause() instanceof ConditionFixedException || n == REPLACE_ATTEMPTS) {
                    throw new ProblemException(409, "replaced-while-written", "Replaced while written",
                            key + " was replaced by other writes while this one was committed; nothing was stored,"
                                    + " send it again");
                }
                // another write came in between: keep what it stored, then replace that
                dropVersion(provider, key, current.kept());
                Optional<ProviderObject> now = call(() -> provider.head(key));
                attempt = new Attempt(now.orElse(null), replacing(now), now.isPresent() ? keepVersion(provider, key) : null);
            }
        }
    }

    /** A change refused because the version it kept is no longer current, for a request that named none. */
    private static final class Replaced extends RuntimeException {
        Replaced(PreconditionFailedException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** The condition under which a change replaces {@code current} and nothing else. */
    private static WriteCondition replacing(Optional<ProviderObject> current) {
        return current.map(o -> WriteCondition.ifMatch(o.versionTag())).orElse(WriteCondition.createOnly());
    }

    /** Publishes the storage event of a committed put. */
    public void announce(StagedPut staged, ObjectInfo info, StorageEvents.Acks acks) {
        events.stored(staged.store.name(), info, staged.request.origin(), staged.request.actor(), acks);
    }

    private static OutputStream encoder(Store store, String key, OutputStream stored, long sizeHint) {
        try {
            if (store.encrypted()) {
                return store.cipher().encrypt(stored, store.name(), key, store.compression(), sizeHint);
            }
            return store.compression().compress(stored);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------- COPY ----------

    /**
     * Stores the current version of another object of the same store under {@code target.key()}: the source is
     * read, decoded and checked as a GET would, and written as a PUT of those bytes, so it is encrypted again for
     * its new key (the key is bound into each object's encryption) and the target's conditions, origin, versions
     * and event apply. The target keeps the source's mtime and metadata unless the request gives its own.
     * With {@code sourceIfMatch}, a source at another version is a 412 and nothing is written.
     */
    public ObjectInfo copy(String rawSource, String sourceIfMatch, PutRequest target) {
        ObjectRead source = read(target.store(), rawSource, null, null);
        try (InputStream body = source.body()) {
            ObjectInfo from = source.info();
            if (sourceIfMatch != null && !sourceIfMatch.equals(from.versionTag())) {
                throw preconditionFailed(from.key(), from.versionTag());
            }
            return put(new PutRequest(target.store(), target.key(), body, from.size(), target.ifMatch(),
                    target.ifNoneMatch(), from.sha256(), target.mtime() != null ? target.mtime() : from.mtime(),
                    target.origin(), target.metadata().isEmpty() ? from.metadata() : target.metadata(),
                    target.keepVersions(), target.actor()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------- GET / HEAD ----------

    /** The object's description (HEAD); 404 when missing. */
    public ObjectInfo head(String storeName, String rawKey, String versionId) {
        Store store = stores.get(storeName);
        String key = ObjectKey.validate(rawKey);
        String providerKey = versionId == null ? key : versionKey(key, versionId);
        ProviderObject object = call(() -> store.provider().head(providerKey))
                .orElseThrow(() -> notFound(key, versionId));
        return ObjectMetadata.decode(key, object);
    }

    /** Opens the object (or a kept version) for reading, optionally a range of it. */
    public ObjectRead read(String storeName, String rawKey, String versionId, String rangeHeader) {
        Store store = stores.get(storeName);
        String key = ObjectKey.validate(rawKey);
        String providerKey = versionId == null ? key : versionKey(key, versionId);
        StorageProvider provider = store.provider();
        if (rangeHeader != null) {
            // the range is checked against the size before anything is opened
            ProviderObject object = call(() -> provider.head(providerKey)).orElseThrow(() -> notFound(key, versionId));
            ByteRange range = ByteRange.parse(rangeHeader, ObjectMetadata.decode(key, object).size());
            if (range != null && ObjectMetadata.format(object) == BodyFormat.PLAIN) {
                ProviderRead part = open(provider, providerKey, range.first(), range.length(), key, versionId);
                if (part.object().versionTag().equals(object.versionTag())) {
                    return new ObjectRead(ObjectMetadata.decode(key, part.object()), range, part.body());
                }
                closeQuietly(part); // replaced since the check: the range is judged again against what is there now
            }
        }
        // a whole read opens the object once: the provider describes what it opened
        ProviderRead read = open(provider, providerKey, 0, -1, key, versionId);
        ObjectInfo info = ObjectMetadata.decode(key, read.object());
        BodyFormat format = ObjectMetadata.format(read.object());
        ByteRange range;
        try {
            // against the version opened, not the one a check before saw: a write may come in between
            range = rangeHeader == null ? null : ByteRange.parse(rangeHeader, info.size());
        } catch (RuntimeException e) {
            closeQuietly(read);
            throw e;
        }
        try {
            InputStream plain = decoder(store, key, format, read.body());
            if (range == null) {
                // an authenticated format has proven every byte once decrypted: SHA-256 again would prove it twice
                return new ObjectRead(info, null,
                        new VerifyingInputStream(plain, format.authenticated() ? null : info.sha256(), info.size()));
            }
            // encrypted or compressed content is decoded from its start; only the range is sent
            plain.skipNBytes(range.first());
            return new ObjectRead(info, range, new io.syncvault.storage.provider.BoundedInputStream(plain, range.length()));
        } catch (IOException e) {
            closeQuietly(read);
            throw new ProblemException(500, "integrity", "Integrity check failed",
                    "the stored object " + key + " cannot be decoded: " + e.getMessage());
        }
    }

    private static ProviderRead open(StorageProvider provider, String providerKey, long first, long length, String key,
            String versionId) {
        try {
            return call(() -> provider.get(providerKey, first, length));
        } catch (ProblemException e) {
            throw e.status() == 404 ? notFound(key, versionId) : e;
        }
    }

    private static InputStream decoder(Store store, String key, BodyFormat format, InputStream stored) throws IOException {
        return switch (format) {
            case PLAIN -> stored;
            case GZIP -> Compression.GZIP.decompress(stored);
            case ZSTD -> Compression.ZSTD.decompress(stored);
            case ENCRYPTED_V1 -> {
                if (!store.encrypted()) {
                    throw new IOException("the object is encrypted but store " + store.name() + " has no key");
                }
                yield store.cipher().decrypt(stored, store.name(), key);
            }
        };
    }

    // ---------- DELETE ----------

    public void delete(String storeName, String rawKey, String ifMatch, String origin, Integer keepVersions, String actor) {
        delete(storeName, rawKey, ifMatch, origin, keepVersions, actor, StorageEvents.Acks.now());
    }

    /** Deletes one object; its event's acknowledgement is left to {@code acks} (a batch waits for all at its end). */
    public void delete(String storeName, String rawKey, String ifMatch, String origin, Integer keepVersions, String actor,
            StorageEvents.Acks acks) {
        Store store = stores.get(storeName);
        String key = ObjectKey.validate(rawKey);
        StorageProvider provider = store.provider();
        ProviderObject current = call(() -> provider.head(key)).orElseThrow(() -> notFound(key, null));
        if (ifMatch != null && !ifMatch.equals(current.versionTag())) {
            throw preconditionFailed(key, current.versionTag());
        }
        int keep = keepVersions != null ? keepVersions : store.config().versionsKept();
        WriteCondition asked = new WriteCondition(ifMatch, false);
        String[] kept = {keep > 0 ? keepVersion(provider, key) : null};
        WriteCondition[] conditions = {keep > 0 ? WriteCondition.ifMatch(current.versionTag()) : asked};
        ProviderObject deleted;
        try {
            // with versions kept, the delete removes only the version it kept: one written in between is kept first
            Attempt first = new Attempt(current, conditions[0], kept[0]);
            deleted = replace(key, asked, first, provider, attempt -> {
                kept[0] = attempt.kept();
                conditions[0] = attempt.condition();
                if (attempt.replaced() == null) {
                    throw new ObjectNotFoundException(key); // deleted in between
                }
                provider.delete(key, attempt.condition().ifMatch());
                return attempt.replaced();
            });
        } catch (RuntimeException e) {
            if (e instanceof ProblemException p && p.status() == 404) {
                dropVersion(provider, key, kept[0]); // gone before this delete: it removed nothing
                throw notFound(key, null);
            }
            dropAfterFailure(provider, key, kept[0], conditions[0], e);
            throw e;
        }
        if (kept[0] != null) {
            pruneVersions(provider, key, kept[0], keep);
        }
        events.deleted(store.name(), ObjectMetadata.decode(key, deleted), origin, actor, acks);
    }

    // ---------- LIST ----------

    public ObjectListing list(String storeName, String prefix, String delimiter, String cursor, int limit) {
        Store store = stores.get(storeName);
        if (prefix != null && isInternal(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix)) {
            return new ObjectListing(List.of(), List.of(), null);
        }
        String p = ObjectKey.validatePrefix(prefix);
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badRequest("limit must be between 1 and 1000");
        }
        String d = delimiter == null || delimiter.isEmpty() ? null : delimiter;
        ProviderListing page;
        try {
            page = call(() -> store.provider().list(p, d, cursor, limit));
        } catch (InvalidCursorException e) {
            throw ProblemException.badRequest("invalid cursor");
        }
        List<ObjectSummary> items = page.objects().stream()
                .filter(o -> !isInternal(o.key()))
                .map(o -> ObjectSummary.of(ObjectMetadata.decode(o.key(), o)))
                .toList();
        List<String> prefixes = page.prefixes().stream().filter(x -> !isInternal(x)).toList();
        return new ObjectListing(items, prefixes, page.nextCursor());
    }

    private static boolean isInternal(String key) {
        return key.regionMatches(true, 0, ".syncvault", 0, 10) && (key.length() == 10 || key.charAt(10) == '/');
    }

    // ---------- versions ----------

    public VersionList versions(String storeName, String rawKey) {
        Store store = stores.get(storeName);
        String key = ObjectKey.validate(rawKey);
        List<ObjectVersion> versions = new ArrayList<>();
        for (ProviderObject o : listVersions(store.provider(), key)) {
            ObjectInfo info = ObjectMetadata.decode(key, o);
            String id = o.key().substring(o.key().lastIndexOf('/') + 1);
            versions.add(new ObjectVersion(id, info.size(), info.sha256(), info.mtime(), ObjectMetadata.written(o)));
        }
        return new VersionList(key, versions);
    }

    /**
     * Makes a kept version the current object again, written as a PUT of its bytes (with its mtime and metadata) is:
     * the replaced current object is kept as a version, under the same condition as any write (see {@link #replace}).
     */
    public ObjectInfo restore(String storeName, String rawKey, String versionId, String origin, String actor) {
        if (versionId == null || versionId.isBlank()) {
            throw ProblemException.badRequest("versionId is required");
        }
        ObjectRead version = read(storeName, rawKey, versionId, null);
        try (InputStream body = version.body()) {
            ObjectInfo from = version.info();
            return put(new PutRequest(storeName, from.key(), body, from.size(), null, false, from.sha256(), from.mtime(),
                    origin, from.metadata(), null, actor));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String versionKey(String key, String versionId) {
        if (!VERSION_ID.matcher(versionId).matches()) {
            throw ProblemException.badRequest("invalid version id");
        }
        return VERSIONS_PREFIX + key + "/" + versionId;
    }

    /** Copies the current object to a new kept version; the id sorts newest first. */
    private static String keepVersion(StorageProvider provider, String key) {
        String id = String.format("%019d", Long.MAX_VALUE - System.currentTimeMillis()) + "-"
                + HexFormat.of().formatHex(randomBytes(4));
        String target = VERSIONS_PREFIX + key + "/" + id;
        try {
            call(() -> provider.copy(key, target));
            return target;
        } catch (ProblemException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Drops the version a failed change kept. A change refused (409, 412) stored nothing; any other failure may
     * have come after the provider made the change (a step after its commit), and then the kept version is the only
     * copy of what was there: it is dropped only while the object is still the one it replaced. When that cannot be
     * told, the version stays: an extra one is harmless.
     */
    private static void dropAfterFailure(StorageProvider provider, String key, String kept, WriteCondition replacing,
            RuntimeException failure) {
        if (kept == null) {
            return;
        }
        if (failure instanceof ProblemException p && (p.status() == 409 || p.status() == 412)) {
            dropVersion(provider, key, kept);
            return;
        }
        try {
            String now = provider.head(key).map(ProviderObject::versionTag).orElse(null);
            if (!replacing.holds(now)) {
                return;
            }
        } catch (RuntimeException e) {
            return;
        }
        dropVersion(provider, key, kept);
    }

    /** A write into the store failed (not the client's body): 507 when the store is full, else 503. */
    private static ProblemException storeFailed(String key, IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return new ProblemException(507, "insufficient-storage", "Insufficient storage",
                    "the store has no room for " + key + "; nothing was stored");
        }
        return ProblemException.unavailable("the store could not be written (" + key + "): " + message
                + "; nothing was stored");
    }

    private static void dropVersion(StorageProvider provider, String key, String kept) {
        if (kept != null) {
            try {
                provider.delete(kept, null);
            } catch (RuntimeException e) {
                // an extra kept version is harmless; pruning removes it later
            }
        }
    }

    private static List<ProviderObject> listVersions(StorageProvider provider, String key) {
        List<ProviderObject> all = new ArrayList<>();
        String cursor = null;
        do {
            String c = cursor;
            ProviderListing page = call(() -> provider.list(VERSIONS_PREFIX + key + "/", "/", c, 1000));
            all.addAll(page.objects());
            cursor = page.nextCursor();
        } while (cursor != null);
        all.sort((a, b) -> a.key().compareTo(b.key()));
        return all;
    }

    /**
     * Deletes the versions beyond {@code keep}, counted from {@code kept} (the one this request made) towards
     * the oldest. Newer ones belong to requests still running beside this one: one that fails drops its own,
     * one that succeeds prunes from its own. Counting from the newest instead would let a request that then
     * failed (a 412) take the only copy of the version it had meant to replace with it. Best effort: what
     * is left is pruned by the next write.
     */
    private static void pruneVersions(StorageProvider provider, String key, String kept, int keep) {
        List<ProviderObject> versions;
        try {
            versions = listVersions(provider, key);
        } catch (RuntimeException e) {
            return; // the write itself succeeded
        }
        int own = versions.stream().map(ProviderObject::key).toList().indexOf(kept);
        if (own < 0) {
            return; // already pruned by a newer write
        }
        for (int i = own + keep; i < versions.size(); i++) {
            try {
                provider.delete(versions.get(i).key(), null);
            } catch (RuntimeException e) {
                // pruned on the next write
            }
        }
    }

    // ---------- errors ----------

    private static void checkCondition(WriteCondition condition, Optional<ProviderObject> current, String key) {
        String tag = current.map(ProviderObject::versionTag).orElse(null);
        if (!condition.holds(tag)) {
            throw preconditionFailed(key, tag);
        }
    }

    static ProblemException preconditionFailed(String key, String currentTag) {
        return new ProblemException(412, "precondition-failed", "Precondition failed",
                currentTag == null ? key + " does not exist" : "the current version of " + key + " is " + currentTag)
                .with("currentVersionTag", currentTag);
    }

    private static ProblemException notFound(String key, String versionId) {
        return ProblemException.notFound(versionId == null ? "no object " + key : "no version " + versionId + " of " + key);
    }

    private static ProblemException tooLarge(Store store) {
        return new ProblemException(413, "too-large", "Object too large",
                "store " + store.name() + " accepts objects up to " + store.maxObjectSize() + " bytes")
                .with("maxObjectSize", store.maxObjectSize());
    }

    /** Runs a provider call and turns its failures into problems with the right status. */
    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (ObjectNotFoundException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (PreconditionFailedException e) {
            throw new ProblemException(412, "precondition-failed", "Precondition failed", e.getMessage());
        } catch (InvalidKeyException e) {
            throw ProblemException.badRequest("invalid object key: " + e.getMessage());
        } catch (ProviderUnavailableException e) {
            throw ProblemException.unavailable("the store's provider is not available: " + e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing more to do
        }
    }
}
