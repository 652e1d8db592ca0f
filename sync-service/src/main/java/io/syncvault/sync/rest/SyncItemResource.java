package io.syncvault.sync.rest;

import io.syncvault.platform.Roles;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncItemSpec;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.service.SyncItemService;
import io.syncvault.sync.service.SyncService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** CRUD of sync items, the call that creates the default items, and an item's runs. */
@Path("/v1/sync/items")
public class SyncItemResource {

    private final SyncItemService items;
    private final SyncService sync;

    public SyncItemResource(SyncItemService items, SyncService sync) {
        this.items = items;
        this.sync = sync;
    }

    /** Starts a run of the item: 202 with the run id, 409 when it is already syncing. */
    @POST
    @Path("{id}/run")
    @RolesAllowed(Roles.WRITE)
    public Response run(@PathParam("id") UUID id) {
        UUID runId = sync.run(id, "API");
        return Response.accepted(Map.of("runId", runId, "itemId", id)).location(URI.create("/v1/sync/runs/" + runId)).build();
    }

    /** The item's runs, newest first. */
    @GET
    @Path("{id}/runs")
    @RolesAllowed(Roles.READ)
    public List<SyncRun> history(@PathParam("id") UUID id, @QueryParam("limit") @DefaultValue("20") @Min(1) @Max(500) int limit) {
        return sync.history(id, limit);
    }

    @POST
    @RolesAllowed(Roles.WRITE)
    public Response create(@Valid @NotNull SyncItemSpec spec, @Context UriInfo uri) {
        SyncItem item = items.create(spec);
        return Response.created(uri.getAbsolutePathBuilder().path(item.id.toString()).build())
                .entity(SyncItemView.of(item)).build();
    }

    @GET
    @RolesAllowed(Roles.READ)
    public List<SyncItemView> list() {
        return items.list().stream().map(SyncItemView::of).toList();
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Roles.READ)
    public SyncItemView get(@PathParam("id") UUID id) {
        return SyncItemView.of(items.get(id));
    }

    @PUT
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public SyncItemView update(@PathParam("id") UUID id, @Valid @NotNull SyncItemSpec spec) {
        return SyncItemView.of(items.update(id, spec));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public Response delete(@PathParam("id") UUID id) {
        items.delete(id);
        return Response.noContent().build();
    }

    /** Creates the default items (sessions, memory, settings) that do not exist yet; returns all three. */
    @POST
    @Path("defaults")
    @RolesAllowed(Roles.WRITE)
    public List<SyncItemView> defaults() {
        return items.createDefaults().stream().map(SyncItemView::of).toList();
    }
}
