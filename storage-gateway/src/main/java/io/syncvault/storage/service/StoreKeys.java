package io.syncvault.storage.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.storage.crypto.KeyFile;
import io.syncvault.storage.crypto.KeyWrapping;
import io.syncvault.storage.provider.ObjectNotFoundException;
import io.syncvault.storage.provider.ProviderListing;
import io.syncvault.storage.provider.ProviderObject;
import io.syncvault.storage.provider.ProviderRead;
import io.syncvault.storage.provider.StorageProvider;
import io.syncvault.storage.provider.WriteCondition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store's key ring: the key files under {@code .syncvault/keys/} that each wrap the store's
 * master key under one passphrase. Opening finds the master key with the configured
 * passphrase (creating the first key file for a new store); passphrases are added and removed
 * without touching any object.
 */
public final class StoreKeys {

    public static final String KEYS_PREFIX = ".syncvault/keys/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String store;
    private final StorageProvider provider;
    private final KeyWrapping wrapping;
    private final byte[] masterKey;

    private StoreKeys(String store, StorageProvider provider, KeyWrapping wrapping, byte[] masterKey) {
        this.store = store;
        this.provider = provider;
        this.wrapping = wrapping;
        this.masterKey = masterKey;
    }

    /**
     * Unwraps the store's master key with {@code passphrase}, or creates the master key and its
     * first key file when the store has none.
     *
     * @throws IllegalStateException when key files exist and the passphrase opens none of them
     */
    public static StoreKeys open(String store, StorageProvider provider, String passphrase, KeyWrapping wrapping) {
        List<KeyFile> files = readAll(provider);
        if (files.isEmpty()) {
            byte[] master = KeyWrapping.newMasterKey();
            KeyFile first = wrapping.wrap(master, passphrase);
            write(provider, first);
            return new StoreKeys(store, provider, wrapping, master);
        }
        for (KeyFile file : files) {
            Optional<byte[]> master = KeyWrapping.unwrap(file, passphrase);
            if (master.isPresent()) {
                return new StoreKeys(store, provider, wrapping, master.get());
            }
        }
        throw new IllegalStateException("store '" + store + "': the configured passphrase opens none of its "
                + files.size() + " key file(s) under " + KEYS_PREFIX + " (wrong passphrase?)");
    }

    public byte[] masterKey() {
        return masterKey.clone();
    }

    /** Wraps the master key under another passphrase; returns the new key id. */
    public String addPassphrase(String passphrase) {
        KeyFile file = wrapping.wrap(masterKey, passphrase);
        write(provider, file);
        return file.keyId();
    }

    /**
     * Removes one key file.
     *
     * @throws ObjectNotFoundException when there is no such key
     * @throws IllegalStateException when it is the last one (the data would become unreadable)
     */
    public synchronized void removePassphrase(String keyId) {
        List<KeyFile> files = readAll(provider);
        if (files.stream().noneMatch(f -> f.keyId().equals(keyId))) {
            throw new ObjectNotFoundException("no key " + keyId + " in store " + store);
        }
        if (files.size() == 1) {
            throw new IllegalStateException("key " + keyId + " is the last passphrase of store " + store);
        }
        provider.delete(KEYS_PREFIX + keyId + ".json", null);
    }

    public List<String> keyIds() {
        return readAll(provider).stream().map(KeyFile::keyId).toList();
    }

    private static void write(StorageProvider provider, KeyFile file) {
        try {
            provider.put(KEYS_PREFIX + file.keyId() + ".json", new ByteArrayInputStream(JSON.writeValueAsBytes(file)),
                    WriteCondition.createOnly(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<KeyFile> readAll(StorageProvider provider) {
        List<KeyFile> files = new ArrayList<>();
        String cursor = null;
        do {
            ProviderListing page = provider.list(KEYS_PREFIX, "/", cursor, 1000);
            for (ProviderObject o : page.objects()) {
                if (!o.key().endsWith(".json")) {
                    continue;
                }
                try (ProviderRead read = provider.get(o.key(), 0, 64 * 1024)) {
                    files.add(JSON.readValue(read.body().readNBytes(64 * 1024), KeyFile.class));
                } catch (ObjectNotFoundException e) {
                    // removed meanwhile
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read key file " + o.key(), e);
                }
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return files;
    }
}
