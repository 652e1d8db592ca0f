package io.syncvault.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider contract against a local folder, plus what only a folder can get wrong (escapes, temp files, sidecars). */
class LocalProviderTest extends ProviderContract {

    @TempDir
    Path root;

    @Override
    protected StorageProvider createProvider() {
        return new LocalProvider(root.resolve("store"));
    }

    @Test
    void keysNeverLeaveTheRoot() throws Exception {
        Path outside = root.resolve("outside");
        Files.createDirectories(outside);
        Files.createSymbolicLink(root.resolve("store/link"), outside);
        for (String key : new String[] {"../x", "a/../../x", "/etc/passwd", "a\\..\\x", "a//b", "./a", "a/.", "x\0y", ""}) {
            assertThatThrownBy(() -> put(key, "x".getBytes(), WriteCondition.NONE, Map.of())).as(key)
                    .isInstanceOf(InvalidKeyException.class);
        }
        assertThatThrownBy(() -> put("link/escape", "x".getBytes(), WriteCondition.NONE, Map.of()))
                .isInstanceOf(InvalidKeyException.class);
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void objectsArePlainFilesAndTempFilesAreHidden() throws Exception {
        put(base + "plain.txt", "readable".getBytes(), WriteCondition.NONE, Map.of());
        Path file = root.resolve("store").resolve(base + "plain.txt");
        assertThat(Files.readString(file)).isEqualTo("readable");
        Files.writeString(file.resolveSibling(LocalProvider.TEMP_PREFIX + "leftover"), "partial");
        assertThat(provider.list(base, null, null, 100).objects()).extracting(ProviderObject::key)
                .containsExactly(base + "plain.txt");
    }

    @Test
    void aFileReplacedByHandGetsANewVersionTag() throws Exception {
        ProviderObject stored = put(base + "edited", "one".getBytes(), WriteCondition.NONE, Map.of("svsha256", "x"));
        Path file = root.resolve("store").resolve(base + "edited");
        Path replacement = root.resolve("replacement");
        Files.writeString(replacement, "edited by hand");
        Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ProviderObject now = provider.head(base + "edited").orElseThrow();
        assertThat(now.versionTag()).isNotEqualTo(stored.versionTag());
        assertThat(now.metadata()).doesNotContainKey("svsha256");
    }
}
