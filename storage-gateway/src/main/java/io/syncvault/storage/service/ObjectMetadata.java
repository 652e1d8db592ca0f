package io.syncvault.storage.service;

import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.crypto.BodyFormat;
import io.syncvault.storage.provider.ProviderObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's metadata as stored with each object by the provider: lowercase alphanumeric
 * names (valid for S3, Azure and GCS alike) with ASCII values. User metadata is kept in one
 * entry, URL-form encoded, so its names and values need not fit provider rules.
 */
public final class ObjectMetadata {

    /** Plaintext size in bytes. */
    public static final String SIZE = "svsize";
    /** SHA-256 of the plaintext, lowercase hex. */
    public static final String SHA256 = "svsha256";
    /** The writer's file mtime, epoch millis. */
    public static final String MTIME = "svmtime";
    /** How the stored bytes encode the content ({@link BodyFormat} tag). */
    public static final String FORMAT = "svformat";
    /** When the gateway stored this content, epoch millis (kept when the object is copied to a version). */
    public static final String WRITTEN = "svwritten";
    /** User metadata, {@code name=value&...} URL-form encoded. */
    public static final String USER = "svmeta";

    private ObjectMetadata() {
    }

    public static Map<String, String> encode(Long size, String sha256, Long mtime, BodyFormat format, long written,
            Map<String, String> user) {
        Map<String, String> m = new LinkedHashMap<>();
        if (size != null) {
            m.put(SIZE, Long.toString(size));
        }
        if (sha256 != null) {
            m.put(SHA256, sha256);
        }
        if (mtime != null) {
            m.put(MTIME, Long.toString(mtime));
        }
        m.put(FORMAT, format.tag());
        m.put(WRITTEN, Long.toString(written));
        if (!user.isEmpty()) {
            StringBuilder form = new StringBuilder();
            new TreeMap<>(user).forEach((k, v) -> {
                if (form.length() > 0) {
                    form.append('&');
                }
                form.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            });
            m.put(USER, form.toString());
        }
        return m;
    }

    public static BodyFormat format(ProviderObject o) {
        return BodyFormat.ofTag(o.metadata().get(FORMAT));
    }

    /** What a client sees of a stored object under {@code key}. */
    public static ObjectInfo decode(String key, ProviderObject o) {
        Map<String, String> m = o.metadata();
        long size = m.containsKey(SIZE) ? Long.parseLong(m.get(SIZE)) : o.storedSize();
        Long mtime = m.containsKey(MTIME) ? Long.valueOf(m.get(MTIME)) : null;
        return new ObjectInfo(key, size, m.get(SHA256), o.versionTag(), mtime, o.modified(), user(m.get(USER)));
    }

    /** When the content was written by the gateway (falls back to the provider's time). */
    public static Instant written(ProviderObject o) {
        String w = o.metadata().get(WRITTEN);
        return w == null ? o.modified() : Instant.ofEpochMilli(Long.parseLong(w));
    }

    private static Map<String, String> user(String form) {
        Map<String, String> user = new TreeMap<>();
        if (form == null || form.isEmpty()) {
            return user;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                user.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return user;
    }
}
