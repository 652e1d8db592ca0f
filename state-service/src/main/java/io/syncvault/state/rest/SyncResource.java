package io.syncvault.state.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.platform.PageCursor;
import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.state.PendingOperation;
import io.syncvault.state.ReconciliationResult;
import io.syncvault.state.StateConflict;
import io.syncvault.state.SyncState;
import io.syncvault.state.config.StateConfig;
import io.syncvault.state.service.StateService;
import io.syncvault.state.service.StateStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reconciliation between nodes: pending operations, reconcile, conflicts, export and import. */
@Path("/v1/namespaces/{ns}")
@Produces(MediaType.APPLICATION_JSON)
public class SyncResource {

    public static final String NDJSON = "application/x-ndjson";
    /** States applied per transaction during an import. */
    static final int IMPORT_BATCH = 500;
    /** Longest accepted NDJSON line (one state). */
    static final int MAX_LINE = 4 * 1024 * 1024;

    /** A manual resolution: LOCAL, REMOTE, or CUSTOM with {@code data}. */
    public record ResolveRequest(String resolution, JsonNode data) {
    }

    private final StateService states;
    private final StateStore store;
    private final StateConfig config;
    private final ObjectMapper json;

    public SyncResource(StateService states, StateStore store, StateConfig config, ObjectMapper json) {
        this.states = states;
        this.store = store;
        this.config = config;
        this.json = json;
    }

    @GET
    @Path("pending")
    @RolesAllowed(Roles.READ)
    public List<PendingOperation> pending(@PathParam("ns") String ns, @QueryParam("limit") Integer limit) {
        return states.pending(ns, pageSize(limit));
    }

    @POST
    @Path("reconcile")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public ReconciliationResult reconcile(@PathParam("ns") String ns, List<SyncState> remote) {
        if (remote == null) {
            throw ProblemException.badRequest("a JSON array of states is required");
        }
        if (remote.size() > config.maxReconcileBatch()) {
            throw new ProblemException(413, "too-many-states", "Too many states",
                    "at most " + config.maxReconcileBatch() + " states per reconcile; split the batch");
        }
        states.requireNamespace(ns);
        return states.reconcile(ns, remote, StateService.Source.CLIENT);
    }

    /** One page of conflicts; {@code nextCursor} is null on the last page. */
    public record ConflictPage(List<StateConflict> items, String nextCursor) {
    }

    @GET
    @Path("conflicts")
    @RolesAllowed(Roles.READ)
    public ConflictPage conflicts(@PathParam("ns") String ns, @QueryParam("status") String status,
            @QueryParam("cursor") String cursor, @QueryParam("offset") String offset, @QueryParam("limit") Integer limit) {
        Boolean open = switch (status == null ? "open" : status) {
            case "open" -> Boolean.TRUE;
            case "resolved" -> Boolean.FALSE;
            case "all" -> null;
            default -> throw ProblemException.badRequest("status must be open, resolved or all");
        };
        if (offset != null) {
            // answering the first page again would page a client that still sends offsets forever
            throw ProblemException.badRequest("conflicts are paged by cursor, not offset: pass the nextCursor of the page before");
        }
        int size = pageSize(limit);
        List<StateConflict> items = states.conflicts(ns, open, PageCursor.TimeAndId.in(cursor), size);
        StateConflict end = items.size() == size ? items.get(items.size() - 1) : null;
        return new ConflictPage(items, end == null ? null : new PageCursor.TimeAndId(end.detectedAt(), end.id()).cursor());
    }

    @POST
    @Path("conflicts/{id}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public SyncState resolve(@PathParam("ns") String ns, @PathParam("id") String id, ResolveRequest body) {
        UUID conflictId;
        try {
            conflictId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("no conflict " + id);
        }
        if (body == null || body.resolution() == null) {
            throw ProblemException.badRequest("resolution is required: LOCAL, REMOTE or CUSTOM");
        }
        StateService.Resolution resolution;
        try {
            resolution = StateService.Resolution.valueOf(body.resolution());
        } catch (IllegalArgumentException e) {
            throw ProblemException.unprocessable("resolution must be LOCAL, REMOTE or CUSTOM");
        }
        return states.resolve(ns, conflictId, resolution, body.data());
    }

