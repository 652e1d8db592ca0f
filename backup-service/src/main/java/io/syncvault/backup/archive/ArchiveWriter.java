package io.syncvault.backup.archive;

import io.syncvault.backup.BackupManifest.EntryType;
import io.syncvault.backup.BackupManifest.FileEntry;
import io.syncvault.backup.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes the backup stream: walks the items (files, directories and symlinks, never
 * following links), writes a POSIX tar (PAX headers for long and non-ASCII names, mtime, mode,
 * empty directories) through the chosen compression into an output stream, typically a
 * {@link PartSplitter}. Each file's SHA-256 is computed as it is read; file contents only
 * pass through a fixed-size buffer. Entries are written in a stable (sorted) order.
 */
public final class ArchiveWriter {

    private static final int BUFFER = 64 * 1024;
    private static final long PROGRESS_EVERY_MASK = 4L * 1024 * 1024 - 1;
    private final List<SourceItem> items;
    private final Filter filter;
    private final Set<String> vanished = new java.util.LinkedHashSet<>();

    /**
     * One thing to back up: {@code path} (a file or directory) archived under the name
     * {@code name} ('/'-separated, relative; empty for "at the archive root").
     */
    public record SourceItem(Path path, String name) {
    }

    /** Totals found by {@link #scan()}: what a run will write, for progress. */
    public record Scan(long files, long bytes) {
    }

    /** Receives progress while files are written. */
    public interface Progress {
        void update(long filesDone, long bytesDone);
    }

    /**
     * Paths (archive names) that were deleted while the backup ran, between the moment the walk
     * listed them and the moment it came to read them: they are not in the archive, as they are no
     * longer in the tree. A live folder (an application writing temp files) would otherwise fail
     * every backup that meets such a file.
     */
    public List<String> vanished() {
        return List.copyOf(vanished);
    }

    public ArchiveWriter(List<SourceItem> items, List<String> include, List<String> exclude) {
        this.items = List.copyOf(items);
        this.filter = new Filter(include, exclude);
    }

    /** Counts files and bytes without reading contents. */
    public Scan scan() throws IOException {
        long[] totals = new long[2];
        for (SourceItem item : items) {
            walk(item.path(), item.name(), (path, name, attrs) -> {
                if (attrs.isRegularFile()) {
                    totals[0]++;
                    totals[1] += attrs.size();
                }
            });
        }
        return new Scan(totals[0], totals[1]);
    }

