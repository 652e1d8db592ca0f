package io.syncvault.sync.service;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The gateway's rules for object keys, checked before a call is made: relative, '/'-separated,
 * UTF-8 in NFC, 1..1024 bytes, no empty, '.' or '..' segment, no backslash or control character.
 */
public final class ObjectKeys {

    public static final int MAX_BYTES = 1024;

    private ObjectKeys() {
    }

    /** Null when {@code key} is valid, else why it is not. */
    public static String problem(String key) {
        if (key == null || key.isEmpty()) {
            return "empty key";
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "key longer than " + MAX_BYTES + " bytes";
        }
        if (!Normalizer.isNormalized(key, Normalizer.Form.NFC)) {
            return "name is not in Unicode NFC";
        }
        if (key.startsWith("/")) {
            return "key starts with '/'";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' || Character.isISOControl(c)) {
                return "name contains a backslash or a control character";
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "key has an empty, '.' or '..' segment";
            }
        }
        return null;
    }

    /** A prefix as stored on an item: same rules, trailing '/' removed, empty allowed. */
    public static String normalizePrefix(String prefix) {
        String p = prefix == null ? "" : prefix.strip();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return "";
        }
        String problem = problem(p);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (p.equals(".syncvault") || p.startsWith(".syncvault/")) {
            throw new IllegalArgumentException("keys under .syncvault/ are the gateway's own");
        }
        return p;
    }
}
