package io.syncvault.sync.service;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * Include and exclude globs over relative, '/'-separated paths. A pattern with a '/' is matched
 * against the whole path, one without against the file name (so {@code *.tmp} excludes temp
 * files in every folder, {@code cache/**} one folder). With no include pattern everything is
 * included; an exclude always wins.
 */
public final class PathFilter {

    public static final PathFilter ALL = new PathFilter(List.of(), List.of());

    private final List<PathMatcher> includes;
    private final List<PathMatcher> excludes;
    private final List<String> includeGlobs;
    private final List<String> excludeGlobs;

    public PathFilter(List<String> includeGlobs, List<String> excludeGlobs) {
        this.includeGlobs = List.copyOf(includeGlobs == null ? List.of() : includeGlobs);
        this.excludeGlobs = List.copyOf(excludeGlobs == null ? List.of() : excludeGlobs);
        this.includes = this.includeGlobs.stream().map(PathFilter::matcher).toList();
        this.excludes = this.excludeGlobs.stream().map(PathFilter::matcher).toList();
    }

    /** Throws IllegalArgumentException for a pattern that is not a valid glob. */
    private static PathMatcher matcher(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("empty glob");
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        boolean whole = glob.contains("/");
        return p -> whole ? m.matches(p) : m.matches(p.getFileName());
    }

    public boolean accepts(String relativePath) {
        Path p = Path.of(relativePath);
        if (excludes.stream().anyMatch(m -> m.matches(p))) {
            return false;
        }
        return includes.isEmpty() || includes.stream().anyMatch(m -> m.matches(p));
    }

    public List<String> includeGlobs() {
        return includeGlobs;
    }

    public List<String> excludeGlobs() {
        return excludeGlobs;
    }
}
