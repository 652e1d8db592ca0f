package io.syncvault.backup.archive;

import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest.FileEntry;
import io.syncvault.backup.BackupManifest.PartEntry;
import io.syncvault.backup.Compression;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

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

    /**
     * Streams the parts through decompression and untar. Reads every part to its end, so each
     * part's checksum is checked even where the archive ends before the part does. A damaged
     * stream fails with a {@link BackupCorruptException} naming the part being read.
     */
    public static ArchiveExtractor.Report restore(List<PartEntry> parts, PartChainInputStream.PartSource source,
            Compression compression, Map<String, FileEntry> manifestFiles, ArchiveExtractor.Options options,
            ArchiveExtractor.Progress progress) throws IOException {
        PartChainInputStream chain = new PartChainInputStream(parts, source);
        try (chain) {
            ArchiveExtractor.Report report = new ArchiveExtractor(manifestFiles)
                    .extract(compression.decompress(chain), options, progress);
            chain.transferTo(OutputStream.nullOutputStream());
            return report;
        } catch (BackupCorruptException e) {
            throw e;
        } catch (IOException e) {
            String part = chain.currentPart();
            if (part == null) {
                throw e;
            }
            throw new BackupCorruptException(part, null,
                    "the archive is damaged or unreadable in " + part + ": " + e.getMessage(), e);
        }
    }
}
