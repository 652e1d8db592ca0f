package io.syncvault.sync.rest;

import io.syncvault.platform.Roles;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.service.SyncService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Running every item, reading a run (progress while running, result after) and the status of all items. */
@Path("/v1/sync")
public class SyncRunResource {

    private final SyncService sync;

    public SyncRunResource(SyncService sync) {
        this.sync = sync;
    }

    @POST
    @Path("run")
    @RolesAllowed(Roles.WRITE)
    public Response runAll() {
        return Response.accepted(Map.of("runIds", sync.runAll())).build();
    }

    /**
     * A run: progress while it runs, its result after. With {@code waitSeconds} (1 to 60) the answer waits until
     * the run has finished or that time has passed, so a client learns the end of a run at once without polling.
     */
    @GET
    @Path("runs/{runId}")
    @RolesAllowed(Roles.READ)
    public SyncRun run(@PathParam("runId") UUID runId,
            @QueryParam("waitSeconds") @DefaultValue("0") @Min(0) @Max(60) int waitSeconds) {
        return sync.awaitRun(runId, Duration.ofSeconds(waitSeconds));
    }

    @GET
    @Path("status")
    @RolesAllowed(Roles.READ)
    public List<SyncService.ItemStatus> status() {
        return sync.status();
    }
}
