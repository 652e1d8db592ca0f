package io.syncvault.storage.crypto;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The encrypted object format (version 1). Stored bytes are a 10-byte header followed by a
 * Tink AES-GCM-HKDF streaming ciphertext:
 * <pre>
 *   "SVGW" | version (1 byte, = 1) | compression (1 byte: 0 none, 1 gzip, 2 zstd) | ciphertext segment size (4 bytes, big endian)
 *   Tink AesGcmHkdfStreaming(ikm = store master key, HKDF-SHA256, AES-256) ciphertext of the (compressed) content
 * </pre>
 * The associated data is {@code header || UTF-8(store) || 0x00 || UTF-8(key)}, so an object
 * moved to another key or store, a changed header, a truncated or altered body all fail to
 * decrypt. Streams only: memory is one segment whatever the object size.
 */
public final class ObjectCipher {

    public static final int HEADER_LENGTH = 10;
    /**
     * Ciphertext segment size for new objects: 64 KiB. The tag costs 0.02%, readers and writers hold one
     * segment, and the JIT compiles the AES-GCM hot path (with its AES-NI/CLMUL intrinsics) after a few
     * MiB: with 1 MiB segments the per-segment methods are called so rarely that HotSpot ran GHASH as
     * plain Java for gigabytes, at a tenth of the speed. Readers take the size from each object's header.
     */
    public static final int DEFAULT_SEGMENT_SIZE = 64 * 1024;
    private static final int SMALL_SEGMENT_STEP = 4096;
    /** The GCM tag of a segment. */
    private static final int SEGMENT_OVERHEAD = 16;
    private static final byte[] MAGIC = {'S', 'V', 'G', 'W'};
    private static final int VERSION = 1;

    private final byte[] masterKey;
    private final int segmentSize;
    private final int tinkHeaderLength;

    public ObjectCipher(byte[] masterKey) {
        this(masterKey, DEFAULT_SEGMENT_SIZE);
    }

    public ObjectCipher(byte[] masterKey, int segmentSize) {
        if (masterKey.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes");
        }
        this.masterKey = masterKey.clone();
        this.segmentSize = segmentSize;
        this.tinkHeaderLength = tink(segmentSize).getHeaderLength();
    }

    /** The plaintext bytes of the first segment (later segments hold 24 more); for tests at the boundaries. */
    public int firstSegmentPlaintextSize() {
        return tink(segmentSize).getPlaintextSegmentSize() - tink(segmentSize).getHeaderLength();
    }

    public int plaintextSegmentSize() {
        return tink(segmentSize).getPlaintextSegmentSize();
    }

    /**
     * Wraps {@code out}: content written to the result is compressed, encrypted and written to
     * {@code out}; closing the result writes the last segment and closes {@code out}.
     */
    public OutputStream encrypt(OutputStream out, String store, String key, Compression compression) throws IOException {
        return encrypt(out, store, key, compression, -1);
    }

    /**
     * As {@link #encrypt(OutputStream, String, String, Compression)}, for content of about {@code sizeHint} bytes
     * (-1: unknown). Content that fits in less than a full segment gets a smaller one, so the streams (which
     * hold a plaintext and a ciphertext segment each, written and read) allocate and clear a few KiB, not
     * 128 KiB, per small object. The segment size is in the header: readers need no hint.
     */
    public OutputStream encrypt(OutputStream out, String store, String key, Compression compression, long sizeHint)
            throws IOException {
        int segment = segmentFor(sizeHint);
        byte[] header = header(compression, segment);
        out.write(header);
        try {
            OutputStream encrypted = tink(segment).newEncryptingStream(out, associatedData(header, store, key));
            return compression.compress(encrypted);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start encryption", e);
        }
    }

    /**
     * Wraps stored bytes: reading the result yields the content, or an {@link IOException} as
     * soon as anything does not authenticate (wrong key, other object, truncation, tampering).
     */
    public InputStream decrypt(InputStream in, String store, String key) throws IOException {
        byte[] header = new byte[HEADER_LENGTH];
        int read = in.readNBytes(header, 0, HEADER_LENGTH);
        if (read < HEADER_LENGTH) {
            throw new EOFException("the object is too short to be encrypted by this gateway");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (header[i] != MAGIC[i]) {
                throw new IOException("the object does not start with the encrypted format header");
            }
        }
        if (header[4] != VERSION) {
            throw new IOException("unsupported encrypted format version " + header[4]);
        }
        Compression compression;
        try {
            compression = Compression.ofId(header[5]);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
        int segment = ByteBuffer.wrap(header, 6, 4).getInt();
        if (segment < 1024 || segment > (1 << 26)) {
            throw new IOException("implausible segment size " + segment);
        }
        try {
            InputStream plain = tink(segment).newDecryptingStream(in, associatedData(header, store, key));
            return compression.decompress(plain);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start decryption", e);
        }
    }

    /** The ciphertext segment size for content of {@code sizeHint} bytes: whole 4 KiB blocks, up to the configured size. */
    int segmentFor(long sizeHint) {
        if (sizeHint < 0) {
            return segmentSize;
        }
        // Tink's header (40 bytes with a 32-byte key) and tag (16) share the first segment with the content
        long needed = sizeHint + tinkHeaderLength + SEGMENT_OVERHEAD;
        long blocks = (needed + SMALL_SEGMENT_STEP - 1) / SMALL_SEGMENT_STEP;
        return (int) Math.min(segmentSize, Math.max(1, blocks) * SMALL_SEGMENT_STEP);
    }

    static byte[] header(Compression compression, int segmentSize) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC).put((byte) VERSION).put((byte) compression.id())
                .putInt(segmentSize).array();
    }

    static byte[] associatedData(byte[] header, String store, String key) {
        ByteArrayOutputStream aad = new ByteArrayOutputStream();
        aad.writeBytes(header);
        aad.writeBytes(store.getBytes(StandardCharsets.UTF_8));
        aad.write(0);
        aad.writeBytes(key.getBytes(StandardCharsets.UTF_8));
        return aad.toByteArray();
    }

    private AesGcmHkdfStreaming tink(int segment) {
        try {
            return new AesGcmHkdfStreaming(masterKey, "HmacSha256", 32, segment, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up AES-GCM-HKDF streaming", e);
        }
    }
}
