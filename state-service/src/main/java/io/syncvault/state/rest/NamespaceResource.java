package io.syncvault.state.rest;

import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.state.Namespace;
import io.syncvault.state.service.NamespaceService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Namespace settings: conflict strategy and auto-sync interval. */
@Path("/v1/namespaces/{ns}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class NamespaceResource {

    /** Settings of a namespace; {@code autoSyncInterval} is an ISO-8601 duration or null (off). */
    public record NamespaceRequest(String conflictStrategy, String autoSyncInterval) {
    }

    private final NamespaceService namespaces;

    public NamespaceResource(NamespaceService namespaces) {
        this.namespaces = namespaces;
    }

    @GET
    @RolesAllowed(Roles.READ)
    public Namespace get(@PathParam("ns") String ns) {
        return namespaces.get(ns);
    }

    /** Creates (201) or changes (200) the namespace's settings; the other nodes take them from the changes topic. */
    @PUT
    @RolesAllowed(Roles.WRITE)
    public Response put(@PathParam("ns") String ns, NamespaceRequest body) {
        if (body == null) {
            throw ProblemException.badRequest("a body {conflictStrategy, autoSyncInterval} is required");
        }
        NamespaceService.Saved saved = namespaces.put(ns, body.conflictStrategy(), body.autoSyncInterval());
        return Response.status(saved.created() ? 201 : 200).entity(saved.namespace()).build();
    }
}
