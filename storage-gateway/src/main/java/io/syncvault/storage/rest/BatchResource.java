package io.syncvault.storage.rest;

import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.ObjectKey;
import io.syncvault.storage.ProblemException;
import io.syncvault.storage.StoredObject;
import io.syncvault.storage.events.StorageEvents;
import io.syncvault.storage.security.Roles;
import io.syncvault.storage.service.ObjectRead;
import io.syncvault.storage.service.ObjectService;
import io.syncvault.storage.service.PutRequest;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jboss.logging.Logger;

/**
 * Many small objects in one request, for clients that move thousands of files (the sync
 * service): {@code POST batch/put} takes a tar stream whose entries are stored one by one
 * exactly as separate PUTs would be (same checks, conditions, versions and events), and
 * {@code POST batch/get} answers a list of keys with a tar stream of the objects. Per-entry
 * parameters and answers travel in PAX headers named {@code SYNCVAULT.*}. Each entry is
 * atomic on its own; a batch is not a transaction.
 */
@Path("/v1/stores/{store}/batch")
public class BatchResource {

    public static final String TAR = "application/x-tar";
    public static final int MAX_ENTRIES = 10_000;
    static final String SHA256 = "SYNCVAULT.sha256";
    static final String MTIME = "SYNCVAULT.mtime";
    static final String IF_MATCH = "SYNCVAULT.if-match";
    static final String IF_NONE_MATCH = "SYNCVAULT.if-none-match";
    static final String STATUS = "SYNCVAULT.status";
    static final String DETAIL = "SYNCVAULT.detail";
    static final String VERSION_TAG = "SYNCVAULT.version-tag";
    private static final Logger LOG = Logger.getLogger(BatchResource.class);

    private final ObjectService objects;

    public BatchResource(ObjectService objects) {
        this.objects = objects;
    }

    /** The answer to a batch put: one result per entry, in the order of the archive. */
    public record PutResults(int stored, int failed, List<Map<String, Object>> results) {
    }

    /** A batch get: the keys to send, in this order. */
    public record GetRequest(List<String> keys) {
    }

    @POST
    @Path("put")
    @Consumes(TAR)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public PutResults put(@PathParam("store") String store, InputStream body, @Context HttpHeaders headers,
            @Context SecurityContext security) {
        objects.requireStore(store);
        String origin = headers.getHeaderString("X-SyncVault-Origin");
        Integer keep = ObjectResource.keepVersions(headers);
        String actor = ObjectResource.actor(security);
        List<Map<String, Object>> results = new ArrayList<>();
        StorageEvents.Acks acks = StorageEvents.Acks.later();
        int stored;
        try {
            // the entries' folder fsyncs are shared at the end; their events go out after that
            stored = objects.durableTogether(store, () -> storeEntries(store, body, origin, keep, actor, results, acks));
        } finally {
            acks.awaitAll();
        }
        return new PutResults(stored, results.size() - stored, results);
    }

