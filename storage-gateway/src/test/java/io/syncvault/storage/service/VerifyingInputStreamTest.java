package io.syncvault.storage.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The end-of-object checks: the byte count always, the SHA-256 when one is given. */
class VerifyingInputStreamTest {

    private static final byte[] CONTENT = "twelve bytes".getBytes();

    @Test
    void aMatchingObjectEndsCleanly() throws Exception {
        assertThat(drain(new VerifyingInputStream(new ByteArrayInputStream(CONTENT), sha256(CONTENT), CONTENT.length)))
                .isEqualTo(CONTENT.length);
        assertThat(drain(new VerifyingInputStream(new ByteArrayInputStream(CONTENT), null, CONTENT.length)))
                .isEqualTo(CONTENT.length);
    }

    @Test
    void otherBytesOfTheSameLengthFailOnlyWhenTheSha256IsChecked() throws Exception {
        byte[] other = "twelve BYTES".getBytes();

        assertThatThrownBy(() -> drain(new VerifyingInputStream(new ByteArrayInputStream(other), sha256(CONTENT), CONTENT.length)))
                .isInstanceOf(IOException.class).hasMessageContaining("SHA-256");
        // left to the format (AES-GCM) when it is authenticated
        assertThat(drain(new VerifyingInputStream(new ByteArrayInputStream(other), null, CONTENT.length))).isEqualTo(other.length);
    }

    @Test
    void aShorterOrLongerObjectFailsEitherWay() {
        for (String sha : new String[] {sha256(CONTENT), null}) {
            assertThatThrownBy(() -> drain(new VerifyingInputStream(new ByteArrayInputStream(CONTENT, 0, 11), sha, CONTENT.length)))
                    .isInstanceOf(IOException.class).hasMessageContaining("11 bytes instead of 12");
            assertThatThrownBy(() -> drain(new VerifyingInputStream(new ByteArrayInputStream((new String(CONTENT) + "!").getBytes()),
                    sha, CONTENT.length))).isInstanceOf(IOException.class).hasMessageContaining("longer than recorded");
        }
    }

    private static long drain(InputStream in) throws IOException {
        try (in) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
