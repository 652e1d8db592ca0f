package io.syncvault.storage.crypto;

/**
 * One passphrase's wrapping of a store's master key, stored as
 * {@code .syncvault/keys/<keyId>.json}. The key-encryption key is
 * {@code scrypt(passphrase UTF-8, salt, n, r, p, 32 bytes)}; {@code wrappedKey} is the
 * AES-256-GCM encryption of the 32-byte master key under it with {@code nonce} and the
 * associated data {@code "syncvault-key-v1:" + keyId}, the 16-byte tag appended.
 * {@code masterKeyId} names the master key (the same in every key file of a store) without
 * revealing it. Binary fields are standard base64.
 */
public record KeyFile(int format, String keyId, String masterKeyId, String kdf, int n, int r, int p, String salt,
        String cipher, String nonce, String wrappedKey, String created) {

    public static final int FORMAT = 1;
}
