package io.syncvault.sync.service;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The sync journal in PostgreSQL, read and written with plain batched JDBC because a run
 * touches thousands of rows. Writes join the caller's transaction when there is one.
 */
@ApplicationScoped
public class JournalStore {

    private final AgroalDataSource db;

    public JournalStore(AgroalDataSource db) {
        this.db = db;
    }

    public Map<String, JournalState> load(UUID itemId) {
        Map<String, JournalState> journal = new HashMap<>();
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "select path, size, mtime, sha256, version_tag from sync_journal where item_id = ?")) {
            s.setObject(1, itemId);
            s.setFetchSize(2000);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    journal.put(r.getString(1), new JournalState(r.getLong(2), r.getLong(3), r.getString(4), r.getString(5)));
                }
            }
            return journal;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the journal of item " + itemId, e);
        }
    }

    public void upsert(UUID itemId, Map<String, JournalState> entries) {
        if (entries.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("insert into sync_journal (item_id, path, size, mtime, sha256, version_tag)"
                        + " values (?, ?, ?, ?, ?, ?) on conflict (item_id, path) do update set size = excluded.size,"
                        + " mtime = excluded.mtime, sha256 = excluded.sha256, version_tag = excluded.version_tag")) {
            for (var e : entries.entrySet()) {
                s.setObject(1, itemId);
                s.setString(2, e.getKey());
                s.setLong(3, e.getValue().size());
                s.setLong(4, e.getValue().mtime());
                s.setString(5, e.getValue().sha256());
                s.setString(6, e.getValue().versionTag());
                s.addBatch();
            }
            s.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the journal of item " + itemId, e);
        }
    }

    public void remove(UUID itemId, Collection<String> paths) {
        if (paths.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("delete from sync_journal where item_id = ? and path = ?")) {
            for (String p : paths) {
                s.setObject(1, itemId);
                s.setString(2, p);
                s.addBatch();
            }
            s.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the journal of item " + itemId, e);
        }
    }

    public void clear(UUID itemId) {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("delete from sync_journal where item_id = ?")) {
            s.setObject(1, itemId);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot clear the journal of item " + itemId, e);
        }
    }
}
