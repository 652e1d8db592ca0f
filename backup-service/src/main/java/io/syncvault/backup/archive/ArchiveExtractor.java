package io.syncvault.backup.archive;

import io.syncvault.backup.BackupManifest.FileEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a (decompressed) tar stream and restores it under a target folder, or, without a
 * target, only checks it. Safety first: an entry whose name is absolute or has a {@code ..}
 * segment, a link whose target would leave the target folder, a hard link or a special file
 * is refused and reported, never written. A file is written to a temporary name beside its
 * final one, its SHA-256 is checked against the manifest, and only then is it renamed; so a
 * failure never leaves a partial file under a final name. Existing files are kept unless
 * {@code overwrite}. Modification times (and permissions where the file system has them) are
 * restored, directories' last.
 */
public final class ArchiveExtractor {

    private static final int BUFFER = 64 * 1024;
    private static final String TEMP_MARK = ".svrestore-";

    /** What to restore: {@code target} null means check only. */
    public record Options(Path target, Predicate<String> selected, boolean overwrite) {
    }

    /** An entry that was not restored and why. */
    public record Problem(String path, String reason) {
    }

    /** What happened. {@code bad} lists files whose content does not match the manifest. */
    public record Report(long files, long directories, long symlinks, long bytes, long skippedExisting,
            List<Problem> refused, List<Problem> bad) {
        public boolean ok() {
            return refused.isEmpty() && bad.isEmpty();
        }
    }

    /** Receives progress while files are restored. */
    public interface Progress {
        void update(long filesDone, long bytesDone);
    }

    /**
     * The target could not be written (a full disk, a name the file system refuses, no
     * permission): not a damaged archive. Names the path being written.
     */
    public static final class TargetException extends IOException {
        TargetException(Path path, IOException cause) {
            super("cannot write " + path + ": " + cause.getMessage(), cause);
        }
    }

    /** A failure reading the archive itself, carried through the target's error handling unchanged. */
    private static final class ArchiveRead extends IOException {
        ArchiveRead(IOException cause) {
            super(cause);
        }
    }

    private final Map<String, FileEntry> manifest;

    /** @param manifest the manifest's entries by path, to check files against (may be empty) */
    public ArchiveExtractor(Map<String, FileEntry> manifest) {
        this.manifest = manifest;
    }

    public Report extract(InputStream tarStream, Options options, Progress progress) throws IOException {
        Path[] writing = {options.target()};
        try {
            return extract(tarStream, options, progress, writing);
        } catch (ArchiveRead e) {
            throw (IOException) e.getCause();
        } catch (TargetException e) {
            throw e;
        } catch (IOException e) {
            throw new TargetException(writing[0], e);
        }
    }

