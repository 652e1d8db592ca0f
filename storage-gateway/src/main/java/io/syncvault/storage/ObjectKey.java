package io.syncvault.storage;

import io.syncvault.platform.ProblemException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The rules for object keys: relative, '/'-separated, UTF-8 in NFC, 1..1024 bytes, no
 * empty/'.'/'..' segments, no leading '/', no backslash or control characters, and not under
 * the gateway's own {@code .syncvault/} folder. Anything else is refused (400) rather than
 * rewritten, so a key always reads back exactly as it was written.
 */
public final class ObjectKey {

    public static final int MAX_BYTES = 1024;
    public static final String INTERNAL_PREFIX = ".syncvault/";

    private ObjectKey() {
    }

    /** Returns the key when it is valid, else throws a 400 problem saying why. */
    public static String validate(String key) {
        String reason = problem(key);
        if (reason != null) {
            throw ProblemException.badRequest("invalid object key: " + reason);
        }
        return key;
    }

    /** Validates a listing prefix: the same characters as a key, but may be empty and end with '/'. */
    public static String validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        String probe = prefix.endsWith("/") ? prefix + "x" : prefix;
        String reason = problem(probe);
        if (reason != null) {
            throw ProblemException.badRequest("invalid prefix: " + reason);
        }
        return prefix;
    }

    static String problem(String key) {
        if (key == null || key.isEmpty()) {
            return "empty";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
                return "control characters are not allowed";
            }
            if (c == '\\') {
                return "backslashes are not allowed";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) {
                    return "not valid UTF-16/UTF-8 text";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "not valid UTF-16/UTF-8 text";
            }
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "longer than " + MAX_BYTES + " bytes";
        }
        if (key.startsWith("/")) {
            return "absolute keys are not allowed";
        }
        if (!Normalizer.isNormalized(key, Normalizer.Form.NFC)) {
            return "must be in Unicode normalization form NFC";
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "empty, '.' and '..' segments are not allowed";
            }
            if (segment.startsWith(".svtmp-")) {
                return "segments starting with .svtmp- are reserved";
            }
        }
        if (key.regionMatches(true, 0, ".syncvault", 0, 10) && (key.length() == 10 || key.charAt(10) == '/')) {
            return ".syncvault/ is reserved for the gateway";
        }
        return null;
    }
}
