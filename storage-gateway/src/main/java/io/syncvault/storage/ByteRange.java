package io.syncvault.storage;

import io.syncvault.platform.ProblemException;

/**
 * A satisfiable single byte range of an object ({@code first..last} inclusive), parsed from a
 * {@code Range: bytes=a-b | a- | -n} header against the object's size.
 */
public record ByteRange(long first, long last) {

    public long length() {
        return last - first + 1;
    }

    /**
     * The range a header asks for; null when there is no usable single range (the whole
     * object is sent, as RFC 9110 allows); a 416 problem when it cannot be satisfied.
     */
    public static ByteRange parse(String header, long size) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).trim();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        try {
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    throw unsatisfiable(size);
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
            if (first < 0) {
                return null;
            }
            if (first >= size) {
                throw unsatisfiable(size);
            }
            if (last < first) {
                return null;
            }
            return new ByteRange(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ProblemException unsatisfiable(long size) {
        return new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                "the object has " + size + " bytes").with("size", size);
    }
}
