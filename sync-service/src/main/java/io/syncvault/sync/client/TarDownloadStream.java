package io.syncvault.sync.client;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads the answer of a batch download: one tar entry per key, named by the key, with the
 * object's status, version tag, SHA-256 and mtime in PAX headers; an entry whose status is not
 * 200 has no content and a detail instead.
 */
final class TarDownloadStream {

    private static final int BUFFER = 64 * 1024;

    private TarDownloadStream() {
    }

    /** Hands each entry to the receiver and removes its key from {@code pending}; entries for keys not asked for are skipped. */
    static void read(InputStream in, Set<String> pending, StorageGatewayClient.BatchReceiver receiver) throws IOException {
        // the archive reads each entry's PAX headers a byte per read(): buffered, not a call into the HTTP stream each
        TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(in, BUFFER), StandardCharsets.UTF_8.name());
        TarArchiveEntry entry;
        try {
            while ((entry = tar.getNextEntry()) != null) {
                String key = entry.getName();
                if (!pending.remove(key)) {
                    continue;
                }
                int status = parse(entry.getExtraPaxHeader("SYNCVAULT.status"), 0);
                if (status != 200) {
                    String detail = entry.getExtraPaxHeader("SYNCVAULT.detail");
                    receiver.failed(key, status, detail == null ? "the gateway answered " + status : detail);
                    continue;
                }
                long mtime = parse(entry.getExtraPaxHeader("SYNCVAULT.mtime"), 0L);
                RemoteObject object = new RemoteObject(key, entry.getSize(), entry.getExtraPaxHeader("SYNCVAULT.sha256"),
                        entry.getExtraPaxHeader("SYNCVAULT.version-tag"), mtime);
                receiver.received(object, new FilterInputStream(tar) {
                    @Override
                    public void close() {
                        // the archive goes on with the next entry
                    }
                });
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed archive header: " + e.getMessage(), e);
        }
    }

    private static int parse(String value, int otherwise) {
        return (int) parse(value, (long) otherwise);
    }

    private static long parse(String value, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
