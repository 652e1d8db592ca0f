package io.syncvault.storage.service;

import io.quarkus.runtime.Startup;
import io.syncvault.platform.ProblemException;
import io.syncvault.storage.config.GatewayConfig;
import io.syncvault.storage.config.GatewayConfig.StoreConfig;
import io.syncvault.storage.crypto.KeyWrapping;
import io.syncvault.storage.crypto.ObjectCipher;
import io.syncvault.storage.provider.StorageProvider;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The configured stores, built at start: a store that cannot be opened (missing root or
 * bucket, unknown provider, wrong passphrase) stops the gateway with a message naming it.
 */
@Startup
@ApplicationScoped
public class StoreRegistry {

    private static final Logger LOG = Logger.getLogger(StoreRegistry.class);
    private final Map<String, Store> stores = new TreeMap<>();

    public StoreRegistry(GatewayConfig config) {
        config.stores().forEach((name, storeConfig) -> stores.put(name, open(name, storeConfig)));
        LOG.infof("stores: %s", stores.keySet());
    }

    static Store open(String name, StoreConfig config) {
        StorageProvider provider = Providers.create(name, config);
        if (!config.encryption()) {
            return new Store(name, config, provider, null, null);
        }
        String passphrase = Secrets.resolve(config.passphrase(), "syncvault.gateway.stores." + name + ".passphrase")
                .orElseThrow(() -> new IllegalStateException("store '" + name + "' is encrypted but has no passphrase: set "
                        + "syncvault.gateway.stores." + name + ".passphrase (or turn encryption off)"));
        StoreKeys keys = StoreKeys.open(name, provider, passphrase, new KeyWrapping());
        return new Store(name, config, provider, new ObjectCipher(keys.masterKey()), keys);
    }

    /** The store called {@code name}; 404 when there is none. */
    public Store get(String name) {
        Store store = stores.get(name);
        if (store == null) {
            throw ProblemException.notFound("no store named " + name);
        }
        return store;
    }

    public Collection<Store> all() {
        return stores.values();
    }

    @PreDestroy
    void close() {
        stores.values().forEach(s -> s.provider().close());
    }
}
