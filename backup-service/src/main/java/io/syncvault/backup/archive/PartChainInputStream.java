package io.syncvault.backup.archive;

import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest;
import io.syncvault.backup.BackupManifest.PartEntry;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The parts of a backup read back as one stream, in order, one part open at a time. Each
 * part's size and SHA-256 are checked against the manifest when its end is reached; a missing,
 * short, long or altered part fails with a {@link BackupCorruptException} naming it. Errors
 * from the part's source while it streams are reported the same way, unless the source says the
 * store itself could not be reached ({@link PartSource#unreachable}): that is an
 * {@link Unavailable}, not a damaged backup.
 */
public final class PartChainInputStream extends InputStream {

    /** Opens one stored part for reading. */
    public interface PartSource {
        /** Opens the part; throws {@link Unavailable} when the store cannot be reached (not a damaged part). */
        InputStream open(PartEntry part) throws IOException;

        /**
         * Asked when a part's stream fails while it is read: whether the store can be reached at all. When it
         * cannot, the failure says nothing about the part, and the read fails with {@link Unavailable}.
         */
        default boolean unreachable(PartEntry part, IOException failure) {
            return false;
        }
    }

    /**
     * The store holding the parts could not be reached: the backup may be whole, nothing can be said of it.
     * The cause is the source's own exception.
     */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<PartEntry> parts;
    private final PartSource source;
    private final MessageDigest digest = PartSplitter.sha256();
    private int index = -1;
    private InputStream current;
    private long read;

    public PartChainInputStream(List<PartEntry> parts, PartSource source) {
        this.parts = List.copyOf(parts);
        this.source = source;
    }

    /** The name of the part being read ({@code part-NNNNN}), or null before the first. */
    public String currentPart() {
        return index < 0 || index >= parts.size() ? null : BackupManifest.partName(parts.get(index).index());
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (current == null && !openNext()) {
                return -1;
            }
            PartEntry part = parts.get(index);
            int n;
            try {
                n = current.read(b, off, len);
            } catch (IOException e) {
                if (source.unreachable(part, e)) {
                    throw new Unavailable(currentPart() + " could not be read: the store is not reachable ("
                            + e.getMessage() + ")", e);
                }
                throw new BackupCorruptException(currentPart(), null,
                        currentPart() + " could not be read completely: " + e.getMessage(), e);
            }
            if (n > 0) {
                digest.update(b, off, n);
                read += n;
                if (read > part.size()) {
                    throw new BackupCorruptException(currentPart(), null,
                            currentPart() + " is longer than the manifest says (" + part.size() + " bytes)");
                }
                return n;
            }
            if (n < 0) {
                closeCurrent();
                if (read != part.size()) {
                    throw new BackupCorruptException(currentPart(), null, currentPart() + " has " + read
                            + " bytes, the manifest says " + part.size());
                }
                String sha = HexFormat.of().formatHex(digest.digest());
                if (!sha.equalsIgnoreCase(part.sha256())) {
                    throw new BackupCorruptException(currentPart(), null,
                            currentPart() + " fails its SHA-256 check (is " + sha + ", manifest says "
                                    + part.sha256() + ")");
                }
            }
        }
    }

    private boolean openNext() throws IOException {
        if (index + 1 >= parts.size()) {
            index = parts.size();
            return false;
        }
        index++;
        read = 0;
        digest.reset();
        current = source.open(parts.get(index));
        return true;
    }

    private void closeCurrent() {
        try {
            current.close();
        } catch (IOException ignored) {
            // the part was read to its end; a failing close changes nothing
        }
        current = null;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
        index = parts.size();
    }
}
