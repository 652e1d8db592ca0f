package io.syncvault.sync.service;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Predicate;

/**
 * Names the copy that keeps a conflict's losing file: {@code name.conflict-<UTC yyyyMMdd-HHmmss>-<node>.ext}
 * in the same folder (a leading dot is part of the name, not an extension). A taken name gets
 * {@code -2}, {@code -3}... so a copy never overwrites anything.
 */
public final class ConflictNames {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private ConflictNames() {
    }

    public static String copyName(String path, Instant when, String node, Predicate<String> taken) {
        int slash = path.lastIndexOf('/');
        String dir = path.substring(0, slash + 1);
        String file = path.substring(slash + 1);
        int dot = file.lastIndexOf('.');
        String base = dot > 0 ? file.substring(0, dot) : file;
        String ext = dot > 0 ? file.substring(dot) : "";
        String stem = dir + base + ".conflict-" + STAMP.format(when) + "-" + safeNode(node);
        String candidate = stem + ext;
        for (int n = 2; taken.test(candidate); n++) {
            candidate = stem + "-" + n + ext;
        }
        return candidate;
    }

    /** Whether a path is a conflict copy this naming produced. */
    public static boolean isCopy(String path) {
        return path.matches("(?s).*\\.conflict-\\d{8}-\\d{6}-[^/]*");
    }

    static String safeNode(String node) {
        String s = node == null ? "" : node.replaceAll("[^A-Za-z0-9_-]", "_");
        return s.isEmpty() ? "node" : s;
    }
}
