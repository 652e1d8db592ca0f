package io.syncvault.storage.service;

import io.syncvault.storage.ByteRange;
import io.syncvault.storage.ObjectInfo;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An opened object for a GET: what it is, the range served (null for all of it), and the
 * plaintext stream. The stream throws an {@link IOException} if the content fails its
 * integrity checks, at whatever point that is found.
 */
public record ObjectRead(ObjectInfo info, ByteRange range, InputStream body) implements Closeable {

    public long length() {
        return range == null ? info.size() : range.length();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
