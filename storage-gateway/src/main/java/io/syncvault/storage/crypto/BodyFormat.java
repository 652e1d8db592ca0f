package io.syncvault.storage.crypto;

/**
 * How an object's stored bytes relate to its content; recorded in the object's metadata
 * ({@code svformat}) so that a reader knows what to undo.
 */
public enum BodyFormat {
    /** Stored bytes are the content. */
    PLAIN("plain"),
    /** Stored bytes are the gzip stream of the content. */
    GZIP("gzip"),
    /** Stored bytes are the zstd frame(s) of the content. */
    ZSTD("zstd"),
    /** Stored bytes are the encrypted format {@link ObjectCipher} writes (compression named in its header). */
    ENCRYPTED_V1("sve1");

    private final String tag;

    BodyFormat(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }

    /**
     * Whether reading the stored bytes already proves them to be what the gateway wrote for this store and key:
     * every segment of the encrypted format carries an AES-GCM tag over it, its position, whether it is the
     * last, and the store and key, so a changed, cut, moved or swapped byte fails the read.
     */
    public boolean authenticated() {
        return this == ENCRYPTED_V1;
    }

    public static BodyFormat ofTag(String tag) {
        if (tag == null || tag.isEmpty()) {
            return PLAIN;
        }
        for (BodyFormat f : values()) {
            if (f.tag.equals(tag)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown body format " + tag);
    }
}
