package io.syncvault.storage.provider;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** An opened object: what it is and a stream of its stored bytes (the caller closes it). */
public record ProviderRead(ProviderObject object, InputStream body) implements Closeable {

    @Override
    public void close() throws IOException {
        body.close();
    }
}
