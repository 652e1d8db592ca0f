package io.syncvault.backup.rest;

import io.syncvault.backup.BackupDefinition;
import io.syncvault.backup.RetentionPolicy;
import io.syncvault.backup.service.BackupService;
import io.syncvault.backup.service.DefinitionService;
import io.syncvault.platform.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/** Backup definitions: what to back up, where, when, how many to keep. */
@Path("/v1/backup/definitions")
public class BackupDefinitionResource {

    private final DefinitionService definitions;
    private final BackupService backups;

    public BackupDefinitionResource(DefinitionService definitions, BackupService backups) {
        this.definitions = definitions;
        this.backups = backups;
    }

    @POST
    @RolesAllowed(Roles.WRITE)
    public Response create(@Valid @NotNull DefinitionRequest request) {
        DefinitionView view = DefinitionView.of(definitions.create(request));
        return Response.created(URI.create("/v1/backup/definitions/" + view.id())).entity(view).build();
    }

    /** Creates the original BackupManager's default definition (its default items, hourly, five kept). */
    @POST
    @Path("defaults")
    @RolesAllowed(Roles.WRITE)
    public Response createDefaults() {
        DefinitionView view = DefinitionView.of(definitions.createDefaults());
        return Response.created(URI.create("/v1/backup/definitions/" + view.id())).entity(view).build();
    }

    @GET
    @RolesAllowed(Roles.READ)
    @Transactional
    public List<DefinitionView> list() {
        return BackupDefinition.<BackupDefinition>listAll(io.quarkus.panache.common.Sort.by("name")).stream()
                .map(DefinitionView::of).toList();
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Roles.READ)
    @Transactional
    public DefinitionView get(@PathParam("id") UUID id) {
        return DefinitionView.of(definitions.get(id));
    }

    @PUT
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public DefinitionView update(@PathParam("id") UUID id, @Valid @NotNull DefinitionRequest request) {
        return DefinitionView.of(definitions.update(id, request));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.WRITE)
    public Response delete(@PathParam("id") UUID id) {
        definitions.delete(id);
        return Response.noContent().build();
    }

    /** Applies the definition's retention now; with {@code dryRun=true} only says what would go. */
    @POST
    @Path("{id}/retention")
    @RolesAllowed(Roles.WRITE)
    public RetentionView retention(@PathParam("id") UUID id, @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        RetentionPolicy.Selection s = backups.applyRetention(id, dryRun);
        return new RetentionView(dryRun, s.keep().stream().map(RetentionPolicy.Candidate::id).toList(),
                s.delete().stream().map(RetentionPolicy.Candidate::id).toList());
    }

    /** What a retention run kept and deleted (or would delete, in a dry run). */
    public record RetentionView(boolean dryRun, List<String> keep, List<String> delete) {
    }
}
