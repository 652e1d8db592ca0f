package io.syncvault.storage.service;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes a whole object's content through and, at its end, checks the byte count and (when one
 * is given) the SHA-256 recorded when it was written; a mismatch is an {@link IOException} instead
 * of a clean end, so the client never takes a wrong body for a good one.
 */
final class VerifyingInputStream extends FilterInputStream {

    /** Null when no SHA-256 is checked. */
    private final MessageDigest digest;
    private final String expectedSha256;
    private final long expectedSize;
    private long count;
    private boolean checked;

    VerifyingInputStream(InputStream in, String expectedSha256, long expectedSize) {
        super(in);
        this.expectedSha256 = expectedSha256;
        this.expectedSize = expectedSize;
        try {
            this.digest = expectedSha256 == null ? null : MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            check();
            return -1;
        }
        if (digest != null) {
            digest.update(b, off, n);
        }
        count += n;
        if (count > expectedSize) {
            throw new IOException("integrity check failed: the object is longer than recorded");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skipping is not supported while verifying");
    }

    private void check() throws IOException {
        if (checked) {
            return;
        }
        checked = true;
        if (count != expectedSize) {
            throw new IOException("integrity check failed: " + count + " bytes instead of " + expectedSize);
        }
        if (digest != null && !HexFormat.of().formatHex(digest.digest()).equals(expectedSha256)) {
            throw new IOException("integrity check failed: SHA-256 of the content does not match the recorded one");
        }
    }
}
