package io.syncvault.storage.crypto;

import io.quarkus.runtime.StartupEvent;
import io.syncvault.storage.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.jboss.logging.Logger;

/**
 * Runs the object cipher and SHA-256 over throwaway data on a low-priority background thread at
 * start. HotSpot uses the AES-NI/CLMUL and SHA intrinsics only in code its optimizing compiler has
 * compiled, which it does after thousands of calls; a fresh gateway otherwise serves its first
 * gigabytes with GHASH in plain Java. Small segments here make those calls happen within a few MiB.
 */
@ApplicationScoped
public class CipherWarmup {

    private static final Logger LOG = Logger.getLogger(CipherWarmup.class);
    private static final int SEGMENT = 4096;
    private static final int ROUND_BYTES = 1 << 20;

    void onStart(@Observes StartupEvent event, GatewayConfig config) {
        int mb = config.cipherWarmupMb();
        if (mb <= 0) {
            return;
        }
        Thread thread = new Thread(() -> {
            long start = System.nanoTime();
            try {
                run(mb);
                LOG.debugf("cipher warm-up: %d MiB in %d ms", mb, (System.nanoTime() - start) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cipher warm-up failed (the gateway works, its first large objects are slower): %s", e.toString());
            }
        }, "cipher-warmup");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /** Encrypts, decrypts and hashes {@code mb} MiB in 1 MiB rounds; fails if a round does not read back. */
    public static long run(int mb) throws IOException {
        byte[] key = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(key);
        ObjectCipher cipher = new ObjectCipher(key, SEGMENT);
        byte[] plain = new byte[ROUND_BYTES];
        random.nextBytes(plain);
        byte[] back = new byte[ROUND_BYTES];
        MessageDigest sha = sha256();
        long total = 0;
        for (long done = 0; done < (long) mb << 20; done += ROUND_BYTES) {
            ByteArrayOutputStream stored = new ByteArrayOutputStream(ROUND_BYTES + (ROUND_BYTES / 64));
            try (OutputStream out = cipher.encrypt(stored, "warmup", "warmup", Compression.NONE)) {
                for (int at = 0; at < ROUND_BYTES; at += 1 << 16) {
                    out.write(plain, at, 1 << 16);
                }
            }
            try (InputStream in = cipher.decrypt(new ByteArrayInputStream(stored.toByteArray()), "warmup", "warmup")) {
                int n = in.readNBytes(back, 0, back.length);
                if (n != ROUND_BYTES || in.read() != -1 || !Arrays.equals(plain, back)) {
                    throw new IOException("the warm-up round did not read back");
                }
            }
            sha.update(back);
            total += ROUND_BYTES;
        }
        sha.digest();
        return total;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
