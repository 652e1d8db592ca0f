package io.syncvault.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Makes everything written to one file system durable in one call: {@code syncfs(2)}, which Java cannot reach
 * without a native call (here through JNA). One such flush for many files written since costs about what writing
 * them out in bulk costs, where an fsync each costs a journal commit and a device flush each. The sync-service's
 * batch downloads and the gateway's batch writes to a local store use it; each service that does brings JNA.
 *
 * <p>A flush reports a failed write-back through the file descriptor it is called on, and only failures since that
 * descriptor was opened (the kernel's error sequence of the file system, sampled at open): so an instance keeps
 * one descriptor open from {@link #open} to {@link #close}, and its flushes report every failure in between, each
 * once. A failure is reported to one flush, whichever comes first, not necessarily the flush of the writes it
 * hit: a caller with many writers fails every writer that was writing when any flush failed (the gateway's
 * {@code FlushGroup}).
 *
 * <p>Only on Linux 5.8 and later: before, syncfs did not report a failed write-back, so a flush could not be
 * trusted. Elsewhere {@link #available()} is false and callers fsync each file.
 */
public final class FileSystemFlush implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FileSystemFlush.class);
    private static final int O_RDONLY = 0;
    private static final LibC LIBC = load();

    private final Path path;
    private final int fd;
    private boolean closed;

    private FileSystemFlush(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Whether {@link #open} and {@link #flush} can be used here. */
    public static boolean available() {
        return LIBC != null;
    }

    /**
     * Opens the file system that holds {@code path} (a file or folder there) for flushes, which will report every
     * write-back failure on it from now on.
     */
    public static FileSystemFlush open(Path path) throws IOException {
        if (LIBC == null) {
            throw new IOException("syncfs is not available here");
        }
        try {
            return new FileSystemFlush(path, LIBC.open(path.toString(), O_RDONLY));
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + path + " to flush its file system: errno " + e.getErrorCode());
        }
    }

    /**
     * Writes back and makes durable everything written to the file system that holds {@code path}, data and metadata;
     * returns once it is on disk. Throws when a write-back failed, but sees only failures from this call on: a
     * caller that must know of earlier ones keeps an instance ({@link #open}) from before its writes.
     */
    public static void flush(Path path) throws IOException {
        try (FileSystemFlush fileSystem = open(path)) {
            fileSystem.flush();
        }
    }

    /**
     * Writes back and makes durable everything written to the file system, data and metadata; returns once it is
     * on disk. Throws when a write-back on it failed since the last flush of this instance (or its opening): the
     * failed write-back may have dropped bytes that nobody wrote again, so a later flush does not make up for it.
     */
    public synchronized void flush() throws IOException {
        if (closed) {
            throw new IOException("the flush of " + path + "'s file system is closed");
        }
        try {
            LIBC.syncfs(fd);
        } catch (LastErrorException e) {
            throw new IOException("flushing the file system of " + path + " failed: errno " + e.getErrorCode());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LIBC.close(fd);
        } catch (LastErrorException ignored) {
            // closed either way
        }
    }

    /** Whether a Linux kernel of this version reports write-back errors from syncfs (5.8 and later). */
    static boolean trustedKernel(String osVersion) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(osVersion);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 5 || (major == 5 && minor >= 8);
    }

    private static LibC load() {
        if (!"Linux".equals(System.getProperty("os.name")) || !trustedKernel(System.getProperty("os.version", ""))) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            LOG.infof("syncfs cannot be called (%s); files are made durable one at a time", e.toString());
            return null;
        }
    }

    /** The C library calls used; each throws {@link LastErrorException} (with errno) when it returns -1. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int syncfs(int fd) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }
}
