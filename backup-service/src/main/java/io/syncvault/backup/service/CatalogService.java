package io.syncvault.backup.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.syncvault.backup.Backup;
import io.syncvault.backup.BackupManifest;
import io.syncvault.platform.ProblemException;
import io.syncvault.backup.client.GatewayTypes.StoreInfo;
import io.syncvault.backup.client.StorageGatewayClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The catalog is a cache of the manifests in the stores: rebuilding it reads every store's
 * {@code backups/} folder, (re)adds each backup that has a manifest and drops completed rows
 * whose manifest is gone.
 */
@ApplicationScoped
public class CatalogService {

    private final StorageGatewayClient gateway;
    private final BackupStore store;
    private final ObjectMapper json;

    public CatalogService(StorageGatewayClient gateway, BackupStore store, ObjectMapper json) {
        this.gateway = gateway;
        this.store = store;
        this.json = json;
    }

    /** What a rebuild found. */
    public record RebuildReport(int stores, int backups, int added, int removed, List<String> withoutManifest) {
    }

    public RebuildReport rebuild() {
        int added = 0;
        int found = 0;
        List<String> orphans = new java.util.ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<StoreInfo> stores = gateway.stores();
        for (StoreInfo s : stores) {
            for (String id : store.backupIds(s.name())) {
                BackupManifest m;
                try {
                    m = store.manifest(s.name(), id);
                } catch (ProblemException e) {
                    if (e.status() == 404) {
                        orphans.add(s.name() + "/" + id);
                        continue;
                    }
                    throw e;
                }
                found++;
                seen.add(id);
                if (upsert(s.name(), m)) {
                    added++;
                }
            }
        }
        int removed = QuarkusTransaction.requiringNew().call(() -> {
            int n = 0;
            for (Backup b : Backup.<Backup>list("status", Backup.Status.COMPLETED)) {
                if (!seen.contains(b.id)) {
                    b.delete();
                    n++;
                }
            }
            return n;
        });
        return new RebuildReport(stores.size(), found, added, removed, orphans);
    }

    private boolean upsert(String storeName, BackupManifest m) {
        String manifestJson;
        try {
            manifestJson = json.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Backup b = Backup.findById(m.id());
            boolean isNew = b == null;
            if (isNew) {
                b = new Backup();
                b.id = m.id();
            }
            b.definitionId = m.definitionId() == null ? null : UUID.fromString(m.definitionId());
            b.definitionName = m.definitionName();
            b.store = storeName;
            b.status = Backup.Status.COMPLETED;
            b.createdAt = m.created();
            b.completedAt = m.completed();
            b.heartbeatAt = Instant.now();
            b.filesTotal = m.totals().files();
            b.filesDone = m.totals().files();
            b.bytesTotal = m.totals().bytes();
            b.bytesDone = m.totals().bytes();
            b.partsDone = m.totals().parts();
            b.storedBytes = m.totals().storedBytes();
            b.error = null;
            b.manifest = manifestJson;
            if (isNew) {
                b.persist();
            }
            return isNew;
        });
    }
}
