package io.syncvault.sync.service;

import io.syncvault.platform.ProblemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Confines local paths given over the API to the configured roots: a path must be absolute,
 * contain no {@code ..} segment, and its real path (symlinks resolved) must lie under the real
 * path of a root. A missing folder is refused unless the caller asks for it to be created, in
 * which case its nearest existing ancestor must pass the same check first.
 */
public final class LocalRoots {

    private final List<Path> roots;

    public LocalRoots(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    public List<Path> roots() {
        return roots;
    }

    /** The real path of {@code given}, a directory under a root; 400 otherwise. */
    public Path confine(String given, boolean createIfMissing) {
        if (given == null || given.isBlank()) {
            throw ProblemException.badRequest("localPath is required");
        }
        if (given.indexOf('\0') >= 0) {
            throw ProblemException.badRequest("localPath contains a NUL character");
        }
        Path p = Path.of(given);
        if (!p.isAbsolute()) {
            throw ProblemException.badRequest("localPath must be absolute: " + given);
        }
        for (Path segment : p) {
            if (segment.toString().equals("..")) {
                throw ProblemException.badRequest("localPath must not contain '..': " + given);
            }
        }
        p = p.normalize();
        try {
            if (!Files.exists(p)) {
                if (!createIfMissing) {
                    throw ProblemException.badRequest("localPath does not exist: " + given
                            + " (set createIfMissing to create it)");
                }
                Path existing = p.getParent();
                while (existing != null && !Files.exists(existing)) {
                    existing = existing.getParent();
                }
                if (existing == null || !underRoot(existing.toRealPath())) {
                    throw outside(given);
                }
                Files.createDirectories(p);
            }
            Path real = p.toRealPath();
            if (!underRoot(real)) {
                throw outside(given);
            }
            if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                throw ProblemException.badRequest("localPath is not a directory: " + given);
            }
            return real;
        } catch (IOException e) {
            throw ProblemException.badRequest("localPath cannot be used: " + given + " (" + e.getMessage() + ")");
        }
    }

    /** Whether {@code real} (already a real path) lies under a root; a root itself counts. */
    public boolean underRoot(Path real) {
        for (Path root : roots) {
            try {
                if (Files.exists(root) && real.startsWith(root.toRealPath())) {
                    return true;
                }
            } catch (IOException e) {
                // an unreadable root confines nothing
            }
        }
        return false;
    }

    private ProblemException outside(String given) {
        return ProblemException.badRequest("localPath is outside the configured roots: " + given)
                .with("roots", roots.stream().map(Path::toString).toList());
    }
}
