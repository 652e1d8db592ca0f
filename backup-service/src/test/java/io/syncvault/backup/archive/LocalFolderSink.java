package io.syncvault.backup.archive;

import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Parts as files part-NNNNN in a folder: a stand-in store for the pipeline's unit tests. */
final class LocalFolderSink implements PartSink, PartChainInputStream.PartSource {

    private final Path folder;

    LocalFolderSink(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder);
    }

    Path part(int index) {
        return folder.resolve(BackupManifest.partName(index));
    }

    @Override
    public PartOutput open(int index) throws IOException {
        OutputStream out = Files.newOutputStream(part(index));
        return new PartOutput() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void finish(long size, String sha256) throws IOException {
                out.close();
            }

            @Override
            public void abort() {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // nothing to add
                }
            }
        };
    }

    @Override
    public InputStream open(BackupManifest.PartEntry part) throws IOException {
        try {
            return Files.newInputStream(part(part.index()));
        } catch (NoSuchFileException e) {
            throw new BackupCorruptException(BackupManifest.partName(part.index()), null,
                    BackupManifest.partName(part.index()) + " is missing");
        }
    }
}
