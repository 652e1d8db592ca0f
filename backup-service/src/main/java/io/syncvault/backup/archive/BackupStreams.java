package io.syncvault.backup.archive;

import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest.FileEntry;
import io.syncvault.backup.BackupManifest.PartEntry;
import io.syncvault.backup.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.apache.commons.io.input.CloseShieldInputStream;
import org.apache.commons.io.input.ReadAheadInputStream;

/**
 * The two pipelines end to end. Backup: items → tar → compression → parts → sink.
 * Restore/check: parts (each verified) → decompression → untar → target folder (or nowhere).
 */
public final class BackupStreams {

    private BackupStreams() {
    }

    /** What a backup stream produced. */
    public record Written(List<FileEntry> files, List<PartEntry> parts, long storedBytes) {
    }

    public static Written backup(ArchiveWriter writer, Compression compression, long partSize, PartSink sink,
            IntFunction<String> keyOf, ArchiveWriter.Progress progress, BooleanSupplier cancelled) throws IOException {
        PartSplitter splitter = new PartSplitter(sink, partSize, keyOf);
        try {
            List<FileEntry> files = writer.write(splitter, compression, progress, cancelled);
            return new Written(files, splitter.parts(), splitter.totalBytes());
        } catch (IOException | RuntimeException e) {
            splitter.abort();
            throw e;
        }
    }

    /** Decompressed bytes the restore keeps ready ahead of the extractor. */
    static final int READ_AHEAD_BYTES = 1 << 20;

    /**
     * Streams the parts through decompression and untar. Reads every part to its end, so each
     * part's checksum is checked even where the archive ends before the part does. A damaged
     * stream fails with a {@link BackupCorruptException} naming the part being read; a target
     * that cannot be written, with an {@link ArchiveExtractor.TargetException} naming the path;
     * a store that cannot be reached, with a {@link PartChainInputStream.Unavailable}.
     *
     * <p>Download, part checksums and decompression run on a read-ahead thread, up to
     * {@link #READ_AHEAD_BYTES} ahead of the extractor (checksums, file writes) on the caller's
     * thread, so a restore uses two cores.
     */
    public static ArchiveExtractor.Report restore(List<PartEntry> parts, PartChainInputStream.PartSource source,
            Compression compression, Map<String, FileEntry> manifestFiles, ArchiveExtractor.Options options,
            ArchiveExtractor.Progress progress) throws IOException {
        PartChainInputStream chain = new PartChainInputStream(parts, source);
        try (chain) {
            ArchiveExtractor.Report report;
            // the shield keeps the chain open after the read-ahead stream closes: its rest is read below
            try (InputStream ahead = ReadAheadInputStream.builder()
                    .setInputStream(compression.decompress(CloseShieldInputStream.wrap(chain)))
                    .setBufferSize(READ_AHEAD_BYTES).get()) {
                report = new ArchiveExtractor(manifestFiles).extract(ahead, options, progress);
                // to the end of the compressed stream, so the read-ahead thread is done with the chain
                ahead.transferTo(OutputStream.nullOutputStream());
            }
            chain.transferTo(OutputStream.nullOutputStream());
            return report;
        } catch (BackupCorruptException | ArchiveExtractor.TargetException e) {
            // a damaged part, or a target that cannot be written: each says so itself
            throw e;
        } catch (IOException e) {
            // raised on the read-ahead thread and handed over wrapped
            if (e.getCause() instanceof BackupCorruptException corrupt) {
                throw corrupt;
            }
            if (e.getCause() instanceof PartChainInputStream.Unavailable unavailable) {
                throw unavailable;
            }
            String part = chain.currentPart();
            if (part == null) {
                throw e;
            }
            throw new BackupCorruptException(part, null,
                    "the archive is damaged or unreadable in " + part + ": " + e.getMessage(), e);
        }
    }
}