    /**
     * Writes the compressed archive to {@code out} and closes it; returns one entry per archived
     * path. {@code cancelled} is polled between files.
     */
    public List<FileEntry> write(OutputStream out, Compression compression, Progress progress,
            BooleanSupplier cancelled) throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        long[] done = new long[2];
        byte[] buffer = new byte[BUFFER];
        MessageDigest digest = PartSplitter.sha256();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(compression.compress(out), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (SourceItem item : items) {
                walk(item.path(), item.name(), (path, name, attrs) -> {
                    if (cancelled.getAsBoolean()) {
                        throw new IOException("backup cancelled");
                    }
                    if (name.isEmpty()) {
                        return; // the archive root itself is not an entry
                    }
                    int mode = mode(path, attrs);
                    long mtime = attrs.lastModifiedTime().toMillis();
                    if (attrs.isDirectory()) {
                        TarArchiveEntry e = new TarArchiveEntry(name + "/");
                        e.setModTime(mtime);
                        e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~0777 | mode);
                        tar.putArchiveEntry(e);
                        tar.closeArchiveEntry();
                        entries.add(new FileEntry(name, EntryType.DIRECTORY, 0, mtime, mode, null, null));
                    } else if (attrs.isSymbolicLink()) {
                        String target;
                        try {
                            target = Files.readSymbolicLink(path).toString();
                        } catch (NoSuchFileException gone) {
                            vanished.add(name);
                            return;
                        }
                        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                        e.setLinkName(target);
                        e.setModTime(mtime);
                        tar.putArchiveEntry(e);
                        tar.closeArchiveEntry();
                        entries.add(new FileEntry(name, EntryType.SYMLINK, 0, mtime, null, null, target));
                    } else if (attrs.isRegularFile()) {
                        long size = attrs.size();
                        InputStream opened;
                        try {
                            // opened before its entry is written: a file deleted since the walk saw it leaves no entry
                            opened = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS);
                        } catch (NoSuchFileException gone) {
                            vanished.add(name);
                            return;
                        }
                        TarArchiveEntry e = new TarArchiveEntry(name);
                        e.setSize(size);
                        e.setModTime(mtime);
                        e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | mode);
                        tar.putArchiveEntry(e);
                        digest.reset();
                        long copied = 0;
                        try (InputStream in = opened) {
                            while (copied < size) {
                                int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied));
                                if (n < 0) {
                                    throw new IOException(name + " shrank while it was being backed up");
                                }
                                tar.write(buffer, 0, n);
                                digest.update(buffer, 0, n);
                                copied += n;
                                done[1] += n;
                                if ((copied & PROGRESS_EVERY_MASK) == 0) {
                                    progress.update(done[0], done[1]); // a big file still shows progress
                                }
                            }
                        }
                        tar.closeArchiveEntry();
                        done[0]++;
                        progress.update(done[0], done[1]);
                        entries.add(new FileEntry(name, EntryType.FILE, size, mtime, mode,
                                HexFormat.of().formatHex(digest.digest()), null));
                    }
                    // sockets, fifos and devices are not backed up
                });
            }
            tar.finish();
        }
        return entries;
    }

    private interface Visitor {
        void visit(Path path, String name, BasicFileAttributes attrs) throws IOException;
    }

    private void walk(Path path, String name, Visitor visitor) throws IOException {
        if (!name.isEmpty() && filter.excluded(name)) {
            return;
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            if (name.isEmpty()) {
                throw gone;
            }
            vanished.add(name);
            return;
        }
        if (!attrs.isDirectory() && !name.isEmpty() && !filter.included(name)) {
            return;
        }
        visitor.visit(path, name, attrs);
        if (attrs.isDirectory()) {
            List<Path> children;
            try (Stream<Path> list = Files.list(path)) {
                children = list.sorted().toList();
            } catch (NoSuchFileException gone) {
                return; // the folder went after it was seen: it stays as seen, empty
            }
            for (Path child : children) {
                String childName = child.getFileName().toString();
                walk(child, name.isEmpty() ? childName : name + "/" + childName, visitor);
            }
        }
    }

    private static int mode(Path path, BasicFileAttributes attrs) throws IOException {
        if (attrs instanceof PosixFileAttributes posix) {
            return toMode(posix.permissions());
        }
        try {
            return toMode(Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .permissions());
        } catch (UnsupportedOperationException e) {
            return attrs.isDirectory() ? 0755 : 0644;
        }
    }

    static int toMode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    /**
     * Include/exclude globs over archive names. A pattern without '/' matches any path's last
     * segment (like {@code *.tmp}); one with '/' matches the whole relative path. Excludes
     * prune directories; includes select files (with none given, every file is included).
     */
    static final class Filter {
        private final List<Glob> include;
        private final List<Glob> exclude;

        Filter(List<String> include, List<String> exclude) {
            this.include = include == null ? List.of() : include.stream().map(Glob::new).toList();
            this.exclude = exclude == null ? List.of() : exclude.stream().map(Glob::new).toList();
        }

        boolean excluded(String name) {
            return exclude.stream().anyMatch(g -> g.matches(name));
        }

        boolean included(String name) {
            return include.isEmpty() || include.stream().anyMatch(g -> g.matches(name));
        }
    }

    private record Glob(String pattern, PathMatcher matcher, boolean segmentOnly) {
        Glob(String pattern) {
            this(pattern, FileSystems.getDefault().getPathMatcher("glob:" + pattern), !pattern.contains("/"));
        }

        boolean matches(String name) {
            String subject = segmentOnly ? name.substring(name.lastIndexOf('/') + 1) : name;
            return matcher.matches(Path.of(subject));
        }
    }
}