    /** Every state of the namespace (tombstones and clocks included), one JSON object per line, read page by page. */
    @GET
    @Path("export")
    @Produces(NDJSON)
    @RolesAllowed(Roles.READ)
    public StreamingOutput export(@PathParam("ns") String ns) {
        states.requireNamespace(ns); // 404 now, before the stream starts
        return out -> {
            String after = null;
            while (true) {
                List<SyncState> page = store.page(ns, after, config.maxPageSize(), true);
                for (SyncState s : page) {
                    out.write(json.writeValueAsBytes(s));
                    out.write('\n');
                }
                if (page.size() < config.maxPageSize()) {
                    break;
                }
                after = page.get(page.size() - 1).id();
                out.flush();
            }
        };
    }

    /**
     * Reads NDJSON states line by line and reconciles them in batches, with the same rules as
     * reconcile. A malformed line stops the import with 400 naming the line; the batches before
     * it stay applied (importing again is safe: reconciliation is idempotent).
     */
    @POST
    @Path("import")
    @Consumes({NDJSON, MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @RolesAllowed(Roles.WRITE)
    public ReconciliationResult importStates(@PathParam("ns") String ns, InputStream body) throws IOException {
        states.requireNamespace(ns); // 404 before reading anything
        InputStream in = new java.io.BufferedInputStream(body, 64 * 1024);
        ReconciliationResult total = new ReconciliationResult(List.of(), List.of(), List.of(), 0, 0, 0, 0);
        List<SyncState> batch = new ArrayList<>(IMPORT_BATCH);
        long lineNo = 0;
        String line;
        while ((line = readLine(in, lineNo + 1)) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                // an export names its namespace; importing it elsewhere (another node, another name) is the point
                SyncState state = json.readValue(line, SyncState.class);
                batch.add(state == null ? null : state.withNamespace(ns));
            } catch (JsonProcessingException e) {
                throw ProblemException.badRequest("line " + lineNo + " is not a state: " + e.getOriginalMessage())
                        .with("line", lineNo).with("imported", total.appliedCount() + total.unchangedCount());
            }
            if (batch.size() == IMPORT_BATCH) {
                total = merge(total, states.reconcile(ns, batch, StateService.Source.CLIENT));
                batch = new ArrayList<>(IMPORT_BATCH);
            }
        }
        if (!batch.isEmpty()) {
            total = merge(total, states.reconcile(ns, batch, StateService.Source.CLIENT));
        }
        return total;
    }

    private static ReconciliationResult merge(ReconciliationResult a, ReconciliationResult b) {
        List<String> applied = new ArrayList<>(a.applied());
        b.applied().stream().limit(Math.max(0, 1000 - applied.size())).forEach(applied::add);
        List<String> unchanged = new ArrayList<>(a.unchanged());
        b.unchanged().stream().limit(Math.max(0, 1000 - unchanged.size())).forEach(unchanged::add);
        List<StateConflict> conflicts = new ArrayList<>(a.conflicts());
        b.conflicts().stream().limit(Math.max(0, 1000 - conflicts.size())).forEach(conflicts::add);
        return new ReconciliationResult(applied, unchanged, conflicts, a.appliedCount() + b.appliedCount(),
                a.unchangedCount() + b.unchangedCount(), a.conflictCount() + b.conflictCount(),
                a.pendingOperations() + b.pendingOperations());
    }

    /** One UTF-8 line without its terminator, null at the end; bounded so one line cannot exhaust memory. */
    private static String readLine(InputStream in, long lineNo) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        boolean any = false;
        while ((b = in.read()) != -1) {
            any = true;
            if (b == '\n') {
                break;
            }
            if (line.size() >= MAX_LINE) {
                throw new ProblemException(413, "line-too-long", "Line too long",
                        "line " + lineNo + " is longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (!any) {
            return null;
        }
        String s = line.toString(java.nio.charset.StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private int pageSize(Integer limit) {
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > config.maxPageSize()) {
            throw ProblemException.badRequest("limit must be between 1 and " + config.maxPageSize());
        }
        return size;
    }
}
