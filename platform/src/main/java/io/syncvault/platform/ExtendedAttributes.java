package io.syncvault.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.jboss.logging.Logger;

/**
 * A file's user attributes ({@code user.<name>}, as {@link UserDefinedFileAttributeView} names them), read and
 * written without following a link. On Linux each read or write is one call ({@code lgetxattr}/{@code lsetxattr}
 * through JNA) where the JDK's view opens the file, reads or writes, and closes it again: three calls, each
 * resolving the path, for every object a listing describes. Elsewhere, or when the C library cannot be reached,
 * the JDK's view does it. Both name and store the attributes alike, so either reads what the other wrote.
 */
public final class ExtendedAttributes {

    private static final Logger LOG = Logger.getLogger(ExtendedAttributes.class);
    private static final String USER = "user.";
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;
    /** Linux's ENODATA (ENOATTR): the file has no such attribute. */
    private static final int ENODATA = 61;
    private static final boolean NATIVE = load();
    /** How Java turns a path into the bytes the kernel sees (UnixPath encodes with this charset too). */
    private static final java.nio.charset.Charset PATH_BYTES = pathCharset();

    private ExtendedAttributes() {
    }

    /** Whether reads and writes are single native calls here (else the JDK's view does them). */
    public static boolean nativeCalls() {
        return NATIVE;
    }

    /**
     * Reads the attribute {@code name} of {@code file} into {@code into} (from its position; the position is moved
     * past what was read). Returns the value's length, or -1 when the file has no such attribute. Throws
     * {@link NoSuchFileException} when the file is gone, an {@link IOException} when the value does not fit or the
     * file system has no user attributes.
     */
    public static int read(Path file, String name, ByteBuffer into) throws IOException {
        if (!NATIVE) {
            UserDefinedFileAttributeView view = view(file);
            return view.list().contains(name) ? view.read(name, into) : -1;
        }
        ByteBuffer target = into.isDirect() ? into : ByteBuffer.allocateDirect(into.remaining());
        int n;
        try {
            n = (int) lgetxattr(cString(file), cString(USER + name), target.slice(), target.remaining());
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENODATA) {
                return -1;
            }
            throw error("cannot read the attribute " + name + " of", file, e);
        }
        if (target == into) {
            into.position(into.position() + n);
        } else {
            into.put(target.limit(n));
        }
        return n;
    }

    /** Writes {@code value} (from its position to its limit) as the attribute {@code name} of {@code file}. */
    public static void write(Path file, String name, ByteBuffer value) throws IOException {
        if (!NATIVE) {
            view(file).write(name, value);
            return;
        }
        // a small value, copied once into an array (JNA hands an array over without allocating a buffer for it)
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        try {
            lsetxattr(cString(file), cString(USER + name), bytes, bytes.length, 0);
        } catch (LastErrorException e) {
            throw error("cannot write the attribute " + name + " of", file, e);
        }
        value.position(value.limit());
    }

    private static IOException error(String what, Path file, LastErrorException e) {
        int errno = e.getErrorCode();
        if (errno == ENOENT || errno == ENOTDIR) {
            return new NoSuchFileException(file.toString());
        }
        return new IOException(what + " " + file + ": errno " + errno);
    }

    private static byte[] cString(Object text) {
        byte[] bytes = text.toString().getBytes(PATH_BYTES);
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static java.nio.charset.Charset pathCharset() {
        try {
            return java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return java.nio.charset.StandardCharsets.UTF_8;
        }
    }

    private static UserDefinedFileAttributeView view(Path file) throws IOException {
        UserDefinedFileAttributeView view = java.nio.file.Files.getFileAttributeView(file,
                UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            throw new IOException("no user attributes on " + file);
        }
        return view;
    }

    // direct mapping (no proxy per call); sizes are size_t and ssize_t, 64 bits wide where this is used
    private static native long lgetxattr(byte[] path, byte[] name, ByteBuffer value, long size) throws LastErrorException;

    private static native int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags)
            throws LastErrorException;

    private static boolean load() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return false;
        }
        try {
            if (Native.SIZE_T_SIZE != 8) {
                return false;
            }
            Native.register(ExtendedAttributes.class, NativeLibrary.getInstance("c"));
            return true;
        } catch (LinkageError | RuntimeException e) {
            LOG.infof("extended attributes are read through the JDK (%s)", e.toString());
            return false;
        }
    }
}
