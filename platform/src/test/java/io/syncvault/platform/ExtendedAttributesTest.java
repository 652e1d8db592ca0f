package io.syncvault.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User attributes read and written in one native call each, interchangeable with the JDK's view. */
class ExtendedAttributesTest {

    @TempDir
    Path dir;

    @Test
    void aWrittenAttributeReadsBackAndAMissingOneIsMinusOne() throws Exception {
        // the machines SyncVault is built and tested on run 64-bit Linux
        assertThat(ExtendedAttributes.nativeCalls()).isTrue();
        Path file = Files.writeString(dir.resolve("ünïcödé ✓ name.txt"), "body");
        ExtendedAttributes.write(file, "sv", ByteBuffer.wrap(bytes("a record")));

        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        assertThat(ExtendedAttributes.read(file, "sv", direct)).isEqualTo(8);
        assertThat(direct.position()).isEqualTo(8);
        assertThat(text(direct.flip())).isEqualTo("a record");

        ByteBuffer heap = ByteBuffer.allocate(64).put((byte) 'x');
        assertThat(ExtendedAttributes.read(file, "sv", heap)).isEqualTo(8);
        assertThat(text(heap.flip())).isEqualTo("xa record");

        assertThat(ExtendedAttributes.read(file, "other", ByteBuffer.allocateDirect(64))).isEqualTo(-1);
        // rewritten with a shorter value: the whole value is replaced
        ExtendedAttributes.write(file, "sv", ByteBuffer.allocateDirect(3).put(bytes("new")).flip());
        assertThat(text(read(file, "sv"))).isEqualTo("new");
    }

    @Test
    void theJdksViewAndTheNativeCallsReadWhatTheOtherWrote() throws Exception {
        Path file = Files.writeString(dir.resolve("shared.txt"), "body");
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        view.write("fromJdk", ByteBuffer.wrap(bytes("written by the JDK")));
        assertThat(text(read(file, "fromJdk"))).isEqualTo("written by the JDK");

        ExtendedAttributes.write(file, "fromNative", ByteBuffer.wrap(bytes("written natively")));
        ByteBuffer back = ByteBuffer.allocate(64);
        view.read("fromNative", back);
        assertThat(text(back.flip())).isEqualTo("written natively");
    }

    @Test
    void aMissingFileAValueTooLargeAndALinkAreErrorsOrAbsent() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> read(missing, "sv")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> ExtendedAttributes.write(missing, "sv", ByteBuffer.wrap(bytes("x"))))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> read(dir.resolve("missing/below"), "sv")).isInstanceOf(NoSuchFileException.class);

        Path file = Files.writeString(dir.resolve("large.txt"), "body");
        ExtendedAttributes.write(file, "sv", ByteBuffer.wrap(new byte[100]));
        assertThatThrownBy(() -> ExtendedAttributes.read(file, "sv", ByteBuffer.allocateDirect(10)))
                .isInstanceOf(IOException.class).hasMessageContaining("errno 34");

        // the link itself is read, never its target (user attributes on a symlink do not exist)
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        assertThat(ExtendedAttributes.read(link, "sv", ByteBuffer.allocateDirect(200))).isEqualTo(-1);
    }

    private static ByteBuffer read(Path file, String name) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(256);
        int n = ExtendedAttributes.read(file, name, buffer);
        assertThat(n).isGreaterThanOrEqualTo(0);
        return buffer.flip();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return new String(out, StandardCharsets.UTF_8);
    }
}
