package io.syncvault.sync.rest;

import io.syncvault.platform.Roles;
import io.syncvault.sync.SyncConflict;
import io.syncvault.sync.service.SyncService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** Stored conflicts (MANUAL strategy) and their resolution. */
@Path("/v1/sync/conflicts")
public class ConflictResource {

    /** LOCAL keeps the local file, REMOTE the remote one, BOTH keeps both (the local one as a conflict copy). */
    public record Resolution(@NotNull @Pattern(regexp = "LOCAL|REMOTE|BOTH") String resolution) {
    }

    private final SyncService sync;

    public ConflictResource(SyncService sync) {
        this.sync = sync;
    }

    @GET
    @RolesAllowed(Roles.READ)
    public List<SyncConflict> list(@QueryParam("itemId") UUID itemId, @QueryParam("all") boolean all) {
        return sync.conflicts(itemId, all);
    }

    @POST
    @Path("{id}/resolve")
    @RolesAllowed(Roles.WRITE)
    public Response resolve(@PathParam("id") UUID id, @Valid @NotNull Resolution body) {
        return Response.accepted(sync.resolve(id, body.resolution())).build();
    }
}
