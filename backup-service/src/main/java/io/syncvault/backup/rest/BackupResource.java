package io.syncvault.backup.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.syncvault.backup.Backup;
import io.syncvault.backup.BackupOperation;
import io.syncvault.backup.service.BackupService;
import io.syncvault.backup.service.CatalogService;
import io.syncvault.backup.service.OperationService;
import io.syncvault.backup.service.RestoreService;
import io.syncvault.platform.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Backups: start one, list, read (manifest + progress), delete, restore, verify; the catalog. */
@Path("/v1/backups")
public class BackupResource {

    private final BackupService backups;
    private final RestoreService restores;
    private final CatalogService catalog;
    private final OperationService operations;
    private final ObjectMapper json;

    public BackupResource(BackupService backups, RestoreService restores, CatalogService catalog,
            OperationService operations, ObjectMapper json) {
        this.backups = backups;
        this.restores = restores;
        this.operations = operations;
        this.catalog = catalog;
        this.json = json;
    }

    /** Which definition to back up now. */
    public record StartRequest(@NotNull UUID definitionId) {
    }

    /** Where to restore, what, and whether existing files are replaced. */
    public record RestoreRequest(@NotBlank String targetPath, List<@NotBlank String> paths, Boolean overwrite) {
    }

    /** How much to verify: all parts and files (100, the default) or a random sample of parts. */
    public record VerifyRequest(@Min(1) @Max(100) Integer samplePercent) {
    }

    /** Progress of a running backup (also the final counts of a finished one). */
    public record Progress(long filesDone, long filesTotal, long bytesDone, long bytesTotal, int partsDone) {
    }

    /** A backup in the catalog; the manifest is included when one backup is read. */
    public record BackupView(String id, UUID definitionId, String definitionName, String store, Backup.Status status,
            Instant createdAt, Instant completedAt, Progress progress, long storedBytes, String error, JsonNode manifest) {
    }

    /** One page of backups, newest first. */
    public record BackupPage(List<BackupView> items, int page, int size, long total) {
    }

    @POST
    @RolesAllowed(Roles.WRITE)
    public Response start(@Valid @NotNull StartRequest request) {
        String id = backups.start(request.definitionId(), "api");
        return Response.accepted(Map.of("id", id, "status", Backup.Status.RUNNING))
                .location(URI.create("/v1/backups/" + id)).build();
    }

    /** Existing (completed) backups, newest first; {@code status} shows running or failed runs instead. */
    @GET
    @RolesAllowed(Roles.READ)
    @Transactional
    public BackupPage list(@QueryParam("definitionId") UUID definitionId, @QueryParam("status") Backup.Status status,
            @QueryParam("page") @DefaultValue("0") @Min(0) int page,
            @QueryParam("size") @DefaultValue("50") @Min(1) @Max(500) int size) {
        Backup.Status wanted = status == null ? Backup.Status.COMPLETED : status;
        var query = definitionId == null
                ? Backup.<Backup>find("status", Sort.descending("createdAt"), wanted)
                : Backup.<Backup>find("status = ?1 and definitionId = ?2", Sort.descending("createdAt"), wanted, definitionId);
        List<BackupView> items = query.page(Page.of(page, size)).list().stream().map(b -> view(b, false)).toList();
        return new BackupPage(items, page, size, query.count());
    }

    /**
     * A backup: progress while it runs, its manifest once completed. With {@code waitSeconds} (1 to 60) the answer
     * waits until the backup is no longer running or that time has passed, so a client learns its end without polling.
     */
    @GET
    @Path("{id}")
    @RolesAllowed(Roles.READ)
    public BackupView get(@PathParam("id") String id,
            @QueryParam("waitSeconds") @DefaultValue("0") @Min(0) @Max(60) int waitSeconds) {
        return view(backups.await(id, Duration.ofSeconds(waitSeconds)), true);
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public Response delete(@PathParam("id") String id) {
        backups.delete(id);
        return Response.noContent().build();
    }

    /**
     * Restores into a folder under the configured roots: answers the report when done, or with
     * {@code Prefer: respond-async} at once, 202 with the operation to follow ({@code Location}).
     */
    @POST
    @Path("{id}/restore")
    @RolesAllowed(Roles.WRITE)
    @APIResponse(responseCode = "200", description = "the restore is done",
            content = @Content(schema = @Schema(implementation = RestoreService.RestoreReport.class)))
    @APIResponse(responseCode = "202", description = "with Prefer: respond-async: the restore runs; follow Location",
            content = @Content(schema = @Schema(implementation = OperationResource.OperationView.class)))
    public Response restore(@PathParam("id") String id, @Valid @NotNull RestoreRequest request,
            @HeaderParam("Prefer") String prefer) {
        return run(restores.restore(id, request.targetPath(), request.paths(), Boolean.TRUE.equals(request.overwrite())),
                prefer);
    }

    /** Verifies a backup: answers the report when done, or with {@code Prefer: respond-async} at once, as a restore. */
    @POST
    @Path("{id}/verify")
    @RolesAllowed(Roles.READ)
    @APIResponse(responseCode = "200", description = "the verification is done",
            content = @Content(schema = @Schema(implementation = RestoreService.VerifyReport.class)))
    @APIResponse(responseCode = "202", description = "with Prefer: respond-async: the verification runs; follow Location",
            content = @Content(schema = @Schema(implementation = OperationResource.OperationView.class)))
    public Response verify(@PathParam("id") String id, @Valid VerifyRequest request, @HeaderParam("Prefer") String prefer) {
        return run(restores.verify(id, request == null ? null : request.samplePercent()), prefer);
    }

    private Response run(OperationService.Work<?> work, String prefer) {
        if (prefer != null && Arrays.stream(prefer.split(",")).map(String::strip).anyMatch("respond-async"::equalsIgnoreCase)) {
            BackupOperation op = operations.start(work);
            return Response.accepted(OperationResource.view(op)).location(URI.create(OperationResource.PATH + "/" + op.id))
                    .header("Preference-Applied", "respond-async").build();
        }
        return Response.ok(operations.runHere(work)).build();
    }

    /** Rebuilds the catalog from the manifests in every store. */
    @POST
    @Path("catalog/rebuild")
    @RolesAllowed(Roles.ADMIN)
    public CatalogService.RebuildReport rebuild() {
        return catalog.rebuild();
    }

    /** Removes parts that runs which died left behind (folders without a manifest) in a store. */
    @POST
    @Path("cleanup")
    @RolesAllowed(Roles.ADMIN)
    public Map<String, Object> cleanup(@QueryParam("store") @DefaultValue("default") String store) {
        return Map.of("store", store, "removed", backups.cleanupOrphans(store));
    }

    private BackupView view(Backup b, boolean withManifest) {
        JsonNode manifest = null;
        if (withManifest && b.manifest != null) {
            try {
                manifest = json.readTree(b.manifest);
            } catch (IOException e) {
                throw new IllegalStateException("catalog row " + b.id + " holds an unreadable manifest", e);
            }
        }
        return new BackupView(b.id, b.definitionId, b.definitionName, b.store, b.status, b.createdAt, b.completedAt,
                new Progress(b.filesDone, b.filesTotal, b.bytesDone, b.bytesTotal, b.partsDone), b.storedBytes, b.error,
                manifest);
    }
}
