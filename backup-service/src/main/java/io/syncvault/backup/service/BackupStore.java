package io.syncvault.backup.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.backup.BackupCorruptException;
import io.syncvault.backup.BackupManifest;
import io.syncvault.backup.BackupManifest.PartEntry;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.archive.PartChainInputStream;
import io.syncvault.backup.client.GatewayException;
import io.syncvault.backup.client.GatewayTypes.ObjectItem;
import io.syncvault.backup.client.GatewayTypes.ObjectPage;
import io.syncvault.backup.client.GatewayUnavailableException;
import io.syncvault.backup.client.StorageGatewayClient;
import io.syncvault.gatewayhttp.StalledBodyException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/** Backups as they lie in a store: {@code backups/<id>/part-NNNNN} and {@code backups/<id>/manifest.json}. */
@ApplicationScoped
public class BackupStore {

    static final String ROOT = "backups/";
    /** A manifest lists every file, so it may be large, but never unbounded in practice; still, refuse absurd ones. */
    private static final long MAX_MANIFEST_BYTES = 512L * 1024 * 1024;
    private final StorageGatewayClient gateway;
    private final ObjectMapper json;

    public BackupStore(StorageGatewayClient gateway, ObjectMapper json) {
        this.gateway = gateway;
        this.json = json;
    }

    /** The manifest, or a 404 problem saying the backup does not exist there. */
    public BackupManifest manifest(String store, String id) {
        try (InputStream in = gateway.open(store, BackupManifest.manifestKey(id))) {
            return json.readValue(new LimitedInputStream(in, MAX_MANIFEST_BYTES), BackupManifest.class);
        } catch (GatewayException e) {
            if (e.notFound()) {
                throw new ProblemException(404, "manifest-missing", "Backup has no manifest",
                        "backup " + id + " has no manifest (" + BackupManifest.manifestKey(id) + ") in store '" + store
                                + "': it does not exist; any parts left are orphans")
                        .with("backupId", id);
            }
            throw e;
        } catch (IOException e) {
            if (gatewayUnreachable(store, BackupManifest.manifestKey(id))) {
                throw new GatewayUnavailableException(0, "the manifest of backup " + id
                        + " could not be read: the storage gateway is not reachable (" + e.getMessage() + ")", e);
            }
            throw new ProblemException(422, "manifest-unreadable", "Manifest unreadable",
                    "the manifest of backup " + id + " cannot be read: " + e.getMessage()).with("backupId", id);
        }
    }

    /**
     * Reads parts from the store; a missing part is reported by name. A gateway that cannot be reached, when a part
     * is opened or while it streams, is {@link PartChainInputStream.Unavailable}: an outage says nothing about the
     * backup, so it is not reported as damage.
     */
    public PartChainInputStream.PartSource parts(String store) {
        return new PartChainInputStream.PartSource() {
            @Override
            public InputStream open(PartEntry part) {
                String name = BackupManifest.partName(part.index());
                try {
                    return gateway.open(store, part.key());
                } catch (GatewayException e) {
                    if (e.notFound()) {
                        throw new BackupCorruptException(name, null, name + " is missing from store '" + store + "'");
                    }
                    if (isOutage(e)) {
                        throw new PartChainInputStream.Unavailable(name + " could not be read: " + e.getMessage(), e);
                    }
                    throw new BackupCorruptException(name, null, name + " cannot be read: " + e.getMessage(), e);
                } catch (CircuitBreakerOpenException | TimeoutException e) {
                    throw new PartChainInputStream.Unavailable(name + " could not be read: the storage gateway is not"
                            + " answering (" + e.getClass().getSimpleName() + ")", e);
                }
            }

            @Override
            public boolean unreachable(PartEntry part, IOException failure) {
                // a body that stopped arriving was given up by this side: it says nothing about the part
                return failure instanceof StalledBodyException || gatewayUnreachable(store, part.key());
            }
        };
    }

    /**
     * Asked after a read failed midway: whether the gateway can be reached now. A gateway that answers (whatever the
     * answer) could send the object, so the failure lies with the object; one that does not may have sent it whole.
     */
    private boolean gatewayUnreachable(String store, String key) {
        try {
            gateway.exists(store, key);
            return false;
        } catch (GatewayException e) {
            return isOutage(e);
        } catch (CircuitBreakerOpenException | TimeoutException e) {
            return true;
        }
    }

    /**
     * Not reached, or failing as a whole (502, 503, 504). A 500 is the gateway failing on this object (it answers
     * 500 for a stored object it cannot decode), so it counts as the object's fault.
     */
    private static boolean isOutage(GatewayException e) {
        return e instanceof GatewayUnavailableException && (e.status() == 0 || e.status() >= 502);
    }

    /** The ids of every backup folder in the store, with or without a manifest. */
    public List<String> backupIds(String store) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            ObjectPage page = gateway.list(store, ROOT, "/", cursor);
            for (String prefix : page.prefixes()) {
                String id = prefix.substring(ROOT.length()).replaceAll("/+$", "");
                if (!id.isEmpty()) {
                    ids.add(id);
                }
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return ids;
    }

    public boolean hasManifest(String store, String id) {
        return gateway.exists(store, BackupManifest.manifestKey(id));
    }

    /** Deletes every object under {@code backups/<id>/}; returns how many. */
    public int deleteAll(String store, String id) {
        int deleted = 0;
        // always list from the start: what was deleted is no longer listed
        while (true) {
            ObjectPage page = gateway.list(store, ROOT + id + "/", null, null);
            if (page.items().isEmpty()) {
                return deleted;
            }
            for (ObjectItem item : page.items()) {
                gateway.delete(store, item.key());
                deleted++;
            }
        }
    }

    public void deleteManifest(String store, String id) {
        gateway.delete(store, BackupManifest.manifestKey(id));
    }

    /** Stops reading past a limit, failing rather than truncating. */
    private static final class LimitedInputStream extends java.io.FilterInputStream {
        private long left;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw new IOException("manifest larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && (left -= n) < 0) {
                throw new IOException("manifest larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            return n;
        }
    }
}
