package io.syncvault.sync.rest;

import io.syncvault.platform.PageCursor;
import io.syncvault.platform.Roles;
import io.syncvault.sync.SyncConflict;
import io.syncvault.sync.service.SyncService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.DefaultValue;
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

    /** One page of conflicts; {@code nextCursor} is null on the last page. */
    public record Page(List<SyncConflict> items, String nextCursor) {
    }

    @GET
    @RolesAllowed(Roles.READ)
    public Page list(@QueryParam("itemId") UUID itemId, @QueryParam("all") boolean all, @QueryParam("cursor") String cursor,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        List<SyncConflict> items = sync.conflicts(itemId, all, PageCursor.TimeAndId.in(cursor), limit);
        SyncConflict end = items.size() == limit ? items.get(items.size() - 1) : null;
        return new Page(items, end == null ? null : new PageCursor.TimeAndId(end.detectedAt, end.id).cursor());
    }

    @POST
    @Path("{id}/resolve")
    @RolesAllowed(Roles.WRITE)
    public Response resolve(@PathParam("id") UUID id, @Valid @NotNull Resolution body) {
        return Response.accepted(sync.resolve(id, body.resolution())).build();
    }
}
