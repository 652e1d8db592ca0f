package io.syncvault.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file-system flush that makes a batch of files durable at once. */
class FileSystemFlushTest {

    @TempDir
    Path dir;

    @Test
    void onlyKernelsThatReportWriteBackErrorsFromSyncfsAreTrusted() {
        assertThat(FileSystemFlush.trustedKernel("5.8.0")).isTrue();
        assertThat(FileSystemFlush.trustedKernel("6.18.44-fc-v669")).isTrue();
        assertThat(FileSystemFlush.trustedKernel("10.0")).isTrue();
        assertThat(FileSystemFlush.trustedKernel("5.7.19-generic")).isFalse();
        assertThat(FileSystemFlush.trustedKernel("4.19.0")).isFalse();
        assertThat(FileSystemFlush.trustedKernel("")).isFalse();
    }

    @Test
    void aFlushOfTheFileSystemOfAFileOrFolderReturnsAndAMissingPathIsAnError() throws Exception {
        // the machines SyncVault is built and tested on run Linux 5.8 or later
        assertThat(FileSystemFlush.available()).isTrue();
        Path file = Files.writeString(dir.resolve("written.txt"), "bytes to write back");
        FileSystemFlush.flush(file);
        FileSystemFlush.flush(dir);
        assertThatThrownBy(() -> FileSystemFlush.flush(dir.resolve("missing")))
                .isInstanceOf(IOException.class).hasMessageContaining("missing").hasMessageContaining("errno 2");
    }

    @Test
    void anOpenFileSystemFlushesAsOftenAsAskedUntilItIsClosed() throws Exception {
        FileSystemFlush fileSystem = FileSystemFlush.open(dir);
        try (fileSystem) {
            Files.writeString(dir.resolve("first.txt"), "first");
            fileSystem.flush();
            Files.writeString(dir.resolve("second.txt"), "second");
            fileSystem.flush();
        }
        assertThatThrownBy(fileSystem::flush).isInstanceOf(IOException.class).hasMessageContaining("closed");
        fileSystem.close();
        assertThatThrownBy(() -> FileSystemFlush.open(dir.resolve("missing"))).isInstanceOf(IOException.class)
                .hasMessageContaining("errno 2");
    }
}
