package io.syncvault.sync.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Takes a snapshot of a local folder: stats every regular file and hashes only those whose
 * size or mtime differ from the journal (the journal's SHA-256 is reused for the rest).
 * Files it cannot judge (unreadable, changing while hashed, symlinks, names the store cannot
 * take, folders it cannot list) are "protected": the run leaves those paths alone on both
 * sides instead of mistaking them for deleted. Symlinks are never followed. Temp files of
 * downloads that a killed run left behind are removed. Paths are named in Unicode NFC, the form of keys: a file
 * whose name on disk is not (decomposed, say) is synced under its NFC name and keeps its own on disk
 * ({@link LocalNames}); when two names on disk have the same NFC form, the one already in NFC is synced and the
 * other is reported and left alone (if none of them is in NFC, the path is left alone on both sides).
 */
public final class LocalScanner {

    /** Name prefix of the temp files downloads write before their atomic rename. */
    public static final String TEMP_PREFIX = ".syncvault-tmp-";
    private static final int BUFFER = 64 * 1024;

    /**
     * The snapshot.
     *
     * @param files         relative path → state
     * @param protectedPaths relative path (or folder prefix ending in '/') → why it is left alone
     * @param hashedBytes   bytes read for hashing
     * @param names         where the paths whose names on disk are not in NFC live
     */
    public record Snapshot(Map<String, FileState> files, Map<String, String> protectedPaths, long hashedBytes,
            LocalNames names) {

        public boolean isProtected(String path) {
            if (protectedPaths.containsKey(path)) {
                return true;
            }
            for (String p : protectedPaths.keySet()) {
                // a folder's prefix ends in '/'; the item's own folder is "" and covers every path
                if ((p.isEmpty() || p.endsWith("/")) && path.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    private LocalScanner() {
    }

    public static Snapshot scan(Path root, Map<String, JournalState> journal, PathFilter filter, String keyPrefix,
            Executor hashPool) throws IOException {
        Map<String, FileState> files = new ConcurrentHashMap<>();
        Map<String, String> protectedPaths = new ConcurrentHashMap<>();
        List<CompletableFuture<Long>> hashing = new ArrayList<>();
        // paths whose names on disk are not in NFC: NFC path -> path on disk (files, folders); NFC paths two of them share
        Map<String, String> oddFiles = new HashMap<>();
        Map<String, String> oddFolders = new HashMap<>();
        Set<String> shared = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String onDisk = relative(root, dir);
                String rel = nfc(onDisk);
                // a folder whose NFC name is on disk too is not where new files under that name go
                if (!rel.equals(onDisk) && !Files.isDirectory(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                    oddFolders.putIfAbsent(rel, onDisk);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String onDisk = relative(root, file);
                if (file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    // a download's temp file left by a run that died: runs of one item never overlap, so it is garbage
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        // left for the next scan
                    }
                    return FileVisitResult.CONTINUE;
                }
                String rel = nfc(onDisk);
                if (!filter.accepts(rel)) {
                    return FileVisitResult.CONTINUE;
                }
                if (!rel.equals(onDisk)) {
                    if (Files.exists(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                        // reported under its own name, which is no key: the file named in NFC is the one synced
                        protectedPaths.put(onDisk, "another name here is the same in Unicode NFC (" + rel + "); that one is synced");
                        return FileVisitResult.CONTINUE;
                    }
                    if (oddFiles.putIfAbsent(rel, onDisk) != null) {
                        shared.add(rel);
                        return FileVisitResult.CONTINUE;
                    }
                }
                if (!attrs.isRegularFile()) {
                    String why = attrs.isSymbolicLink() ? "symbolic link (not followed)" : "not a regular file";
                    protectedPaths.put(rel, why);
                    // a folder replaced by a link (moved to another disk, say): what the journal has under it is
                    // not deleted, only out of sight
                    protectedPaths.put(rel + "/", why);
                    return FileVisitResult.CONTINUE;
                }
                String keyProblem = ObjectKeys.problem(keyPrefix + rel);
                if (keyProblem != null) {
                    protectedPaths.put(rel, "name not storable: " + keyProblem);
                    return FileVisitResult.CONTINUE;
                }
                long size = attrs.size();
                long mtime = attrs.lastModifiedTime().toMillis();
                JournalState j = journal.get(rel);
                if (j != null && j.size() == size && j.mtime() == mtime) {
                    files.put(rel, FileState.local(size, mtime, j.sha256()));
                    return FileVisitResult.CONTINUE;
                }
                hashing.add(CompletableFuture.supplyAsync(() -> hash(file, rel, size, mtime, files, protectedPaths), hashPool));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                String rel = nfc(relative(root, file));
                // a folder (or file) we cannot read: everything under it is unknown, not deleted
                protectedPaths.put(rel, "unreadable: " + FileErrors.what(e));
                protectedPaths.put(folderKey(rel), "unreadable folder: " + FileErrors.what(e));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                if (e != null) {
                    protectedPaths.put(folderKey(nfc(relative(root, dir))), "folder could not be listed completely");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        long hashed = 0;
        for (CompletableFuture<Long> f : hashing) {
            hashed += f.join();
        }
        for (String rel : shared) {
            // two names on disk, neither in NFC, for one path: which of them is the file is not ours to guess
            files.remove(rel);
            oddFiles.remove(rel);
            protectedPaths.put(rel, "several names here are this one in Unicode NFC; rename all but one");
        }
        return new Snapshot(Map.copyOf(files), Map.copyOf(protectedPaths), hashed, new LocalNames(oddFiles, oddFolders));
    }

    /** {@code rel} in Unicode NFC (itself when it already is, the common case, without a copy). */
    static String nfc(String rel) {
        return Normalizer.isNormalized(rel, Normalizer.Form.NFC) ? rel : Normalizer.normalize(rel, Normalizer.Form.NFC);
    }

    private static long hash(Path file, String rel, long size, long mtime, Map<String, FileState> files,
            Map<String, String> protectedPaths) {
        try {
            String sha = sha256(file, size);
            BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (after.size() != size || after.lastModifiedTime().toMillis() != mtime) {
                protectedPaths.put(rel, "changed while being read; retried next run");
            } else {
                files.put(rel, FileState.local(size, mtime, sha));
            }
            return size;
        } catch (IOException e) {
            protectedPaths.put(rel, "unreadable: " + FileErrors.what(e));
            return 0;
        }
    }

    /** SHA-256 (hex) of a file, streamed. */
    public static String sha256(Path file) throws IOException {
        return sha256(file, -1);
    }

    /** SHA-256 (hex) of a file of about {@code size} bytes (-1: unknown): a small file gets a small buffer. */
    static String sha256(Path file, long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // the buffer is cleared when allocated: thousands of small files need no 64 KiB each
        byte[] buf = new byte[size >= 0 ? (int) Math.min(BUFFER, size + 1) : BUFFER];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The prefix of the paths under a folder: "" for the item's own folder (every path), else its path and '/'. */
    private static String folderKey(String rel) {
        return rel.isEmpty() ? "" : rel + "/";
    }

    static String relative(Path root, Path file) {
        Path rel = root.relativize(file);
        StringBuilder sb = new StringBuilder();
        for (Path segment : rel) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(segment);
        }
        return sb.toString();
    }
}
