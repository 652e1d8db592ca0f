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
import java.util.Random;
import org.jboss.logging.Logger;

/**
 * Runs the object cipher and SHA-256 over throwaway data on a low-priority background thread at
 * start. HotSpot uses the AES-NI/CLMUL and SHA intrinsics only in code its optimizing compiler has
 * compiled, which it does after thousands of calls; a fresh gateway otherwise serves its first
 * gigabytes with GHASH in plain Java. Small segments here make those calls happen within a few MiB.
 * <p>
 * Compiled code holds only the paths its profile saw, so the warm-up first does what would
 * otherwise take paths the rounds never do: it loads jose4j's algorithm registry, which the first
 * token check would load later, and which tries AES-GCM with 128-bit keys and no associated data.
 * Run after the warm-up, those trials sent a dozen compiled AES-GCM methods back to the
 * interpreter at the first request, and under the load of a first sync GHASH then ran as plain Java
 * for seconds. Each round also stores and reads back objects shaped like requests: odd sizes from
 * empty to a few segments, announced sizes (small segments), keys of varied length.
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
                loadTokenAlgorithms();
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

    /** Loads jose4j's algorithm registry now (its static initialisation tries each algorithm), if it is there. */
    static void loadTokenAlgorithms() {
        try {
            Class.forName("org.jose4j.jwa.AlgorithmFactoryFactory", true, CipherWarmup.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debugf("no jose4j algorithm registry to load: %s", e.toString());
        }
    }

    /** Encrypts, decrypts and hashes {@code mb} MiB in 1 MiB rounds; fails if a round does not read back. */
    public static long run(int mb) throws IOException {
        byte[] key = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(key);
        ObjectCipher cipher = new ObjectCipher(key, SEGMENT);
        ObjectCipher objects = new ObjectCipher(key);
        byte[] plain = new byte[ROUND_BYTES];
        random.nextBytes(plain);
        byte[] back = new byte[ROUND_BYTES];
        MessageDigest sha = sha256();
        Random shapes = new Random(random.nextLong());
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
            objectsLikeTraffic(objects, plain, shapes, sha);
            total += ROUND_BYTES;
        }
        sha.digest();
        return total;
    }

    /** Small objects of odd sizes with their size announced, under keys of varied length, and one larger object. */
    private static void objectsLikeTraffic(ObjectCipher cipher, byte[] data, Random random, MessageDigest sha)
            throws IOException {
        for (int i = 0; i < 16; i++) {
            int size = i == 0 ? 0 : random.nextInt(i < 12 ? 20_000 : 200_000);
            roundTrip(cipher, data, random, sha, size, "warmup/" + "k".repeat(1 + random.nextInt(120)), size);
        }
        roundTrip(cipher, data, random, sha, 300_000 + random.nextInt(100_000), "warmup/large", -1);
    }

    private static void roundTrip(ObjectCipher cipher, byte[] data, Random random, MessageDigest sha, int size, String key,
            long hint) throws IOException {
        int from = random.nextInt(data.length - size + 1);
        byte[] plain = Arrays.copyOfRange(data, from, from + size);
        ByteArrayOutputStream stored = new ByteArrayOutputStream(size + 256);
        try (OutputStream out = cipher.encrypt(stored, "warmup", key, Compression.NONE, hint)) {
            // pieces of varied length, as a request body arrives
            for (int at = 0; at < size; ) {
                int n = Math.min(size - at, 1 + random.nextInt(1 << 16));
                out.write(plain, at, n);
                at += n;
            }
        }
        try (InputStream in = cipher.decrypt(new ByteArrayInputStream(stored.toByteArray()), "warmup", key)) {
            byte[] back = new byte[size];
            if (in.readNBytes(back, 0, size) != size || in.read() != -1 || !Arrays.equals(plain, back)) {
                throw new IOException("a warm-up object of " + size + " bytes did not read back");
            }
            sha.update(back);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