    /** The extraction; {@code writing[0]} is the path being written, for a target failure's message. */
    private Report extract(InputStream tarStream, Options options, Progress progress, Path[] writing) throws IOException {
        Path target = options.target() == null ? null : options.target().toAbsolutePath().normalize();
        Path realTarget = null;
        if (target != null) {
            Files.createDirectories(target);
            realTarget = target.toRealPath();
        }
        long files = 0;
        long dirs = 0;
        long links = 0;
        long bytes = 0;
        long skipped = 0;
        List<Problem> refused = new ArrayList<>();
        List<Problem> bad = new ArrayList<>();
        List<Object[]> dirTimes = new ArrayList<>();
        // folders known to exist and to lie really inside the target: checked once, not once per file
        Set<Path> checkedDirs = new HashSet<>();
        byte[] buffer = new byte[BUFFER];
        MessageDigest digest = PartSplitter.sha256();
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream, BUFFER, 512, "UTF-8");
        TarArchiveEntry entry;
        while ((entry = next(tar)) != null) {
            String raw = entry.getName();
            String name = safeName(raw);
            if (name == null) {
                refused.add(new Problem(raw, "absolute path or '..' segment"));
                continue;
            }
            if (!options.selected().test(name)) {
                continue;
            }
            Path dest = target == null ? null : target.resolve(name).normalize();
            writing[0] = dest;
            if (dest != null && (!dest.startsWith(target) || dest.equals(target))) {
                refused.add(new Problem(raw, "outside the target folder"));
                continue;
            }
            if (dest != null && !checkedDirs.contains(dest.getParent()) && !parentInside(dest, realTarget)) {
                refused.add(new Problem(raw, "a parent folder is a link leading outside the target folder"));
                continue;
            }
            FileEntry expected = manifest.get(name);
            if (entry.isDirectory()) {
                dirs++;
                if (dest != null) {
                    if (Files.isSymbolicLink(dest)) {
                        refused.add(new Problem(raw, "a link exists where the folder goes"));
                        continue;
                    }
                    Files.createDirectories(dest);
                    checkedDirs.add(dest);
                    dirTimes.add(new Object[] {dest, mtimeOf(entry, expected), entry.getMode()});
                }
            } else if (entry.isSymbolicLink()) {
                String link = entry.getLinkName();
                Path linkPath = link.isEmpty() || link.indexOf('\0') >= 0 ? null : Path.of(link);
                // resolve the link as if the target folder were "/r": it must stay inside it
                Path root = Path.of("/r");
                if (linkPath == null || linkPath.isAbsolute()
                        || !root.resolve(name).getParent().resolve(linkPath).normalize().startsWith(root)) {
                    refused.add(new Problem(raw, "link target '" + link + "' leads outside the target folder"));
                    continue;
                }
                links++;
                if (dest != null) {
                    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                        if (!options.overwrite()) {
                            skipped++;
                            continue;
                        }
                        if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                            refused.add(new Problem(raw, "a folder exists where the link goes"));
                            continue;
                        }
                    }
                    Files.createDirectories(dest.getParent());
                    Path temp = tempBeside(dest);
                    Files.createSymbolicLink(temp, linkPath);
                    Files.move(temp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    checkedDirs.clear(); // a folder path may now lead through the new link: check again
                }
            } else if (entry.isFile()) {
                boolean exists = dest != null && Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
                if (exists && Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                    refused.add(new Problem(raw, "a folder exists where the file goes"));
                    continue;
                }
                if (exists && !options.overwrite()) {
                    skipped++;
                    continue; // the tar stream skips the content
                }
                Path temp = null;
                OutputStream out = OutputStream.nullOutputStream();
                if (dest != null) {
                    if (checkedDirs.add(dest.getParent())) {
                        Files.createDirectories(dest.getParent());
                    }
                    temp = tempBeside(dest);
                    out = Files.newOutputStream(temp, java.nio.file.StandardOpenOption.CREATE_NEW);
                }
                digest.reset();
                long size = 0;
                boolean kept = false;
                try (OutputStream o = out) {
                    int n;
                    while ((n = read(tar, buffer)) > 0) {
                        o.write(buffer, 0, n);
                        digest.update(buffer, 0, n);
                        size += n;
                        bytes += n;
                    }
                    o.close();
                    String sha = HexFormat.of().formatHex(digest.digest());
                    if (expected != null && expected.sha256() != null && !expected.sha256().equalsIgnoreCase(sha)) {
                        bad.add(new Problem(name, "SHA-256 is " + sha + ", the manifest says " + expected.sha256()));
                    } else if (expected != null && expected.size() != size) {
                        bad.add(new Problem(name, "size is " + size + ", the manifest says " + expected.size()));
                    } else {
                        if (temp != null) {
                            setMode(temp, entry.getMode());
                            Files.setLastModifiedTime(temp, FileTime.fromMillis(mtimeOf(entry, expected)));
                            Files.move(temp, dest, StandardCopyOption.REPLACE_EXISTING,
                                    StandardCopyOption.ATOMIC_MOVE);
                        }
                        kept = true;
                        files++;
                        progress.update(files, bytes);
                    }
                } finally {
                    if (temp != null && !kept) {
                        Files.deleteIfExists(temp);
                    }
                }
            } else {
                refused.add(new Problem(raw, entry.isLink() ? "hard links are not restored"
                        : "special files are not restored"));
            }
        }
        // folders last: writing into a folder changes its mtime, and a read-only mode would stop the writes
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            Path dir = (Path) dirTimes.get(i)[0];
            writing[0] = dir;
            setMode(dir, (Integer) dirTimes.get(i)[2]);
            Files.setLastModifiedTime(dir, FileTime.fromMillis((Long) dirTimes.get(i)[1]));
        }
        return new Report(files, dirs, links, bytes, skipped, refused, bad);
    }

    private static TarArchiveEntry next(TarArchiveInputStream tar) throws ArchiveRead {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            throw new ArchiveRead(e);
        }
    }

    private static int read(TarArchiveInputStream tar, byte[] buffer) throws ArchiveRead {
        try {
            return tar.read(buffer);
        } catch (IOException e) {
            throw new ArchiveRead(e);
        }
    }

    /** The entry name made relative and clean, or null when it is absolute or climbs with '..'. */
    static String safeName(String raw) {
        if (raw == null || raw.isEmpty() || raw.indexOf('\0') >= 0 || raw.startsWith("/") || raw.startsWith("\\")
                || raw.matches("^[A-Za-z]:.*")) {
            return null;
        }
        List<String> segments = new ArrayList<>();
        for (String s : raw.split("/")) {
            if (s.equals("..")) {
                return null;
            }
            if (!s.isEmpty() && !s.equals(".")) {
                segments.add(s);
            }
        }
        return segments.isEmpty() ? null : String.join("/", segments);
    }

    /** Whether dest's nearest existing ancestor really lies inside the target (no link escapes). */
    private static boolean parentInside(Path dest, Path realTarget) throws IOException {
        Path p = dest.getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p != null && p.toRealPath().startsWith(realTarget);
    }

    private static long mtimeOf(TarArchiveEntry entry, FileEntry expected) {
        return expected != null ? expected.mtime() : entry.getLastModifiedTime().toMillis();
    }

    /** A temp name of fixed length beside {@code dest}, so that any name the file system takes can be restored. */
    private static Path tempBeside(Path dest) {
        return dest.resolveSibling(TEMP_MARK + UUID.randomUUID().toString().replace("-", ""));
    }

    private static void setMode(Path path, int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                perms.add(p);
            }
        }
        try {
            Files.setPosixFilePermissions(path, perms);
        } catch (UnsupportedOperationException | IOException e) {
            // file systems without POSIX permissions keep their defaults
        }
    }

    static boolean isTemp(Path p) {
        return p.getFileName().toString().contains(TEMP_MARK);
    }

}
