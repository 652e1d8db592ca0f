package io.syncvault.state.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncvault.platform.PageCursor;
import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.state.SyncState;
import io.syncvault.state.config.StateConfig;
import io.syncvault.state.service.StateService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** States of a namespace: create, read, list, update and delete (both with {@code If-Match: <version>}). */
@Path("/v1/namespaces/{ns}/states")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class StateResource {

    /** A new state; {@code id} is optional (a UUID is chosen when absent). */
    public record CreateRequest(String id, JsonNode data) {
    }

    /** New data for a state. */
    public record UpdateRequest(JsonNode data) {
    }

    /** One page of states; {@code nextCursor} is null on the last page. */
    public record Page(List<SyncState> items, String nextCursor) {
    }

    private final StateService states;
    private final StateConfig config;

    public StateResource(StateService states, StateConfig config) {
        this.states = states;
        this.config = config;
    }

    @POST
    @RolesAllowed(Roles.WRITE)
    public Response create(@PathParam("ns") String ns, CreateRequest body) {
        JsonNode data = requireData(body == null ? null : body.data());
        SyncState created = states.create(ns, body.id(), data);
        return Response.created(URI.create("/v1/namespaces/" + ns + "/states/" + created.id()))
                .tag(Long.toString(created.version())).entity(created).build();
    }

    @GET
    @RolesAllowed(Roles.READ)
    public Page list(@PathParam("ns") String ns, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit,
            @QueryParam("includeDeleted") boolean includeDeleted) {
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > config.maxPageSize()) {
            throw ProblemException.badRequest("limit must be between 1 and " + config.maxPageSize());
        }
        List<SyncState> items = states.page(ns, decode(cursor), size, includeDeleted);
        String next = items.size() == size ? encode(items.get(items.size() - 1).id()) : null;
        return new Page(items, next);
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Roles.READ)
    public Response get(@PathParam("ns") String ns, @PathParam("id") String id) {
        SyncState s = states.get(ns, id);
        if (s.deleted()) {
            throw ProblemException.notFound("state " + id + " was deleted").with("current", s);
        }
        return Response.ok(s).tag(Long.toString(s.version())).build();
    }

    @PUT
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public Response update(@PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, UpdateRequest body) {
        long expected = version(ifMatch);
        SyncState s = states.update(ns, id, requireData(body == null ? null : body.data()), expected);
        return Response.ok(s).tag(Long.toString(s.version())).build();
    }

    /** Deletes (leaves a tombstone, returned) so the delete replicates and nothing older brings it back. */
    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public Response delete(@PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch) {
        SyncState s = states.delete(ns, id, version(ifMatch));
        return Response.ok(s).tag(Long.toString(s.version())).build();
    }

    static JsonNode requireData(JsonNode data) {
        if (data == null || data.isNull() || data.isMissingNode()) {
            throw ProblemException.badRequest("data is required");
        }
        return data;
    }

    static long version(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw new ProblemException(428, "precondition-required", "Precondition required",
                    "If-Match: <version> is required, so that no update is lost");
        }
        String v = ifMatch.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("If-Match must carry a state version, e.g. \"3\"");
        }
    }

    static String encode(String id) {
        return PageCursor.of(id);
    }

    static String decode(String cursor) {
        String[] parts = PageCursor.parts(cursor, 1);
        return parts == null ? null : parts[0];
    }
}
