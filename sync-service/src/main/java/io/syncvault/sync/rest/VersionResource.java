package io.syncvault.sync.rest;

import io.syncvault.platform.Roles;
import io.syncvault.sync.client.ObjectVersion;
import io.syncvault.sync.service.SyncService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** Kept versions of an item's files (the gateway keeps them before each overwrite or delete). */
@Path("/v1/sync/items/{id}/versions")
public class VersionResource {

    /** Which version of which path to make current again. */
    public record RestoreRequest(@NotBlank String path, @NotBlank String versionId) {
    }

    private final SyncService sync;

    public VersionResource(SyncService sync) {
        this.sync = sync;
    }

    @GET
    @RolesAllowed(Roles.READ)
    public List<ObjectVersion> list(@PathParam("id") UUID id, @QueryParam("path") String path) {
        return sync.versions(id, path);
    }

    @POST
    @Path("restore")
    @RolesAllowed(Roles.WRITE)
    public Response restore(@PathParam("id") UUID id, @Valid @NotNull RestoreRequest body) {
        return Response.status(201).entity(sync.restore(id, body.path(), body.versionId())).build();
    }
}
