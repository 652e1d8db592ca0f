package io.syncvault.storage.rest;

import io.syncvault.platform.ProblemException;
import io.syncvault.platform.ProblemMapper;
import io.syncvault.platform.Roles;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.ObjectKey;
import io.syncvault.storage.StoredObject;
import io.syncvault.storage.events.StorageEvents;
import io.syncvault.storage.service.ObjectRead;
import io.syncvault.storage.service.ObjectService;
import io.syncvault.storage.service.PutRequest;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Singleton;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jboss.logging.Logger;

/**
 * Many small objects in one request, for clients that move thousands of files (the sync
 * service): {@code POST batch/put} takes a tar stream whose entries are stored one by one
 * exactly as separate PUTs would be (same checks, conditions, versions and events; an entry's
 * commit overlaps the reading of the next ones, or, in a local store, all wait for one flush of its file
 * system once the archive is read), and
 * {@code POST batch/get} answers a list of keys with a tar stream of the objects. Per-entry
 * parameters and answers travel in PAX headers named {@code SYNCVAULT.*}. Each entry is
 * atomic on its own; a batch is not a transaction.
 */
@Path("/v1/stores/{store}/batch")
@Singleton
public class BatchResource {

    public static final String TAR = "application/x-tar";
    public static final int MAX_ENTRIES = 10_000;
    static final String SHA256 = "SYNCVAULT.sha256";
    static final String MTIME = "SYNCVAULT.mtime";
    static final String IF_MATCH = "SYNCVAULT.if-match";
    static final String IF_NONE_MATCH = "SYNCVAULT.if-none-match";
    static final String STATUS = "SYNCVAULT.status";
    static final String DETAIL = "SYNCVAULT.detail";
    /** Entries up to this size are read whole and checked before they are sent (one such buffer per batch answer). */
    static final int CHECKED_BEFORE_SENDING = 1 << 20;
    static final String VERSION_TAG = "SYNCVAULT.version-tag";
    private static final Logger LOG = Logger.getLogger(BatchResource.class);

    /**
     * Entries of one batch whose commit may be in flight while the next entry is read (a cloud store's commit is a
     * request). The entries of a local store instead wait, staged, until the archive is read: their commits then
     * share one flush of its file system.
     */
    static final int COMMITS_IN_FLIGHT = 8;
    /** Threads that commit entries, for all batches; they mostly wait for the disk. */
    private static final int COMMIT_THREADS = 64;

    private final ObjectService objects;
    private final ExecutorService commitThreads;

