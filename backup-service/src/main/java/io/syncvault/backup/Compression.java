package io.syncvault.backup;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** How a backup's tar stream is compressed before it is cut into parts. */
public enum Compression {
    /** gzip: the concatenated parts are a plain .tar.gz. */
    GZIP(".tar.gz"),
    /** Zstandard (level 3): faster and smaller than gzip; parts concatenated are a .tar.zst. */
    ZSTD(".tar.zst"),
    /** No compression: parts concatenated are a plain .tar. */
    NONE(".tar");

    private final String extension;

    Compression(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** Wraps {@code out}; closing the result finishes the compressed stream and closes {@code out}. */
    public OutputStream compress(OutputStream out) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPOutputStream(out, 64 * 1024);
            // one zstd worker thread compresses while the caller reads and archives files
            case ZSTD -> new ZstdOutputStream(out, 3).setWorkers(1);
            case NONE -> out;
        };
    }

    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
            case NONE -> in;
        };
    }
}
