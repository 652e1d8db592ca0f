package io.syncvault.backup.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncvault.backup.BackupManifest.PartEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Cutting a stream into parts: sizes, checksums, no empty part, confirmation at the end. */
class PartSplitterTest {

    /** Keeps parts in memory (test data is small) and records the calls a sink gets. */
    static final class RecordingSink implements PartSink {
        final List<ByteArrayOutputStream> parts = new ArrayList<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public PartOutput open(int index) {
            ByteArrayOutputStream part = new ByteArrayOutputStream();
            parts.add(part);
            calls.add("open " + index);
            return new PartOutput() {
                @Override
                public void write(byte[] b, int off, int len) {
                    part.write(b, off, len);
                }

                @Override
                public void finish(long size, String sha256) {
                    calls.add("finish " + index + " " + size);
                }

                @Override
                public void abort() {
                    calls.add("abort " + index);
                }
            };
        }

        @Override
        public void flush() {
            calls.add("flush");
        }

        @Override
        public void abandon() {
            calls.add("abandon");
        }
    }

    @Property(tries = 200)
    void partsConcatenateToTheInputWithCorrectSizesAndChecksums(@ForAll @IntRange(max = 5000) int length,
            @ForAll @IntRange(min = 1, max = 700) int partSize, @ForAll @IntRange(min = 1, max = 900) int chunk)
            throws Exception {
        byte[] data = new byte[length];
        new Random(length * 31L + partSize).nextBytes(data);
        RecordingSink sink = new RecordingSink();
        PartSplitter splitter = new PartSplitter(sink, partSize, i -> "p" + i);
        for (int off = 0; off < length; off += chunk) {
            splitter.write(data, off, Math.min(chunk, length - off));
        }
        splitter.close();

        List<PartEntry> parts = splitter.parts();
        assertThat(parts).hasSize((length + partSize - 1) / partSize);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (PartEntry p : parts) {
            byte[] bytes = sink.parts.get(p.index()).toByteArray();
            assertThat(p.size()).isEqualTo(bytes.length).isPositive().isLessThanOrEqualTo(partSize);
            assertThat(p.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            joined.write(bytes);
        }
        assertThat(joined.toByteArray()).isEqualTo(data);
        assertThat(sink.calls).last().isEqualTo("flush");
        assertThat(splitter.totalBytes()).isEqualTo(length);
    }

    @Property(tries = 20)
    void anAbortAbandonsThePartInProgressAndThePendingOnes(@ForAll @IntRange(min = 1, max = 99) int written)
            throws IOException {
        RecordingSink sink = new RecordingSink();
        PartSplitter splitter = new PartSplitter(sink, 40, i -> "p" + i);
        splitter.write(new byte[written], 0, written);
        splitter.abort();
        assertThat(sink.calls).last().isEqualTo("abandon");
        if (written % 40 != 0) {
            assertThat(sink.calls).contains("abort " + (written / 40));
        }
        assertThat(sink.calls).doesNotContain("flush");
    }
}