    /** Stores each entry of the archive in turn, adding one result per entry to {@code results}; returns how many were stored. */
    private int storeEntries(String store, InputStream body, String origin, Integer keep, String actor,
            List<Map<String, Object>> results, StorageEvents.Acks acks) {
        int stored = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(body, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, results)) != null) {
                if (results.size() == MAX_ENTRIES) {
                    throw incomplete("a batch holds at most " + MAX_ENTRIES + " entries", results);
                }
                String key = entry.getName();
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("key", key);
                try {
                    if (!entry.isFile()) {
                        throw ProblemException.badRequest("entry " + key + " is not a regular file");
                    }
                    String ifNoneMatch = entry.getExtraPaxHeader(IF_NONE_MATCH);
                    if (ifNoneMatch != null && !ifNoneMatch.trim().equals("*")) {
                        throw ProblemException.badRequest(IF_NONE_MATCH + " supports only *");
                    }
                    ObjectInfo info = objects.put(new PutRequest(store, key, new EntryBody(tar), entry.getSize(),
                            ObjectResource.versionTag(entry.getExtraPaxHeader(IF_MATCH)), ifNoneMatch != null,
                            entry.getExtraPaxHeader(SHA256), longHeader(entry, MTIME), origin, Map.of(), keep, actor), acks);
                    result.put("status", 201);
                    result.put("object", StoredObject.of(info));
                    stored++;
                } catch (ProblemException e) {
                    result.put("status", e.status());
                    result.put("problem", ProblemMapper.details(e));
                }
                results.add(result);
            }
        } catch (IOException e) {
            throw incomplete("the archive could not be read: " + e.getMessage(), results);
        }
        return stored;
    }

    @POST
    @Path("get")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(TAR)
    @RolesAllowed(Roles.READ)
    public Response get(@PathParam("store") String store, GetRequest request, @Context HttpServerRequest connection) {
        if (request == null || request.keys() == null || request.keys().isEmpty()) {
            throw ProblemException.badRequest("keys: give at least one key");
        }
        if (request.keys().size() > MAX_ENTRIES) {
            throw ProblemException.badRequest("keys: a batch holds at most " + MAX_ENTRIES + " keys");
        }
        objects.requireStore(store);
        for (String key : request.keys()) {
            if (key == null) {
                throw ProblemException.badRequest("keys: null is not a key");
            }
            ObjectKey.validate(key);
        }
        StreamingOutput body = out -> writeArchive(store, request.keys(), out, connection);
        return Response.ok(body, TAR).build();
    }

    private void writeArchive(String store, List<String> keys, OutputStream out, HttpServerRequest connection)
            throws IOException {
        String current = null;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            byte[] buffer = new byte[1 << 16];
            for (String key : keys) {
                current = key;
                TarArchiveEntry entry = new TarArchiveEntry(key, true);
                ObjectRead read;
                try {
                    read = objects.read(store, key, null, null);
                } catch (ProblemException e) {
                    entry.setSize(0);
                    entry.addPaxHeader(STATUS, Integer.toString(e.status()));
                    entry.addPaxHeader(DETAIL, e.getMessage() == null ? e.title() : e.getMessage());
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                    continue;
                }
                try (read) {
                    ObjectInfo info = read.info();
                    entry.setSize(info.size());
                    entry.setModTime(info.mtime() != null ? info.mtime() : info.modified().toEpochMilli());
                    entry.addPaxHeader(STATUS, "200");
                    entry.addPaxHeader(VERSION_TAG, info.versionTag());
                    if (info.sha256() != null) {
                        entry.addPaxHeader(SHA256, info.sha256());
                    }
                    if (info.mtime() != null) {
                        entry.addPaxHeader(MTIME, Long.toString(info.mtime()));
                    }
                    tar.putArchiveEntry(entry);
                    InputStream in = read.body();
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        tar.write(buffer, 0, n);
                    }
                    tar.closeArchiveEntry();
                }
            }
            tar.finish();
        } catch (IOException | RuntimeException e) {
            // the entry in flight cannot be completed: close the connection so the client sees a broken archive
            LOG.warnf("aborting the batch response at %s: %s", current, e.getMessage());
            connection.connection().close();
            throw new StreamAbortedException(e);
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, List<Map<String, Object>> results) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IllegalArgumentException e) {
            throw incomplete("the archive has a malformed header: " + e.getMessage(), results);
        }
    }

    /** The archive broke off: what was stored stays stored and is listed in the problem. */
    private static ProblemException incomplete(String detail, List<Map<String, Object>> results) {
        return ProblemException.badRequest(detail + "; the " + results.size() + " entries read until then were answered"
                + " (results); nothing after them was stored")
                .with("results", List.copyOf(results));
    }

    private static Long longHeader(TarArchiveEntry entry, String name) {
        return ObjectResource.parseLong(name, entry.getExtraPaxHeader(name));
    }

    /** The current entry's bytes; closing it leaves the archive open for the next entry. */
    private static final class EntryBody extends FilterInputStream {
        EntryBody(InputStream tar) {
            super(tar);
        }

        @Override
        public void close() {
            // the archive is closed by the batch
        }
    }
}
