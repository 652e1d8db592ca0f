package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a verified download takes its final name: never over something that appeared since the plan. */
class DownloadPlacementTest {

    @TempDir
    Path dir;

    private Path downloaded(String content) throws Exception {
        Path tmp = dir.resolve(LocalScanner.TEMP_PREFIX + "1");
        Files.writeString(tmp, content);
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(1_700_000_000_000L));
        return tmp;
    }

    @Test
    void aNewFileTakesItsNameWithItsMtimeAndTheTempNameGoes() throws Exception {
        Path tmp = downloaded("remote");
        Path target = dir.resolve("a.txt");
        assertThat(SyncEngine.placeNew(tmp, target)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("remote");
        assertThat(Files.getLastModifiedTime(target).toMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(tmp).doesNotExist();
        assertThat(Files.getAttribute(target, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void aFileThatAppearedSinceThePlanIsKept() throws Exception {
        Path tmp = downloaded("remote");
        Path target = dir.resolve("a.txt");
        Files.writeString(target, "written locally meanwhile");
        assertThat(SyncEngine.placeNew(tmp, target)).isFalse();
        assertThat(Files.readString(target)).isEqualTo("written locally meanwhile");
        assertThat(tmp).exists();
    }

    @Test
    void aDanglingLinkThatAppearedIsNotReplacedEither() throws Exception {
        Path tmp = downloaded("remote");
        Path target = dir.resolve("a.txt");
        Files.createSymbolicLink(target, dir.resolve("nowhere"));
        assertThat(SyncEngine.placeNew(tmp, target)).isFalse();
        assertThat(Files.isSymbolicLink(target)).isTrue();
        assertThat(Files.exists(target.resolveSibling("nowhere"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void aChangedFileIsReplacedOnlyWhileItIsAsThePlanSawIt() throws Exception {
        Path target = dir.resolve("a.txt");
        Files.writeString(target, "local");
        Files.setLastModifiedTime(target, FileTime.fromMillis(1_000_000));
        FileState seen = FileState.local(5, 1_000_000, null);

        Files.writeString(target, "local, edited");
        Path tmp = downloaded("remote");
        assertThat(SyncEngine.replace(tmp, target, seen)).isFalse();
        assertThat(Files.readString(target)).isEqualTo("local, edited");

        Files.writeString(target, "local");
        Files.setLastModifiedTime(target, FileTime.fromMillis(1_000_000));
        assertThat(SyncEngine.replace(tmp, target, seen)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("remote");
        assertThat(tmp).doesNotExist();
    }
}
