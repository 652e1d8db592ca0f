package io.syncvault.storage.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Envelope encryption of a store's master key: a random 256-bit master key, wrapped by
 * key-encryption keys derived from passphrases with scrypt. Adding or removing a passphrase
 * writes or deletes one {@link KeyFile}; object data never changes.
 */
public final class KeyWrapping {

    /** scrypt cost used for new key files: 2^15, r=8, p=1 (32 MiB, a fraction of a second). */
    public static final int DEFAULT_N = 1 << 15;
    public static final int DEFAULT_R = 8;
    public static final int DEFAULT_P = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int n;
    private final int r;
    private final int p;

    public KeyWrapping() {
        this(DEFAULT_N, DEFAULT_R, DEFAULT_P);
    }

    /** Lower costs are for tests only. */
    public KeyWrapping(int n, int r, int p) {
        this.n = n;
        this.r = r;
        this.p = p;
    }

    /** A new random 256-bit master key. */
    public static byte[] newMasterKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The public name of a master key: HMAC-SHA256(master, "syncvault-master-key-id"), first 8 bytes, hex. */
    public static String masterKeyId(byte[] masterKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(masterKey, "HmacSHA256"));
            byte[] id = mac.doFinal("syncvault-master-key-id".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(id, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Wraps {@code masterKey} under {@code passphrase} in a new key file with a fresh id and salt. */
    public KeyFile wrap(byte[] masterKey, String passphrase) {
        requirePassphrase(passphrase);
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String keyId = HexFormat.of().formatHex(idBytes);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        byte[] kek = derive(passphrase, salt, n, r, p);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(associatedData(keyId));
            byte[] wrapped = cipher.doFinal(masterKey);
            Base64.Encoder b64 = Base64.getEncoder();
            return new KeyFile(KeyFile.FORMAT, keyId, masterKeyId(masterKey), "scrypt", n, r, p, b64.encodeToString(salt),
                    "AES-256-GCM", b64.encodeToString(nonce), b64.encodeToString(wrapped), Instant.now().toString());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap the master key", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    /** The master key in {@code file} if {@code passphrase} opens it, else empty. */
    public static Optional<byte[]> unwrap(KeyFile file, String passphrase) {
        if (file.format() != KeyFile.FORMAT || !"scrypt".equals(file.kdf()) || !"AES-256-GCM".equals(file.cipher())) {
            throw new IllegalArgumentException("unsupported key file " + file.keyId() + " (format " + file.format() + ")");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] kek = derive(passphrase, b64.decode(file.salt()), file.n(), file.r(), file.p());
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"),
                    new GCMParameterSpec(128, b64.decode(file.nonce())));
            cipher.updateAAD(associatedData(file.keyId()));
            byte[] master = cipher.doFinal(b64.decode(file.wrappedKey()));
            if (!masterKeyId(master).equals(file.masterKeyId())) {
                return Optional.empty();
            }
            return Optional.of(master);
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot unwrap key file " + file.keyId(), e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    private static byte[] derive(String passphrase, byte[] salt, int n, int r, int p) {
        requirePassphrase(passphrase);
        if (n < 2 || n > (1 << 22) || r < 1 || r > 32 || p < 1 || p > 16) {
            throw new IllegalArgumentException("scrypt parameters out of range");
        }
        return SCrypt.generate(passphrase.getBytes(StandardCharsets.UTF_8), salt, n, r, p, 32);
    }

    private static byte[] associatedData(String keyId) {
        return ("syncvault-key-v1:" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    private static void requirePassphrase(String passphrase) {
        if (passphrase == null || passphrase.isEmpty()) {
            throw new IllegalArgumentException("a passphrase must not be empty");
        }
    }
}
