package io.syncvault.backup.archive;

import java.util.List;
import java.util.function.Predicate;

/** Which archived paths a restore takes: all, or the given paths and everything below them. */
public final class RestoreSelection {

    private RestoreSelection() {
    }

    public static Predicate<String> of(List<String> paths) {
        if (paths == null || paths.isEmpty()) {
            return p -> true;
        }
        List<String> clean = paths.stream().map(p -> p.replaceAll("^/+|/+$", "")).filter(p -> !p.isEmpty()).toList();
        return name -> clean.stream().anyMatch(p -> name.equals(p) || name.startsWith(p + "/"));
    }
}
