package io.syncvault.backup.archive;

import io.syncvault.backup.BackupManifest.PartEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntFunction;

/**
 * An output stream that cuts what is written into consecutive parts of {@code partSize}
 * bytes (the last one shorter) and hands each to a {@link PartSink} as it is produced,
 * computing each part's SHA-256 on the way. Holds no part in memory: only the bytes of one
 * {@code write} call pass through it. A part is opened on its first byte, so there is never an
 * empty trailing part.
 */
public final class PartSplitter extends OutputStream {

    private final PartSink sink;
    private final long partSize;
    private final IntFunction<String> keyOf;
    private final List<PartEntry> parts = new ArrayList<>();
    private final MessageDigest digest = sha256();
    private PartSink.PartOutput current;
    private long currentSize;
    private long total;
    private boolean closed;

    public PartSplitter(PartSink sink, long partSize, IntFunction<String> keyOf) {
        if (partSize < 1) {
            throw new IllegalArgumentException("part size must be positive");
        }
        this.sink = sink;
        this.partSize = partSize;
        this.keyOf = keyOf;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("part splitter is closed");
        }
        while (len > 0) {
            if (current == null) {
                current = sink.open(parts.size());
                currentSize = 0;
                digest.reset();
            }
            int n = (int) Math.min(len, partSize - currentSize);
            current.write(b, off, n);
            digest.update(b, off, n);
            currentSize += n;
            total += n;
            off += n;
            len -= n;
            if (currentSize == partSize) {
                finishPart();
            }
        }
    }

    private void finishPart() throws IOException {
        String sha = HexFormat.of().formatHex(digest.digest());
        PartSink.PartOutput part = current;
        current = null;
        part.finish(currentSize, sha);
        parts.add(new PartEntry(parts.size(), keyOf.apply(parts.size()), currentSize, sha));
    }

    /** Finishes the last part. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (current != null) {
            finishPart();
        }
        sink.flush();
    }

    /** Abandons the part being written after a failure upstream. */
    public void abort() {
        closed = true;
        if (current != null) {
            current.abort();
            current = null;
        }
        sink.abandon();
    }

    public List<PartEntry> parts() {
        return List.copyOf(parts);
    }

    public long totalBytes() {
        return total;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
