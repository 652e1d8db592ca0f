package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncvault.storage.crypto.BodyFormat;
import io.syncvault.storage.service.ObjectMetadata;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the binary record: every tag, size and map of strings reads back as written, whatever their shape;
 * what the gateway keeps with an object under 2 MiB stays within the 68 bytes an ext4 inode has for it; anything else
 * (a cut record, stray bytes, a JSON record) reads as no record rather than a wrong one.
 */
class RecordCodecProperties {

    /** What a 256-byte ext4 inode holds in place for an attribute named {@code sv}. */
    private static final int IN_INODE = 68;

    @Provide
    Arbitrary<String> strings() {
        // the shapes the codec treats apart, and their near misses
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('0', '9').ofMinLength(0).ofMaxLength(21),
                Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(0).ofMaxLength(70),
                Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofMinLength(63).ofMaxLength(65),
                Arbitraries.of("plain", "gzip", "zstd", "sve1", "Sve1", "-1", "01", "9223372036854775807",
                        "9223372036854775808", "18446744073709551616", "", "a"),
                Arbitraries.strings().ofMinLength(0).ofMaxLength(30));
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(Arbitraries.of(RecordCodec.NAMES), strings());
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(names(), strings()).ofMaxSize(8).map(LinkedHashMap::new);
    }

    @Property
    void everyRecordReadsBackAsWritten(@ForAll("strings") String tag, @ForAll long size,
            @ForAll("metadata") Map<String, String> metadata) {
        long stored = Math.abs(size == Long.MIN_VALUE ? 0 : size);
        byte[] bytes = RecordCodec.encode(tag, stored, metadata);

        LocalProvider.Record read = RecordCodec.decode(bytes, bytes.length);

        assertThat(read).isNotNull();
        assertThat(read.versionTag()).isEqualTo(tag);
        assertThat(read.size()).isEqualTo(stored);
        assertThat(read.metadata()).containsExactlyEntriesOf(metadata);
        assertThat(read.fileKey()).isNull();
    }

    @Property
    void aCutRecordOrOneWithStrayBytesIsNoRecord(@ForAll("strings") String tag, @ForAll("metadata") Map<String, String> metadata,
            @ForAll @IntRange(min = 0, max = 200) int cut) {
        byte[] bytes = RecordCodec.encode(tag, 4096, metadata);
        int length = Math.min(cut, bytes.length - 1);

        assertThat(RecordCodec.decode(bytes, length)).isNull();
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThat(RecordCodec.decode(longer, longer.length)).isNull();
    }

    /** Objects under 2 MiB, where a block of 4 KiB for the record would matter; a larger one takes a byte or two more. */
    @Property
    void whatTheGatewayKeepsWithAnObjectFitsInTheInode(@ForAll @IntRange(min = 0, max = (2 << 20) - 8192) int plainSize,
            @ForAll("formats") BodyFormat format) {
        Map<String, String> metadata = ObjectMetadata.encode((long) plainSize, "9f".repeat(32), 1_764_000_000_000L + plainSize,
                format, 1_764_100_000_000L, Map.of());

        byte[] bytes = RecordCodec.encode(LocalProvider.randomHex(8), plainSize + 4_096L, metadata);

        assertThat(bytes.length).isLessThanOrEqualTo(IN_INODE);
    }

    @Provide
    Arbitrary<BodyFormat> formats() {
        return Arbitraries.of(BodyFormat.class);
    }

    @Example
    void aJsonRecordIsNotOneOfThese() {
        byte[] json = "{\"versionTag\":\"ab\",\"size\":3,\"metadata\":{}}".getBytes();

        assertThat(RecordCodec.decode(json, json.length)).isNull();
    }

    @Example
    void anUnknownNameOrValueKindIsNoRecord() {
        byte[] good = RecordCodec.encode("ab", 3, Map.of("svsize", "3"));
        byte[] unknownName = good.clone();
        unknownName[unknownName.length - 2] = (byte) (1 << 5 | 31);
        byte[] unknownKind = good.clone();
        unknownKind[unknownKind.length - 2] = (byte) (7 << 5 | 1);

        assertThat(RecordCodec.decode(good, good.length).metadata()).containsEntry("svsize", "3");
        assertThat(RecordCodec.decode(unknownName, unknownName.length)).isNull();
        assertThat(RecordCodec.decode(unknownKind, unknownKind.length)).isNull();
    }
}
