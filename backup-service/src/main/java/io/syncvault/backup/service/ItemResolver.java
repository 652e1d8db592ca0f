package io.syncvault.backup.service;

import io.syncvault.platform.ProblemException;
import io.syncvault.backup.archive.ArchiveWriter.SourceItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Confines local paths given over REST to the configured roots: backup items and restore
 * targets. A relative path resolves against the first root; {@code ..} segments are refused;
 * where a path exists, its real location (links resolved) must also lie inside a root.
 * An item is archived under its path relative to its root.
 */
public final class ItemResolver {

    private final List<Path> roots;

    public ItemResolver(List<String> roots) {
        this.roots = roots.stream().map(r -> Path.of(r).toAbsolutePath().normalize()).toList();
    }

    public List<Path> roots() {
        return roots;
    }

    /** Checks an item path given in a definition; throws 422 when it is outside every root. */
    public Path confine(String path, String what) {
        if (path == null || path.isBlank()) {
            throw ProblemException.unprocessable(what + " must not be blank");
        }
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw ProblemException.unprocessable(what + " '" + path + "' is not a valid path");
        }
        for (Path segment : p) {
            if (segment.toString().equals("..")) {
                throw ProblemException.unprocessable(what + " '" + path + "' must not contain '..'");
            }
        }
        Path resolved = (p.isAbsolute() ? p : roots.get(0).resolve(p)).normalize();
        Path root = rootOf(resolved);
        if (root == null || !realInside(resolved, root)) {
            throw ProblemException.unprocessable(what + " '" + path + "' is outside the configured roots " + roots);
        }
        return resolved;
    }

    /** The sources a run reads: existing items, each with its archive name; missing ones are listed in {@code missing}. */
    public List<SourceItem> sources(List<String> items, List<String> missing) {
        List<SourceItem> sources = new ArrayList<>();
        for (String item : items) {
            Path p = confine(item, "item");
            if (!Files.exists(p)) {
                missing.add(item);
                continue;
            }
            Path root = rootOf(p);
            sources.add(new SourceItem(p, root.relativize(p).toString().replace('\\', '/')));
        }
        return sources;
    }

    private Path rootOf(Path p) {
        return roots.stream().filter(p::startsWith).findFirst().orElse(null);
    }

    /** The nearest existing ancestor, links resolved, still lies inside the root. */
    private static boolean realInside(Path p, Path root) {
        try {
            Path existing = p;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return false;
            }
            Path realRoot = Files.exists(root) ? root.toRealPath() : root;
            return existing.toRealPath().startsWith(realRoot);
        } catch (IOException e) {
            return false;
        }
    }
}
