package io.syncvault.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the encrypted object format: decrypt(encrypt(x)) = x at every segment boundary and
 * for every compression; any flipped byte, truncation, other key, other object key or other
 * store is detected (an IOException, never wrong bytes).
 */
class ObjectCipherProperties {

    /** Small segments make the boundaries cheap to reach; the format records the size it used. */
    private static final int SEGMENT = 4096;
    private static final byte[] KEY = content(32, 1, false);
    private static final ObjectCipher CIPHER = new ObjectCipher(KEY, SEGMENT);
    /** A second instance built from the same key bytes, as after a restart. */
    private static final ObjectCipher SAME_KEY = new ObjectCipher(KEY, SEGMENT);

    @Provide
    Arbitrary<Integer> sizes() {
        int first = CIPHER.firstSegmentPlaintextSize();
        int seg = CIPHER.plaintextSegmentSize();
        return Arbitraries.of(0, 1, first - 1, first, first + 1, first + seg - 1, first + seg, first + seg + 1,
                seg - 1, seg, seg + 1, 3 * seg + 17, 3 * 1024 * 1024 + 5);
    }

    static byte[] encrypt(ObjectCipher cipher, byte[] plain, String store, String key, Compression compression)
            throws IOException {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (OutputStream out = cipher.encrypt(stored, store, key, compression)) {
            out.write(plain);
        }
        return stored.toByteArray();
    }

    static byte[] decrypt(ObjectCipher cipher, byte[] stored, String store, String key) throws IOException {
        try (InputStream in = cipher.decrypt(new ByteArrayInputStream(stored), store, key)) {
            return in.readAllBytes();
        }
    }

    private static byte[] content(int size, long seed, boolean compressible) {
        byte[] data = new byte[size];
        if (compressible) {
            for (int i = 0; i < size; i++) {
                data[i] = (byte) ("syncvault ".charAt(i % 10));
            }
        } else {
            new Random(seed).nextBytes(data);
        }
        return data;
    }

    @Property(tries = 60)
    void roundTripsAtEverySegmentBoundary(@ForAll("sizes") int size, @ForAll Compression compression,
            @ForAll boolean compressible) throws IOException {
        byte[] plain = content(size, size, compressible);
        byte[] stored = encrypt(CIPHER, plain, "store", "dir/key.bin", compression);
        assertThat(stored).startsWith('S', 'V', 'G', 'W', 1, compression.id());
        assertThat(decrypt(SAME_KEY, stored, "store", "dir/key.bin")).isEqualTo(plain);
    }

    @Property(tries = 20)
    void objectsWrittenWithAnotherSegmentSizeStillDecrypt(@ForAll @IntRange(min = 0, max = 3_000_000) int size,
            @ForAll Compression compression) throws IOException {
        // earlier gateways wrote 1 MiB segments; the reader takes the size from each object's header
        ObjectCipher earlier = new ObjectCipher(KEY, 1 << 20);
        byte[] plain = content(size, size, false);
        byte[] stored = encrypt(earlier, plain, "s", "k", compression);
        assertThat(java.nio.ByteBuffer.wrap(stored, 6, 4).getInt()).isEqualTo(1 << 20);
        assertThat(decrypt(new ObjectCipher(KEY), stored, "s", "k")).isEqualTo(plain);
        assertThat(java.nio.ByteBuffer.wrap(encrypt(new ObjectCipher(KEY), plain, "s", "k", compression), 6, 4).getInt())
                .isEqualTo(ObjectCipher.DEFAULT_SEGMENT_SIZE);
    }

    @Property(tries = 80)
    void aSmallObjectGetsASmallerSegmentAndAnyHintRoundTrips(@ForAll @IntRange(min = 0, max = 200_000) int size,
            @ForAll @IntRange(min = -1, max = 200_000) int hint, @ForAll Compression compression,
            @ForAll boolean compressible) throws IOException {
        ObjectCipher cipher = new ObjectCipher(KEY);
        byte[] plain = content(size, hint, compressible);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        // the hint may be wrong (a client that announced another size): the content still round-trips
        try (OutputStream out = cipher.encrypt(stored, "s", "k", compression, hint)) {
            out.write(plain);
        }
        int segment = java.nio.ByteBuffer.wrap(stored.toByteArray(), 6, 4).getInt();
        assertThat(segment).isEqualTo(cipher.segmentFor(hint)).isLessThanOrEqualTo(ObjectCipher.DEFAULT_SEGMENT_SIZE);
        if (hint >= 0 && hint + 56 <= ObjectCipher.DEFAULT_SEGMENT_SIZE) {
            // content of the announced size fits in the first segment: Tink's 40-byte header and 16-byte tag
            assertThat(segment).isGreaterThanOrEqualTo(hint + 56).isLessThan(hint + 56 + 4096).isEqualTo(segment / 4096 * 4096);
        } else {
            assertThat(segment).isEqualTo(ObjectCipher.DEFAULT_SEGMENT_SIZE);
        }
        assertThat(decrypt(new ObjectCipher(KEY), stored.toByteArray(), "s", "k")).isEqualTo(plain);
    }

    @Property(tries = 80)
    void anyFlippedByteIsDetected(@ForAll("sizes") int size, @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
            @ForAll @IntRange(min = 1, max = 255) int mask, @ForAll Compression compression) throws IOException {
        byte[] plain = content(Math.min(size, 100_000), where, false);
        byte[] stored = encrypt(CIPHER, plain, "s", "k", compression);
        byte[] tampered = stored.clone();
        int at = where % tampered.length;
        tampered[at] ^= (byte) mask;
        assertThatThrownBy(() -> decrypt(CIPHER, tampered, "s", "k")).isInstanceOf(IOException.class);
    }

    @Property(tries = 60)
    void anyTruncationIsDetected(@ForAll("sizes") int size, @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int cut)
            throws IOException {
        byte[] plain = content(Math.min(size, 100_000), cut, false);
        byte[] stored = encrypt(CIPHER, plain, "s", "k", Compression.NONE);
        int keep = stored.length - 1 - (cut % stored.length);
        byte[] truncated = Arrays.copyOf(stored, keep);
        assertThatThrownBy(() -> decrypt(CIPHER, truncated, "s", "k")).isInstanceOf(IOException.class);
    }

    @Property(tries = 30)
    void otherKeyObjectOrStoreIsDetected(@ForAll("sizes") int size) throws IOException {
        byte[] plain = content(Math.min(size, 100_000), size, false);
        byte[] stored = encrypt(CIPHER, plain, "s", "a/b", Compression.NONE);
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        assertThatThrownBy(() -> decrypt(new ObjectCipher(otherKey, SEGMENT), stored, "s", "a/b"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decrypt(CIPHER, stored, "s", "a/c")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decrypt(CIPHER, stored, "t", "a/b")).isInstanceOf(IOException.class);
    }

    @Property(tries = 10)
    void swappedObjectsAreDetected(@ForAll @IntRange(min = 0, max = 20000) int size) throws IOException {
        byte[] one = encrypt(CIPHER, content(size, 1, false), "s", "one", Compression.NONE);
        assertThatThrownBy(() -> decrypt(CIPHER, one, "s", "two")).isInstanceOf(IOException.class);
    }
}
