package io.syncvault.storage.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.platform.ExtendedAttributes;
import io.syncvault.platform.FileSystemFlush;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Objects as plain files under a root folder ({@code <root>/<key>}), readable without the
 * gateway. A write goes to a temporary file in the target's folder, is fsynced and renamed
 * over the target, so a reader sees the old or the new file, never a part. Within a
 * {@link #durableTogether} (a batch) the fsync is a flush of the file system shared with the batch's other
 * writes ({@link FlushGroup}; {@link ObjectWriter#prepare} lets a batch write all its objects before the flush).
 *
 * <p>An object's record (version tag, size, metadata) travels with its file as the extended
 * attribute {@code user.sv} ({@link RecordCodec}: small enough to stay inside an ext4 inode), written
 * before the fsync, so one file, one fsync and one rename make an object durable. Records that earlier
 * versions wrote as JSON in {@code user.syncvault} are still read. Where the file system has no user
 * extended attributes (or a record does not fit in one) the record goes to a JSON sidecar
 * {@code <root>/.syncvault/meta/<key>.json} that also names the file identity (inode) it
 * describes. A record whose size, or a sidecar whose file identity, no longer matches the file
 * (crash between two renames, file replaced or edited by hand) is ignored: the file is then
 * described by what it is. Keys are resolved segment by segment and checked to stay under
 * the root, symlinks included.
 *
 * <p>Conditions are checked under a per-key lock, so they hold against writers in this
 * process; one gateway process serves a given root.
 */
public final class LocalProvider implements StorageProvider {

    static final String TEMP_PREFIX = ".svtmp-";
    private static final String INTERNAL = ".syncvault";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * A generator per thread (DRBG, seeded once): the default one (NativePRNG) reads the kernel's random device under one
     * lock for every call, and the commit threads of batches queued on it for temp names and version tags.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    });
    private static final int MAX_SEGMENT_BYTES = 255;
    /** The record's attribute: a two-letter name leaves the value 68 bytes inside a 256-byte ext4 inode. */
    static final String RECORD_ATTRIBUTE = "sv";
    /** Where earlier versions kept the record, as JSON; read when a file has no {@link #RECORD_ATTRIBUTE}. */
    static final String JSON_RECORD_ATTRIBUTE = "syncvault";
    /** Records larger than this go to a sidecar (ext4 keeps all of a file's attributes in one 4 KiB block). */
    private static final int MAX_ATTRIBUTE_BYTES = 3072;
    /** Each thread's buffer for reading records (direct: the native read fills it in place). */
    private static final ThreadLocal<ByteBuffer> ATTRIBUTE_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_ATTRIBUTE_BYTES));

    private final Path root;
    private final Path metaRoot;
    /**
     * Per-key locks, striped. A writer holds its key's lock across the rename that commits it, which waits
     * for the file system's journal; with 128 stripes, 16 writers kept readers and writers of unrelated
     * keys waiting behind those renames for a quarter of their time. With 4096 two keys rarely share one.
     */
    private final ReadWriteLock[] locks = new ReadWriteLock[4096];
    /**
     * Folders' locks, striped by path: a folder is found empty and removed under its write lock, and a file is made
     * in it under its read lock, so a folder is never removed between being made (or found) and receiving its file.
     */
    private final ReadWriteLock[] folderLocks = new ReadWriteLock[256];
    private final boolean recordsOnFiles;
    /**
     * Folders whose fsync the writes opened on this thread leave to the end of {@link #durableTogether}; null
     * outside it. A writer takes the set when it is opened, so its commit may run on another thread.
     */
    private final ThreadLocal<Set<Path>> deferredFolderSyncs = new ThreadLocal<>();
    private final AtomicLong folderSyncs = new AtomicLong();
    private final AtomicLong objectFsyncs = new AtomicLong();
    /**
     * The objects written within a {@link #durableTogether} (a batch) share flushes of the store's file system
     * instead of an fsync each; null where a flush cannot be trusted ({@link FileSystemFlush#available}).
     */
    private final FlushGroup flushGroup;
    /**
     * The store's file system, open for flushes from the start: a flush reports every write-back failure since its
     * descriptor was opened, so none that hit an object before its flush goes unseen.
     */
    private final FileSystemFlush fileSystem;

    public LocalProvider(Path root) {
        this(root, true);
    }

    /** {@code useAttributes} false keeps every record in a sidecar (as on a file system without user attributes). */
    LocalProvider(Path root, boolean useAttributes) {
        this(root, useAttributes, null);
    }

    /** {@code flush}, when not null, stands in for the flush of the file system (tests of its failures). */
    LocalProvider(Path root, boolean useAttributes, FlushGroup.Flush flush) {
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
        for (int i = 0; i < folderLocks.length; i++) {
            folderLocks[i] = new ReentrantReadWriteLock();
        }
        this.recordsOnFiles = useAttributes && attributesWork(metaRoot);
        this.fileSystem = FileSystemFlush.available() ? openFileSystem(this.root) : null;
        FlushGroup.Flush flushes = flush != null ? flush : this.fileSystem != null ? this.fileSystem::flush : null;
        this.flushGroup = flushes != null ? new FlushGroup(flushes) : null;
    }

    private static FileSystemFlush openFileSystem(Path root) {
        try {
            return FileSystemFlush.open(root);
        } catch (IOException e) {
            // each object is fsynced on its own instead
            return null;
        }
    }

    @Override
    public void close() {
        if (fileSystem != null) {
            fileSystem.close();
        }
    }

    /**
     * The store's own folder under the root is there and can be written: a disk that went away leaves at most an
     * empty mount point, without it.
     */
    @Override
    public void probe() {
        if (!Files.isDirectory(metaRoot) || !Files.isWritable(metaRoot)) {
            throw new ProviderUnavailableException("the local store folder " + root + " is gone or cannot be written ("
                    + metaRoot + " is not a writable folder)");
        }
    }

    /** Whether files under the root take user extended attributes (tried once on a scratch file). */
    private static boolean attributesWork(Path dir) {
        Path probe = dir.resolve(TEMP_PREFIX + randomHex(8));
        try {
            Files.createFile(probe);
            ExtendedAttributes.write(probe, RECORD_ATTRIBUTE, ByteBuffer.wrap(RecordCodec.encode("00", 0, Map.of())));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            deleteQuietly(probe);
        }
    }

    /** How many folder fsyncs this provider has run (tests). */
    long folderSyncs() {
        return folderSyncs.get();
    }

    /** Objects made durable by an fsync of their own. */
    public long objectFsyncs() {
        return objectFsyncs.get();
    }

    /** Flushes of the store's file system that made a batch's objects durable (0 where none can be trusted). */
    public long fileSystemFlushes() {
        return flushGroup == null ? 0 : flushGroup.flushes();
    }

    /** Whether records are kept in extended attributes here (false: sidecars only). */
    boolean recordsInAttributes() {
        return recordsOnFiles;
    }

    public Path root() {
        return root;
    }

    @Override
    public <T> T durableTogether(Supplier<T> work) {
        if (deferredFolderSyncs.get() != null) {
            return work.get();
        }
        Set<Path> folders = ConcurrentHashMap.newKeySet();
        deferredFolderSyncs.set(folders);
        try {
            return work.get();
        } finally {
            deferredFolderSyncs.remove();
            folders.forEach(this::fsyncDirectory);
        }
    }

    /** Makes renames in {@code dir} durable now, or at the end of the {@link #durableTogether} that {@code deferred} is of. */
    private void syncFolder(Path dir, Set<Path> deferred) {
        if (deferred != null) {
            deferred.add(dir);
        } else {
            fsyncDirectory(dir);
        }
    }

    @Override
    public ObjectWriter openWriter(String key, WriteCondition condition, Map<String, String> initialMetadata) {
        Path target = dataPath(key);
        try {
            Temp temp = inFolder(target.getParent(), LocalProvider::newTemp);
            return new LocalWriter(key, target, temp.path(), temp.channel(), condition, deferredFolderSyncs.get());
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
            pruneEmptyDirectories(file.getParent(), root);
            Path meta = metaPath(key);
            if (meta != null && inside(meta.getParent(), metaRoot)) {
                Files.deleteIfExists(meta);
                pruneEmptyDirectories(meta.getParent(), metaRoot);
            }
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
        boolean onFile;
        boolean linked;
        sourceLock.readLock().lock();
        try {
            object = describe(source, from).orElseThrow(() -> new ObjectNotFoundException(source));
            try {
                // a hard link shares the bytes and the attribute record (so the copy has the source's
                // version tag, as a cloud copy has its ETag); later writes to the source replace its
                // file, not the link. A source described by a sidecar gets a sidecar for the copy.
                temp = inFolder(to.getParent(), dir -> {
                    Path link = dir.resolve(TEMP_PREFIX + randomHex(8));
                    Files.createLink(link, from);
                    return link;
                });
                linked = true;
                onFile = readAttribute(temp) != null;
            } catch (UnsupportedOperationException | IOException e) {
                temp = inFolder(to.getParent(), dir -> {
                    Path copy = dir.resolve(TEMP_PREFIX + randomHex(8));
                    Files.copy(from, copy, StandardCopyOption.COPY_ATTRIBUTES);
                    return copy;
                });
                linked = false;
                onFile = false;
            }
        } catch (IOException e) {
            throw failure("cannot copy " + source, e);
        } finally {
            sourceLock.readLock().unlock();
        }
        ReadWriteLock targetLock = lockFor(target);
        targetLock.writeLock().lock();
        try {
            Record record = new Record(onFile ? object.versionTag() : newVersionTag(), null, object.storedSize(),
                    new LinkedHashMap<>(object.metadata()));
            if (!onFile && !linked) {
                // a record written on a link would also be the source's: a linked copy of a sidecar object gets a sidecar
                onFile = writeAttribute(temp, record);
            }
            return install(target, to, temp, record, onFile, deferredFolderSyncs.get());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw failure("cannot copy " + source + " to " + target, e);
        } catch (RuntimeException e) {
            deleteQuietly(temp); // e.g. the target names a folder of other keys: no temp link stays behind
            throw e;
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
        private final Set<Path> deferredSyncs;
        private final OutputStream stream;
        private boolean committed;
        /** The record written on the temp file when the write was prepared, or null before. */
        private Record record;
        private boolean onFile;
        /** The shared flush that makes the prepared object durable (in a batch), or null. */
        private FlushGroup.Ticket flush;
        /** Whether the prepared bytes and record are durable (their fsync or their flush succeeded). */
        private boolean durable;
        /** Why the object could not be made durable: it is never committed then. */
        private IOException notDurable;
        /** The shared flushes' failures before this write began ({@link FlushGroup#writesBegin}). */
        private final long writesBegan = flushGroup == null ? 0 : flushGroup.writesBegin();

        LocalWriter(String key, Path target, Path temp, FileChannel channel, WriteCondition condition,
                Set<Path> deferredSyncs) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.condition = condition;
            this.deferredSyncs = deferredSyncs;
            this.stream = new FilterOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 14)) {
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
        public boolean prepare(Map<String, String> metadata) {
            try {
                return prepareRecord(metadata);
            } catch (IOException e) {
                throw failure("cannot store " + key, e);
            }
        }

        /** Writes the record on the temp file and makes the object durable, or takes the shared flush that will. */
        private boolean prepareRecord(Map<String, String> metadata) throws IOException {
            if (notDurable != null) {
                // a failed write-back may have dropped the bytes from the cache: a later flush would not bring them
                throw new IOException("its bytes could not be made durable: " + notDurable.getMessage(), notDurable);
            }
            if (record != null) {
                if (!record.metadata().equals(metadata)) {
                    throw new IllegalStateException("a write is committed with the metadata it was prepared with");
                }
                return flush != null;
            }
            stream.flush();
            Record written = new Record(newVersionTag(), null, channel.size(), new LinkedHashMap<>(metadata));
            boolean attribute = writeAttribute(temp, written);
            if (deferredSyncs != null && flushGroup != null) {
                // in a batch: a flush of the file system that starts after this, shared with the batch's other
                // objects, covers the bytes and the attribute before the object takes its name
                flush = flushGroup.ticket();
            } else {
                // one fsync covers the bytes and the attribute
                try {
                    channel.force(true);
                } catch (IOException e) {
                    notDurable = e;
                    throw e;
                }
                objectFsyncs.incrementAndGet();
                durable = true;
            }
            // a batch may hold thousands of prepared writes: none keeps a file open
            channel.close();
            onFile = attribute;
            record = written;
            return flush != null;
        }

        private void fsyncAlone() throws IOException {
            try (FileChannel file = FileChannel.open(temp, StandardOpenOption.READ)) {
                file.force(true);
            } catch (IOException e) {
                notDurable = e;
                throw e;
            }
            objectFsyncs.incrementAndGet();
        }

        @Override
        public ProviderObject commit(Map<String, String> metadata, WriteCondition asked) {
            WriteCondition condition = asked != null ? asked : this.condition;
            ReadWriteLock lock = lockFor(key);
            try {
                prepareRecord(metadata);
                if (!durable) {
                    try {
                        flushGroup.awaitDurable(flush, writesBegan);
                    } catch (IOException shared) {
                        // the failed write-back may have been another file's: this file's own fsync reports whether
                        // its bytes were hit (the error stays on the file until a descriptor of it reports it)
                        fsyncAlone();
                    }
                    durable = true;
                }
                lock.writeLock().lock();
                try {
                    // the folder was checked to lie under the root when the write began (its temp file is there)
                    String current = describe(key, target, true).map(ProviderObject::versionTag).orElse(null);
                    if (!condition.holds(current)) {
                        throw new PreconditionFailedException(current == null
                                ? "there is no current version of " + key
                                : "the current version of " + key + " is " + current);
                    }
                    ProviderObject stored = install(key, target, temp, record, onFile, deferredSyncs);
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

    /**
     * Renames a complete, fsynced temp file over the target; its record is on the file already
     * ({@code onFile}) or goes to a sidecar now. The caller holds the key's write lock; {@code deferred} is
     * the running {@link #durableTogether}'s set of folders to fsync, or null.
     */
    private ProviderObject install(String key, Path target, Path temp, Record record, boolean onFile,
            Set<Path> deferred) throws IOException {
        // the first check follows links but throws nothing when the target is absent, as it usually is
        if (Files.isDirectory(target) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidKeyException("the key " + key + " names a folder of other keys");
        }
        // before anything changes: a key whose record needs a sidecar that its name cannot have is refused whole
        Path meta = metaPath(key);
        if (!onFile && meta == null) {
            throw new InvalidKeyException("the last segment of " + key + " is too long for a store without extended"
                    + " attributes (its record goes beside it, under the name and \".json\"): at most "
                    + (MAX_SEGMENT_BYTES - 5) + " bytes");
        }
        BasicFileAttributes attributes = Files.readAttributes(temp, BasicFileAttributes.class);
        move(temp, target);
        syncFolder(target.getParent(), deferred);
        if (onFile) {
            // a sidecar left from an earlier version describes another file; it is ignored, and dropped here
            if (meta != null) {
                deleteQuietly(meta);
            }
        } else {
            Record sidecar = new Record(record.versionTag(), String.valueOf(attributes.fileKey()), attributes.size(),
                    record.metadata());
            Temp sidecarTemp = inFolder(meta.getParent(), LocalProvider::newTemp);
            Path metaTemp = sidecarTemp.path();
            Path metaDir = metaTemp.getParent();
            try (FileChannel out = sidecarTemp.channel()) {
                out.write(ByteBuffer.wrap(JSON.writeValueAsBytes(sidecar)));
                out.force(true);
            }
            move(metaTemp, meta);
            syncFolder(metaDir, deferred);
        }
        return new ProviderObject(key, attributes.size(), record.versionTag(), attributes.lastModifiedTime().toInstant(),
                Map.copyOf(record.metadata()));
    }

    /** Puts the record on the file as its attribute; false when it must go to a sidecar instead. */
    private boolean writeAttribute(Path file, Record record) throws IOException {
        if (!recordsOnFiles) {
            return false;
        }
        byte[] bytes = RecordCodec.encode(record.versionTag(), record.size(), record.metadata());
        if (bytes.length > MAX_ATTRIBUTE_BYTES) {
            return false;
        }
        try {
            ExtendedAttributes.write(file, RECORD_ATTRIBUTE, ByteBuffer.wrap(bytes));
            return true;
        } catch (IOException e) {
            // no room for it on this file (other attributes): the sidecar holds it
            return false;
        }
    }

    /** The record in the file's attribute (or an earlier version's JSON one), or null when it has no readable one. */
    private static Record readAttribute(Path file) {
        ByteBuffer buffer = ATTRIBUTE_BUFFER.get().clear();
        try {
            int n = ExtendedAttributes.read(file, RECORD_ATTRIBUTE, buffer);
            if (n >= 0) {
                Record record = RecordCodec.decode(bytes(buffer.flip()), n);
                if (record != null) {
                    return record;
                }
            }
        } catch (IOException | RuntimeException e) {
            // none readable: try the JSON one (most often a file an earlier version wrote)
        }
        buffer.clear();
        try {
            int n = ExtendedAttributes.read(file, JSON_RECORD_ATTRIBUTE, buffer);
            return n < 0 ? null : JSON.readValue(bytes(buffer.flip()), 0, n, Record.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static byte[] bytes(ByteBuffer read) {
        byte[] bytes = new byte[read.remaining()];
        read.get(bytes);
        return bytes;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store folder does not support atomic renames", e);
        }
    }

    private void fsyncDirectory(Path dir) {
        folderSyncs.incrementAndGet();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a folder; the rename itself is still atomic
        }
    }

    // ---------- reading metadata ----------

    /** An object's record; {@code fileKey} (the file identity) only in a sidecar, an attribute is on its file. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Record(String versionTag, String fileKey, long size, Map<String, String> metadata) {
    }

    private Optional<ProviderObject> describe(String key, Path file) {
        return describe(key, file, false);
    }

    /**
     * The object at {@code file}, if it is one. A key names a path under the root, but a folder link planted inside
     * the root (by someone with access to the folder) would lead its reads, copies and deletes elsewhere: unless
     * {@code folderChecked} (a listing, which never enters a linked folder, reached the file, or the write under way
     * checked its folder), the file's folder must lie under the root for the file to count as an object.
     */
    private Optional<ProviderObject> describe(String key, Path file, boolean folderChecked) {
        if (!Files.exists(file)) {
            // absent (most often a new key) or a dangling link, neither an object: this check follows links but
            // throws nothing, where the lstat below would throw (and fill in a deep stack trace) for every new key
            return Optional.empty();
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
        return describe(key, file, folderChecked, attributes);
    }

    /** {@link #describe} from the file's attributes, read (lstat) under the key's lock as the record is now. */
    private Optional<ProviderObject> describe(String key, Path file, boolean folderChecked, BasicFileAttributes attributes) {
        if (!attributes.isRegularFile() || !folderChecked && !inside(file.getParent(), root)) {
            return Optional.empty();
        }
        String fileKey = String.valueOf(attributes.fileKey());
        Instant modified = attributes.lastModifiedTime().toInstant();
        Record record = recordsOnFiles ? readAttribute(file) : null;
        if (record == null || record.size() != attributes.size() || record.versionTag() == null) {
            record = readSidecar(key);
            if (record != null && !fileKey.equals(record.fileKey())) {
                record = null;
            }
        }
        if (record != null && record.size() == attributes.size() && record.versionTag() != null) {
            return Optional.of(new ProviderObject(key, attributes.size(), record.versionTag(), modified,
                    Map.copyOf(record.metadata() == null ? Map.of() : record.metadata())));
        }
        // a file the gateway did not write (or whose sidecar is stale): its tag comes from what the file is
        String tag = "f" + sha256Hex(fileKey + "|" + attributes.size() + "|" + attributes.lastModifiedTime().toMillis())
                .substring(0, 24);
        return Optional.of(new ProviderObject(key, attributes.size(), tag, modified, Map.of()));
    }

    private Record readSidecar(String key) {
        Path meta = metaPath(key);
        if (meta == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(meta, LinkOption.NOFOLLOW_LINKS)) {
            // sidecars are written by this class and small; the cap guards against a planted file
            byte[] bytes = in.readNBytes(1 << 20);
            return JSON.readValue(bytes, Record.class);
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

    /**
     * Where the key's sidecar goes; null when its name (the key's last segment and ".json") is longer than a folder
     * can take, which leaves such a key (last segment of 251 to 255 bytes) to stores that keep records on files.
     */
    private Path metaPath(String key) {
        try {
            return resolve(metaRoot, key, ".json");
        } catch (InvalidKeyException tooLong) {
            return null;
        }
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

    /** Something made inside a folder of the store. */
    @FunctionalInterface
    private interface InFolder<T> {
        T make(Path dir) throws IOException;
    }

    /**
     * Makes the folder where missing, then {@code make} in it. A delete that empties a folder removes it (and
     * emptied parents): when one does so between the two steps, the folder is made again and {@code make}
     * retried, so a write beside deletes in its folder lands instead of failing.
     */
    private <T> T inFolder(Path dir, InFolder<T> make) throws IOException {
        Lock folder = folderLock(dir).readLock();
        for (int attempt = 1; ; attempt++) {
            folder.lock();
            try {
                return make.make(ensureDirectory(dir));
            } catch (NoSuchFileException removed) {
                // a parent removed while the folder was being made (its own removal waits for this lock)
                if (attempt == 10) {
                    throw removed;
                }
            } finally {
                folder.unlock();
            }
        }
    }

    private ReadWriteLock folderLock(Path dir) {
        return folderLocks[Math.floorMod(dir.hashCode(), folderLocks.length)];
    }

    /** A new, empty temp file open for writing: hidden from listings, renamed over its target when complete. */
    private record Temp(Path path, FileChannel channel) {
    }

    private static Temp newTemp(Path dir) throws IOException {
        Path temp = dir.resolve(TEMP_PREFIX + randomHex(8));
        return new Temp(temp, FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    /** Whether {@code dir}, links followed, lies under {@code base} (false when it is not there); other failures are the store's. */
    private boolean inside(Path dir, Path base) {
        try {
            return dir.toRealPath().startsWith(base);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return false;
        } catch (IOException e) {
            throw failure("cannot resolve the folder " + base.relativize(dir), e);
        }
    }

    /** Creates a folder under the root and checks that no symlink on the way leads outside it. */
    private Path ensureDirectory(Path dir) throws IOException {
        // usually the folder exists: one stat instead of a failing mkdir and its exception
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
            } catch (FileAlreadyExistsException e) {
                Path there = Path.of(e.getFile());
                if (Files.isDirectory(there) || !Files.exists(there, LinkOption.NOFOLLOW_LINKS)) {
                    // a folder removed as emptied between two steps of making it (and maybe made again since), not
                    // an object: {@link #inFolder} tries again
                    throw new NoSuchFileException(e.getFile());
                }
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

    private void pruneEmptyDirectories(Path dir, Path stop) {
        Path current = dir;
        while (current != null && current.startsWith(stop) && !current.equals(stop)) {
            Lock folder = folderLock(current).writeLock();
            folder.lock();
            try {
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
            } finally {
                folder.unlock();
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
            // what the prefix still asks of the names in this folder ("" once the folder lies inside the prefix)
            String rest = prefix.startsWith(dirKey) ? prefix.substring(dirKey.length()) : "";
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                // every key under the prefix lies in one child folder: go there without reading this one, so a
                // listing costs the same in a folder of ten entries as in one of a hundred thousand
                String name = rest.substring(0, slash);
                Path child = dir.resolve(name);
                boolean keyable = !name.isEmpty() && !name.equals(".") && !name.equals("..");
                if (keyable && !hidden(dirKey, name) && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    folder(child, dirKey + name + "/");
                }
                return;
            }
            // names only (no Path per entry): a page reads the whole folder again, so this is its cost per entry
            String[] listed = dir.toFile().list();
            if (listed == null) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    return; // gone since it was seen
                }
                throw new IOException("cannot read the folder " + dir);
            }
            List<Entry> names = new ArrayList<>();
            for (String name : listed) {
                // names the prefix or an earlier page rules out are not even looked at
                if (name.startsWith(rest) && !hidden(dirKey, name)
                        && !(cursor != null && cursor.passedAll(dirKey + name + "/"))) {
                    names.add(new Entry(name, null));
                }
            }
            // The entries are taken in key order from a heap, each looked at (stat) only when its turn comes,
            // and the walk stops once the page is full: a page costs about as many stats as it has entries,
            // however large the folder. A folder's keys sort as its name + "/", which puts it after the names
            // it begins with a character below '/' ("b-x" and "b.x" come before "b/"): met before such a
            // name, it goes back into the heap under that key.
            PriorityQueue<Entry> queue = new PriorityQueue<>(names);
            while (!queue.isEmpty()) {
                Entry entry = queue.poll();
                Path path = dir.resolve(entry.name());
                BasicFileAttributes a = entry.attributes();
                if (a == null) {
                    // under the key's lock, as a HEAD: a write renaming its file in between this lstat and the
                    // record read would otherwise be described by the old file's size and the new file's record.
                    // A file is described from this one lstat.
                    String key = dirKey + entry.name();
                    ReadWriteLock lock = lockFor(key);
                    lock.readLock().lock();
                    try {
                        a = attributes(path);
                        if (a != null && a.isRegularFile()) {
                            file(path, key, a);
                            continue;
                        }
                    } finally {
                        lock.readLock().unlock();
                    }
                    if (a == null) {
                        continue; // gone since the folder was read
                    }
                    if (a.isDirectory() && !queue.isEmpty() && queue.peek().name().startsWith(entry.name())) {
                        queue.add(new Entry(entry.name(), a));
                        continue;
                    }
                }
                if (a.isDirectory()) {
                    folder(path, dirKey + entry.name() + "/");
                }
            }
        }

        /** A name of the folder being walked; its attributes once they placed it as a folder. */
        private record Entry(String name, BasicFileAttributes attributes) implements Comparable<Entry> {
            String sortKey() {
                return attributes != null ? name + "/" : name;
            }

            @Override
            public int compareTo(Entry other) {
                return sortKey().compareTo(other.sortKey());
            }
        }

        /**
         * An entry's attributes; null when it went since its folder was read (a delete running beside this listing),
         * which skips that entry, where the exception would have ended the listing of the whole folder.
         */
        private static BasicFileAttributes attributes(Path entry) throws IOException {
            try {
                return Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                return null;
            }
        }

        /** Temp files, the internal folder (unless the prefix asks for it) and the store's own records. */
        private boolean hidden(String dirKey, String name) {
            return name.startsWith(TEMP_PREFIX)
                    || (dirKey.isEmpty() && name.equals(INTERNAL) && !prefix.startsWith(INTERNAL + "/"))
                    || (dirKey.equals(INTERNAL + "/") && name.equals("meta"));
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

        /** A regular file met by the walk, with its attributes; the caller holds the key's read lock. */
        private void file(Path file, String key, BasicFileAttributes attributes) {
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
            describe(key, file, true, attributes).ifPresent(object -> {
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
                    BasicFileAttributes a = attributes(entry);
                    if (a != null && (a.isRegularFile() || (a.isDirectory() && containsObject(entry)))) {
                        return true;
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException gone) {
                return false; // removed since its parent was read: no object there now
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

    /**
     * A new version tag: 64 random bits, which tell the versions of one key apart with room to spare, and take
     * 8 bytes of the record where the 128 of earlier versions took 16 (their tags stay as they are).
     */
    private static String newVersionTag() {
        return randomHex(8);
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.get().nextBytes(b);
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
