package io.syncvault.storage.provider;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Objects as plain files under a root folder ({@code <root>/<key>}), readable without the
 * gateway. A write goes to a temporary file in the target's folder, is fsynced and renamed
 * over the target, so a reader sees the old or the new file, never a part. The version tag,
 * metadata and the identity (inode) of the file they describe live in a JSON sidecar under
 * {@code <root>/.syncvault/meta/<key>.json}; a sidecar that no longer describes the file
 * (crash between the two renames, file replaced by hand) is ignored. Keys are resolved
 * segment by segment and checked to stay under the root, symlinks included.
 *
 * <p>Conditions are checked under a per-key lock, so they hold against writers in this
 * process; one gateway process serves a given root.
 */
public final class LocalProvider implements StorageProvider {

    static final String TEMP_PREFIX = ".svtmp-";
    private static final String INTERNAL = ".syncvault";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SEGMENT_BYTES = 255;

    private final Path root;
    private final Path metaRoot;
    private final ReadWriteLock[] locks = new ReadWriteLock[128];

    public LocalProvider(Path root) {
        try {
            Files.createDirectories(root);
            this.root = root.toRealPath();
            this.metaRoot = this.root.resolve(INTERNAL).resolve("meta");
            Files.createDirectories(metaRoot);
        } catch (IOException e) {
            throw new ProviderUnavailableException("cannot use the local store root " + root + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
        Path target = dataPath(key);
        try {
            Path dir = ensureDirectory(target.getParent());
            Path temp = dir.resolve(TEMP_PREFIX + randomHex(8));
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new LocalWriter(key, target, temp, channel, condition);
        } catch (IOException e) {
            throw failure("cannot start writing " + key, e);
        }
    }

    @Override
    public Optional<ProviderObject> head(String key) {
        Path file = dataPath(key);
        ReadWriteLock lock = lockFor(key);
        lock.readLock().lock();
        try {
            return describe(key, file);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public ProviderRead get(String key, long offset, long length) {
        Path file = dataPath(key);
        ReadWriteLock lock = lockFor(key);
        lock.readLock().lock();
        FileChannel channel = null;
        try {
            ProviderObject object = describe(key, file).orElseThrow(() -> new ObjectNotFoundException(key));
            // the open channel keeps reading this version even if a writer renames a new file over it
            channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return new ProviderRead(object, length < 0 ? in : new BoundedInputStream(in, length));
        } catch (NoSuchFileException e) {
            closeQuietly(channel);
            throw new ObjectNotFoundException(key);
        } catch (IOException e) {
            closeQuietly(channel);
            throw failure("cannot read " + key, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void delete(String key, String ifMatch) {
        Path file = dataPath(key);
        ReadWriteLock lock = lockFor(key);
        lock.writeLock().lock();
        try {
            ProviderObject current = describe(key, file).orElseThrow(() -> new ObjectNotFoundException(key));
            if (ifMatch != null && !ifMatch.equals(current.versionTag())) {
                throw new PreconditionFailedException("the current version of " + key + " is not " + ifMatch);
            }
            Files.delete(file);
            Files.deleteIfExists(metaPath(key));
            pruneEmptyDirectories(file.getParent(), root);
            pruneEmptyDirectories(metaPath(key).getParent(), metaRoot);
        } catch (IOException e) {
            throw failure("cannot delete " + key, e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public ProviderObject copy(String source, String target) {
        Path from = dataPath(source);
        Path to = dataPath(target);
        ReadWriteLock sourceLock = lockFor(source);
        ProviderObject object;
        Path temp;
        sourceLock.readLock().lock();
        try {
            object = describe(source, from).orElseThrow(() -> new ObjectNotFoundException(source));
            Path dir = ensureDirectory(to.getParent());
            temp = dir.resolve(TEMP_PREFIX + randomHex(8));
            try {
                // a hard link shares the bytes; later writes to the source replace its file, not the link
                Files.createLink(temp, from);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(from, temp, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw failure("cannot copy " + source, e);
        } finally {
            sourceLock.readLock().unlock();
        }
        ReadWriteLock targetLock = lockFor(target);
        targetLock.writeLock().lock();
        try {
            return install(target, to, temp, object.metadata());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw failure("cannot copy " + source + " to " + target, e);
        } finally {
            targetLock.writeLock().unlock();
        }
    }

    @Override
    public ProviderListing list(String prefix, String delimiter, String cursor, int limit) {
        Walk walk = new Walk(prefix == null ? "" : prefix, delimiter == null || delimiter.isEmpty() ? null : delimiter,
                Cursor.decode(cursor), limit);
        try {
            walk.directory(root, "");
        } catch (Walk.PageFull full) {
            // enough entries for this page and one more
        } catch (IOException e) {
            throw failure("cannot list " + prefix, e);
        }
        return walk.page();
    }

    // ---------- writing ----------

    private final class LocalWriter implements ObjectWriter {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final WriteCondition condition;
        private final OutputStream stream;
        private boolean committed;

        LocalWriter(String key, Path target, Path temp, FileChannel channel, WriteCondition condition) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.condition = condition;
            this.stream = new FilterOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public ProviderObject commit(Map<String, String> metadata) {
            ReadWriteLock lock = lockFor(key);
            try {
                stream.flush();
                channel.force(true);
                channel.close();
                lock.writeLock().lock();
                try {
                    String current = describe(key, target).map(ProviderObject::versionTag).orElse(null);
                    if (!condition.holds(current)) {
                        throw new PreconditionFailedException(current == null
                                ? "there is no current version of " + key
                                : "the current version of " + key + " is " + current);
                    }
                    ProviderObject stored = install(key, target, temp, metadata);
                    committed = true;
                    return stored;
                } finally {
                    lock.writeLock().unlock();
                }
            } catch (IOException e) {
                throw failure("cannot store " + key, e);
            }
        }

        @Override
        public void close() {
            if (!committed) {
                closeQuietly(channel);
                deleteQuietly(temp);
            }
        }
    }

    /** Renames a complete temp file over the target and writes its sidecar; caller holds the key's write lock. */
    private ProviderObject install(String key, Path target, Path temp, Map<String, String> metadata) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidKeyException("the key " + key + " names a folder of other keys");
        }
        String versionTag = randomHex(16);
        BasicFileAttributes attributes = Files.readAttributes(temp, BasicFileAttributes.class);
        Sidecar sidecar = new Sidecar(versionTag, String.valueOf(attributes.fileKey()), attributes.size(),
                new LinkedHashMap<>(metadata));
        move(temp, target);
        fsyncDirectory(target.getParent());
        Path meta = metaPath(key);
        Path metaDir = ensureDirectory(meta.getParent());
        Path metaTemp = metaDir.resolve(TEMP_PREFIX + randomHex(8));
        try (FileChannel out = FileChannel.open(metaTemp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(sidecar)));
            out.force(true);
        }
        move(metaTemp, meta);
        fsyncDirectory(metaDir);
        return new ProviderObject(key, attributes.size(), versionTag,
                Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toInstant(), Map.copyOf(metadata));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store folder does not support atomic renames", e);
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a folder; the rename itself is still atomic
        }
    }

    // ---------- reading metadata ----------

    record Sidecar(String versionTag, String fileKey, long size, Map<String, String> metadata) {
    }

    private Optional<ProviderObject> describe(String key, Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
        if (!attributes.isRegularFile()) {
            return Optional.empty();
        }
        String fileKey = String.valueOf(attributes.fileKey());
        Sidecar sidecar = readSidecar(key);
        Instant modified = attributes.lastModifiedTime().toInstant();
        if (sidecar != null && sidecar.fileKey().equals(fileKey) && sidecar.size() == attributes.size()) {
            return Optional.of(new ProviderObject(key, attributes.size(), sidecar.versionTag(), modified,
                    Map.copyOf(sidecar.metadata())));
        }
        // a file the gateway did not write (or whose sidecar is stale): its tag comes from what the file is
        String tag = "f" + sha256Hex(fileKey + "|" + attributes.size() + "|" + attributes.lastModifiedTime().toMillis())
                .substring(0, 24);
        return Optional.of(new ProviderObject(key, attributes.size(), tag, modified, Map.of()));
    }

    private Sidecar readSidecar(String key) {
        Path meta = metaPath(key);
        try (InputStream in = Files.newInputStream(meta, LinkOption.NOFOLLOW_LINKS)) {
            // sidecars are written by this class and small; the cap guards against a planted file
            byte[] bytes = in.readNBytes(1 << 20);
            return JSON.readValue(bytes, new TypeReference<Sidecar>() {
            });
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---------- keys to paths ----------

    /** Resolves a key under the root, refusing anything that could land elsewhere. */
    Path dataPath(String key) {
        return resolve(root, key, "");
    }

    private Path metaPath(String key) {
        return resolve(metaRoot, key, ".json");
    }

    private static Path resolve(Path base, String key, String suffix) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            throw new InvalidKeyException("invalid key");
        }
        Path path = base;
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i] + (i == segments.length - 1 ? suffix : "");
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidKeyException("a key may not contain empty, '.' or '..' segments");
            }
            if (segment.startsWith(TEMP_PREFIX)) {
                throw new InvalidKeyException("key segments starting with " + TEMP_PREFIX + " are reserved");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw new InvalidKeyException("a key segment is longer than " + MAX_SEGMENT_BYTES
                        + " bytes, which a local folder cannot store");
            }
            path = path.resolve(segment);
        }
        Path normal = path.normalize();
        if (!normal.startsWith(base) || normal.equals(base) || !normal.equals(path)) {
            throw new InvalidKeyException("invalid key");
        }
        return normal;
    }

    /** Creates a folder under the root and checks that no symlink on the way leads outside it. */
    private Path ensureDirectory(Path dir) throws IOException {
        // usually the folder exists: one stat instead of a failing mkdir and its exception
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
            } catch (FileAlreadyExistsException e) {
                throw new InvalidKeyException("a part of the key names an existing object, not a folder");
            }
        }
        Path real = dir.toRealPath();
        if (!real.startsWith(root)) {
            throw new InvalidKeyException("the key leads outside the store root");
        }
        return real;
    }

    private ReadWriteLock lockFor(String key) {
        return locks[Math.floorMod(key.hashCode(), locks.length)];
    }

    private static void pruneEmptyDirectories(Path dir, Path stop) {
        Path current = dir;
        while (current != null && current.startsWith(stop) && !current.equals(stop)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(current)) {
                if (entries.iterator().hasNext()) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            try {
                Files.delete(current);
            } catch (IOException e) {
                return;
            }
            current = current.getParent();
        }
    }

    // ---------- listing ----------

    /** A page cursor: the last key or common prefix returned. */
    record Cursor(String value, boolean isPrefix) {

        static Cursor decode(String cursor) {
            if (cursor == null || cursor.isEmpty()) {
                return null;
            }
            String raw;
            try {
                raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidCursorException("invalid cursor");
            }
            if (raw.length() < 2 || (raw.charAt(0) != 'k' && raw.charAt(0) != 'p')) {
                throw new InvalidCursorException("invalid cursor");
            }
            return new Cursor(raw.substring(1), raw.charAt(0) == 'p');
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(((isPrefix ? "p" : "k") + value).getBytes(StandardCharsets.UTF_8));
        }

        /** Whether an entry (key or prefix) was already returned by an earlier page. */
        boolean passed(String entry) {
            return entry.compareTo(value) <= 0 || (isPrefix && entry.startsWith(value));
        }

        /** Whether every key that starts with {@code folder} was already returned. */
        boolean passedAll(String folder) {
            return (value.compareTo(folder) >= 0 && !value.startsWith(folder)) || (isPrefix && folder.startsWith(value));
        }
    }

    private final class Walk {
        /** Thrown to stop walking once the page (plus one entry) is full. */
        static final class PageFull extends RuntimeException {
            PageFull() {
                super(null, null, false, false);
            }
        }

        private final String prefix;
        private final String delimiter;
        private final Cursor cursor;
        private final int limit;
        private final List<ProviderObject> objects = new ArrayList<>();
        private final List<String> prefixes = new ArrayList<>();
        private final List<Cursor> order = new ArrayList<>();
        private String lastPrefix;

        Walk(String prefix, String delimiter, Cursor cursor, int limit) {
            this.prefix = prefix;
            this.delimiter = delimiter;
            this.cursor = cursor;
            this.limit = limit;
        }

        void directory(Path dir, String dirKey) throws IOException {
            List<String[]> entries = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                for (Path entry : stream) {
                    String name = entry.getFileName().toString();
                    if (name.startsWith(TEMP_PREFIX) || (dirKey.isEmpty() && name.equals(INTERNAL)
                            && !prefix.startsWith(INTERNAL + "/"))) {
                        continue;
                    }
                    if (dirKey.equals(INTERNAL + "/") && name.equals("meta")) {
                        continue;
                    }
                    BasicFileAttributes a = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isDirectory()) {
                        entries.add(new String[] {name + "/", "d"});
                    } else if (a.isRegularFile()) {
                        entries.add(new String[] {name, "f"});
                    }
                }
            } catch (NoSuchFileException e) {
                return;
            }
            // a folder sorts as name + "/" so that its keys come where they belong among its siblings
            entries.sort((a, b) -> a[0].compareTo(b[0]));
            for (String[] entry : entries) {
                String key = dirKey + entry[0];
                if (entry[1].equals("d")) {
                    folder(dir.resolve(entry[0].substring(0, entry[0].length() - 1)), key);
                } else {
                    file(dir.resolve(entry[0]), key);
                }
            }
        }

        private void folder(Path dir, String folderKey) throws IOException {
            if (!(folderKey.startsWith(prefix) || prefix.startsWith(folderKey))) {
                return;
            }
            if (cursor != null && cursor.passedAll(folderKey)) {
                return;
            }
            if ("/".equals(delimiter) && folderKey.startsWith(prefix) && folderKey.length() > prefix.length()
                    && folderKey.indexOf('/', prefix.length()) == folderKey.length() - 1) {
                // the whole folder rolls up into one common prefix; only check it holds an object
                if (!(cursor != null && cursor.passed(folderKey)) && containsObject(dir)) {
                    addPrefix(folderKey);
                }
                return;
            }
            directory(dir, folderKey);
        }

        private void file(Path file, String key) {
            if (!key.startsWith(prefix)) {
                return;
            }
            if (delimiter != null) {
                int at = key.indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    String common = key.substring(0, at + delimiter.length());
                    if (!common.equals(lastPrefix) && !(cursor != null && cursor.passed(common))) {
                        addPrefix(common);
                    }
                    return;
                }
            }
            if (cursor != null && cursor.passed(key)) {
                return;
            }
            describe(key, file).ifPresent(object -> {
                objects.add(object);
                order.add(new Cursor(key, false));
                full();
            });
        }

        private void addPrefix(String common) {
            lastPrefix = common;
            prefixes.add(common);
            order.add(new Cursor(common, true));
            full();
        }

        private void full() {
            if (order.size() > limit) {
                throw new PageFull();
            }
        }

        private boolean containsObject(Path dir) throws IOException {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                for (Path entry : stream) {
                    if (entry.getFileName().toString().startsWith(TEMP_PREFIX)) {
                        continue;
                    }
                    BasicFileAttributes a = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() || (a.isDirectory() && containsObject(entry))) {
                        return true;
                    }
                }
            }
            return false;
        }

        ProviderListing page() {
            if (order.size() <= limit) {
                return new ProviderListing(objects, prefixes, null);
            }
            Cursor extra = order.get(limit);
            List<ProviderObject> pageObjects = new ArrayList<>(objects);
            List<String> pagePrefixes = new ArrayList<>(prefixes);
            if (extra.isPrefix()) {
                pagePrefixes.remove(pagePrefixes.size() - 1);
            } else {
                pageObjects.remove(pageObjects.size() - 1);
            }
            return new ProviderListing(pageObjects, pagePrefixes, order.get(limit - 1).encode());
        }
    }

    // ---------- helpers ----------

    private RuntimeException failure(String what, IOException e) {
        if (!Files.isDirectory(root)) {
            return new ProviderUnavailableException("the store root " + root + " is not available", e);
        }
        return new UncheckedIOException(what + ": " + e.getMessage(), e);
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing more to do
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temp file is skipped by listings and never visible under a key
        }
    }
}
