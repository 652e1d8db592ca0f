package io.syncvault.sync.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The body of a batch upload: a tar stream produced from the files while it is read, a chunk at
 * a time, so memory stays at one buffer whatever the files' sizes. Each entry is named by its
 * object key and carries its SHA-256, mtime and precondition in PAX headers. A file holds
 * exactly the size the scan saw: bytes past it are not sent, and a file that shrank is padded
 * with zeros, which the gateway then refuses for its SHA-256 (the caller sees the file changed).
 * A file that can no longer be opened is left out and named in {@link #notSent()}.
 */
final class TarUploadStream extends InputStream {

    static final String TAR = "application/x-tar";
    private static final int CHUNK = 1 << 16;

    private final Iterator<StorageGatewayClient.BatchUpload> files;
    private final Buffer produced = new Buffer();
    private final TarArchiveOutputStream tar;
    private final Map<String, String> notSent = new LinkedHashMap<>();
    private final byte[] chunk = new byte[CHUNK];
    private InputStream current;
    private long remaining;
    private int position;
    private boolean finished;

    TarUploadStream(List<StorageGatewayClient.BatchUpload> files) {
        this.files = files.iterator();
        this.tar = new TarArchiveOutputStream(produced, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    /** Files that were not sent, with the reason (read once the stream was consumed). */
    synchronized Map<String, String> notSent() {
        return Map.copyOf(notSent);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * Fills {@code b} as far as the archive goes: the HTTP client sends each read as its own
     * piece in a buffer of its own, so a read per tar header or small file would cost a large
     * buffer for a few hundred bytes.
     */
    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            if (position == produced.size()) {
                if (finished) {
                    break;
                }
                produced.reset();
                position = 0;
                produce();
                continue;
            }
            int n = Math.min(len - total, produced.size() - position);
            System.arraycopy(produced.bytes(), position, b, off + total, n);
            position += n;
            total += n;
        }
        return total == 0 && len > 0 ? -1 : total;
    }

    /** Adds the next piece to the archive: a header, up to one chunk of content, or the end. */
    private void produce() throws IOException {
        if (current == null) {
            if (!files.hasNext()) {
                tar.finish();
                tar.close();
                finished = true;
                return;
            }
            StorageGatewayClient.BatchUpload f = files.next();
            try {
                current = Files.newInputStream(f.file());
            } catch (IOException e) {
                notSent.put(f.key(), "the file could not be opened: " + e.getMessage());
                return;
            }
            TarArchiveEntry entry = new TarArchiveEntry(f.key(), true);
            entry.setSize(f.size());
            entry.setModTime(f.mtime());
            entry.addPaxHeader("SYNCVAULT.sha256", f.sha256());
            entry.addPaxHeader("SYNCVAULT.mtime", Long.toString(f.mtime()));
            if (f.ifMatch() == null) {
                entry.addPaxHeader("SYNCVAULT.if-none-match", "*");
            } else {
                entry.addPaxHeader("SYNCVAULT.if-match", f.ifMatch());
            }
            tar.putArchiveEntry(entry);
            remaining = f.size();
        }
        if (remaining > 0) {
            int n = current.read(chunk, 0, (int) Math.min(CHUNK, remaining));
            if (n < 0) {
                // the file shrank since the scan: pad, so that the gateway refuses the entry for its SHA-256
                n = (int) Math.min(CHUNK, remaining);
                Arrays.fill(chunk, 0, n, (byte) 0);
            }
            tar.write(chunk, 0, n);
            remaining -= n;
        }
        if (remaining == 0) {
            tar.closeArchiveEntry();
            current.close();
            current = null;
        }
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // a file only read from: nothing is lost
            }
            current = null;
        }
        finished = true;
    }

    /** A byte buffer whose array can be read without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(CHUNK + 4096);
        }

        byte[] bytes() {
            return buf;
        }
    }
}
