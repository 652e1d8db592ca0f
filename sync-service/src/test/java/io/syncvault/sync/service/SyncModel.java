package io.syncvault.sync.service;

import io.syncvault.sync.SyncDirection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory local folder, remote prefix (with kept versions) and journal, and an applier that
 * carries out a plan on them the way the engine does on disk and through the gateway.
 */
final class SyncModel {

    record Content(String text, long mtime) {
        FileState local() {
            return FileState.local(text.length(), mtime, sha(text));
        }
    }

    record Remote(String text, long mtime, String tag) {
        FileState state() {
            return FileState.remote(text.length(), mtime, sha(text), tag);
        }
    }

    final Map<String, Content> local = new TreeMap<>();
    final Map<String, Remote> remote = new TreeMap<>();
    final Map<String, JournalState> journal = new TreeMap<>();
    final Map<String, List<String>> versions = new HashMap<>();
    private int nextTag;

    Map<String, FileState> localStates() {
        Map<String, FileState> m = new TreeMap<>();
        local.forEach((p, c) -> m.put(p, c.local()));
        return m;
    }

    Map<String, FileState> remoteStates() {
        Map<String, FileState> m = new TreeMap<>();
        remote.forEach((p, r) -> m.put(p, r.state()));
        return m;
    }

    Map<String, String> localTexts() {
        Map<String, String> m = new TreeMap<>();
        local.forEach((p, c) -> m.put(p, c.text()));
        return m;
    }

    Map<String, String> remoteTexts() {
        Map<String, String> m = new TreeMap<>();
        remote.forEach((p, r) -> m.put(p, r.text()));
        return m;
    }

    /** A remote write as another device would make it: new tag, previous content kept as a version. */
    void putRemote(String path, String text, long mtime) {
        Remote old = remote.put(path, new Remote(text, mtime, "v" + (++nextTag)));
        if (old != null) {
            versions.computeIfAbsent(path, k -> new ArrayList<>()).add(old.text());
        }
    }

    void deleteRemote(String path) {
        Remote old = remote.remove(path);
        if (old != null) {
            versions.computeIfAbsent(path, k -> new ArrayList<>()).add(old.text());
        }
    }

    /** Puts both sides and the journal in the agreed state a successful sync leaves. */
    void synced(String path, String text, long mtime) {
        local.put(path, new Content(text, mtime));
        putRemote(path, text, mtime);
        journal.put(path, JournalState.of(local.get(path).local(), remote.get(path).tag()));
    }

    void apply(SyncPlan plan, SyncDirection direction) {
        for (SyncAction a : plan.actions()) {
            String p = a.path();
            switch (a.kind()) {
                case UPLOAD -> {
                    Content c = local.get(p);
                    putRemote(p, c.text(), c.mtime());
                    journal.put(p, JournalState.of(c.local(), remote.get(p).tag()));
                }
                case DOWNLOAD -> download(p);
                case DELETE_LOCAL -> {
                    local.remove(p);
                    journal.remove(p);
                }
                case MOVE_LOCAL -> {
                    local.remove(a.otherPath());
                    journal.remove(a.otherPath());
                    download(p);
                }
                case MOVE_REMOTE -> {
                    Content c = local.get(p);
                    putRemote(p, c.text(), c.mtime());
                    journal.put(p, JournalState.of(c.local(), remote.get(p).tag()));
                    deleteRemote(a.otherPath());
                    journal.remove(a.otherPath());
                }
                case DELETE_REMOTE -> {
                    deleteRemote(p);
                    journal.remove(p);
                }
                case KEEP_BOTH -> {
                    Content mine = local.remove(p);
                    local.put(a.otherPath(), mine);
                    if (direction.writesRemote()) {
                        putRemote(a.otherPath(), mine.text(), mine.mtime());
                        journal.put(a.otherPath(), JournalState.of(mine.local(), remote.get(a.otherPath()).tag()));
                    }
                    download(p);
                }
                case RECORD_CONFLICT -> {
                }
                case JOURNAL_UPDATE -> journal.put(p, a.agreedJournal());
                case JOURNAL_REMOVE -> journal.remove(p);
                default -> throw new IllegalStateException();
            }
        }
    }

    private void download(String p) {
        Remote r = remote.get(p);
        local.put(p, new Content(r.text(), r.mtime()));
        journal.put(p, JournalState.of(local.get(p).local(), r.tag()));
    }

    static String sha(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