    public BatchResource(ObjectService objects) {
        this.objects = objects;
        AtomicInteger count = new AtomicInteger();
        this.commitThreads = Executors.newFixedThreadPool(COMMIT_THREADS, task -> {
            Thread thread = new Thread(task, "batch-commit-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @PreDestroy
    void stop() {
        commitThreads.shutdown();
    }

    /** The answer to a batch put: one result per entry, in the order of the archive. */
    public record PutResults(int stored, int failed, List<Map<String, Object>> results) {
    }

    /** A batch get: the keys to send, in this order. */
    public record GetRequest(List<String> keys) {
    }

    /** A batch delete: the objects to delete, in this order, each under its own If-Match (a version tag) when given. */
    public record DeleteRequest(List<DeleteEntry> objects) {
    }

    /** One object of a batch delete. */
    public record DeleteEntry(String key, String ifMatch) {
    }

    /** The answer to a batch delete: one result per entry, in the request's order (204, or the problem). */
    public record DeleteResults(int deleted, int failed, List<Map<String, Object>> results) {
    }

    /**
     * Deletes many objects in one request, each exactly as a DELETE of its key would (its If-Match, the
     * versions kept, its event) and on its own: one that fails is listed with its problem and the others go
     * on. The folder fsyncs of the local store are shared at the end; the events go out after that, together.
     */
    @POST
    @Path("delete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public DeleteResults delete(@PathParam("store") String store, DeleteRequest request, @Context HttpHeaders headers,
            @Context SecurityContext security) {
        if (request == null || request.objects() == null || request.objects().isEmpty()) {
            throw ProblemException.badRequest("objects: give at least one object to delete");
        }
        if (request.objects().size() > MAX_ENTRIES) {
            throw ProblemException.badRequest("objects: a batch holds at most " + MAX_ENTRIES + " objects");
        }
        if (request.objects().stream().anyMatch(e -> e == null || e.key() == null)) {
            throw ProblemException.badRequest("objects: every entry needs a key");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        int deleted = writeBatch(store, headers, security, (origin, keep, actor, acks) -> {
            int n = 0;
            for (DeleteEntry entry : request.objects()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("key", entry.key());
                try {
                    objects.delete(store, entry.key(), ObjectResource.versionTag(entry.ifMatch()), origin, keep, actor, acks);
                    result.put("status", 204);
                    n++;
                } catch (ProblemException e) {
                    result.put("status", e.status());
                    result.put("problem", ProblemMapper.details(e));
                }
                results.add(result);
            }
            return n;
        });
        return new DeleteResults(deleted, results.size() - deleted, results);
    }

    @POST
    @Path("put")
    @Consumes(TAR)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public PutResults put(@PathParam("store") String store, InputStream body, @Context HttpHeaders headers,
            @Context SecurityContext security) {
        List<Map<String, Object>> results = new ArrayList<>();
        int stored = writeBatch(store, headers, security,
                (origin, keep, actor, acks) -> storeEntries(store, body, origin, keep, actor, results, acks));
        return new PutResults(stored, results.size() - stored, results);
    }

    /** A batch's writes, given the request's origin, versions to keep, actor and the acknowledgements of its events. */
    @FunctionalInterface
    private interface BatchWrites {
        int run(String origin, Integer keep, String actor, StorageEvents.Acks acks);
    }

    /**
     * Runs a batch's writes to one store: they become durable together (the local store shares the folder
     * fsyncs at the end), then their events go out, in order, and are awaited before the batch answers.
     */
    private int writeBatch(String store, HttpHeaders headers, SecurityContext security, BatchWrites writes) {
        objects.requireStore(store);
        String origin = headers.getHeaderString("X-SyncVault-Origin");
        Integer keep = ObjectResource.keepVersions(headers);
        String actor = ObjectResource.actor(security);
        StorageEvents.Acks acks = StorageEvents.Acks.later();
        try {
            return objects.durableTogether(store, () -> writes.run(origin, keep, actor, acks));
        } finally {
            acks.awaitAll();
        }
    }

    /**
     * Stores the archive's entries, adding one result per entry to {@code results} in the archive's order;
     * returns how many were stored. Each entry's body is read and written here, in turn; making it the current
     * version runs on a commit thread, at most {@link #COMMITS_IN_FLIGHT} entries behind, or, for entries whose
     * commits share a flush of the store (a local store), all together once the archive is read: one flush makes
     * them durable, then they take their names. An entry waits for an earlier one with the same key to be
     * committed. Results and events follow the archive's order.
     */
    private int storeEntries(String store, InputStream body, String origin, Integer keep, String actor,
            List<Map<String, Object>> results, StorageEvents.Acks acks) {
        Commits commits = new Commits(results, acks);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(body, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, commits)) != null) {
                if (commits.entries() == MAX_ENTRIES) {
                    throw commits.incomplete("a batch holds at most " + MAX_ENTRIES + " entries");
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
                    commits.awaitKey(key);
                    ObjectService.StagedPut staged = objects.stage(new PutRequest(store, key, new EntryBody(tar),
                            entry.getSize(), ObjectResource.versionTag(entry.getExtraPaxHeader(IF_MATCH)),
                            ifNoneMatch != null, entry.getExtraPaxHeader(SHA256), longHeader(entry, MTIME), origin,
                            Map.of(), keep, actor));
                    commits.submit(result, staged);
                } catch (ProblemException e) {
                    commits.failed(result, e);
                }
            }
        } catch (IOException e) {
            throw commits.incomplete("the archive could not be read: " + e.getMessage());
        } finally {
            commits.awaitAll();
        }
        return commits.stored();
    }

    /**
     * The entries of one batch put whose commit runs on a commit thread, oldest first. Only the batch's
     * own thread uses this: it fills in results and announces events as commits finish, in order. An entry whose
     * commit shares a flush of the store with the entries staged with it waits, not yet committed, until the batch
     * is read (or an entry needs it committed): then one flush makes them all durable.
     */
    private final class Commits {
        /**
         * An entry whose commit is waiting (commit null), running or done; or, with staged null, a refused one
         * waiting for its turn in the results.
         */
        private static final class InFlight {
            final Map<String, Object> result;
            final ObjectService.StagedPut staged;
            Future<ObjectInfo> commit;

            InFlight(Map<String, Object> result, ObjectService.StagedPut staged, Future<ObjectInfo> commit) {
                this.result = result;
                this.staged = staged;
                this.commit = commit;
            }
        }

        private final List<Map<String, Object>> results;
        private final StorageEvents.Acks acks;
        private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        /** Entries in {@code inFlight} whose commit has not been started. */
        private int waiting;
        private int stored;
        private RuntimeException unexpected;

        Commits(List<Map<String, Object>> results, StorageEvents.Acks acks) {
            this.results = results;
            this.acks = acks;
        }

        /** Entries read so far, committed or not. */
        int entries() {
            return results.size() + inFlight.size();
        }

        int stored() {
            return stored;
        }

        void submit(Map<String, Object> result, ObjectService.StagedPut staged) {
            InFlight entry = new InFlight(result, staged, null);
            inFlight.add(entry);
            if (staged.sharesFlush()) {
                waiting++;
                return;
            }
            start(entry);
            if (inFlight.size() - waiting > COMMITS_IN_FLIGHT) {
                finishOldest();
            }
        }

        void failed(Map<String, Object> result, ProblemException e) {
            if (inFlight.isEmpty()) {
                fail(result, e);
            } else {
                // its place in the results is after the entries still in flight
                inFlight.add(new InFlight(result, null, CompletableFuture.failedFuture(e)));
            }
        }

        /** Waits until no earlier entry with this key is in flight. */
        void awaitKey(String key) {
            while (inFlight.stream().anyMatch(f -> f.staged != null && f.staged.key().equals(key))) {
                finishOldest();
            }
        }

        void awaitAll() {
            while (!inFlight.isEmpty()) {
                finishOldest();
            }
            if (unexpected != null) {
                RuntimeException e = unexpected;
                unexpected = null;
                throw e;
            }
        }

        /** The archive broke off: what was stored stays stored and is listed in the problem. */
        ProblemException incomplete(String detail) {
            awaitAll();
            return BatchResource.incomplete(detail, results);
        }

        private void start(InFlight entry) {
            try {
                entry.commit = commitThreads.submit(() -> objects.commit(entry.staged));
            } catch (RejectedExecutionException e) {
                entry.staged.close();
                entry.commit = CompletableFuture.failedFuture(new IllegalStateException("the gateway is shutting down", e));
            }
        }

        /** Starts every waiting commit: they share the flush that the first of them to run starts. */
        private void startWaiting() {
            for (InFlight entry : inFlight) {
                if (entry.commit == null) {
                    start(entry);
                }
            }
            waiting = 0;
        }

        private void finishOldest() {
            if (inFlight.getFirst().commit == null) {
                startWaiting();
            }
            InFlight oldest = inFlight.removeFirst();
            try {
                ObjectInfo info = awaitUninterruptibly(oldest.commit);
                objects.announce(oldest.staged, info, acks);
                oldest.result.put("status", 201);
                oldest.result.put("object", StoredObject.of(info));
                stored++;
                results.add(oldest.result);
            } catch (ProblemException e) {
                fail(oldest.result, e);
            } catch (RuntimeException e) {
                // not an answer for one entry: the batch fails, once every entry in flight is finished
                if (unexpected == null) {
                    unexpected = e;
                }
            }
        }

        private void fail(Map<String, Object> result, ProblemException e) {
            result.put("status", e.status());
            result.put("problem", ProblemMapper.details(e));
            results.add(result);
        }
    }

    private static <T> T awaitUninterruptibly(Future<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
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
        // not closed on a failure: closing would write out the entry in flight's last record and end the answer
        // as if whole; the connection is closed instead, before anything more is sent
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        try {
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
                    InputStream body = read.body();
                    byte[] small = null;
                    if (info.size() <= CHECKED_BEFORE_SENDING) {
                        // read and checked (the check runs as the body ends) before its header goes out: damage is
                        // then this entry's 500, as a single GET of it answers, not an archive broken off before
                        // the entries after it (which failed with it, every run) with the damaged bytes partly sent
                        try {
                            small = body.readNBytes((int) info.size());
                            if (body.read() >= 0) {
                                throw new IOException("the object is longer than recorded");
                            }
                        } catch (IOException damaged) {
                            entry.setSize(0);
                            entry.addPaxHeader(STATUS, "500");
                            entry.addPaxHeader(DETAIL, "the stored object " + key + " cannot be read whole: "
                                    + damaged.getMessage());
                            tar.putArchiveEntry(entry);
                            tar.closeArchiveEntry();
                            continue;
                        }
                    }
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
                    if (small != null) {
                        tar.write(small);
                    } else {
                        // checked as it ends: damage found then leaves the entry a byte short, never whole
                        ObjectResource.copyHoldingTheLastByteBack(body, tar, buffer, false);
                    }
                    tar.closeArchiveEntry();
                }
            }
            tar.finish();
            tar.close();
        } catch (IOException | RuntimeException e) {
            // the entry in flight cannot be completed: close the connection so the client sees a broken archive
            LOG.warnf("aborting the batch response at %s: %s", current, e.getMessage());
            connection.connection().close();
            throw new StreamAbortedException(e);
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, Commits commits) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IllegalArgumentException e) {
            throw commits.incomplete("the archive has a malformed header: " + e.getMessage());
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
