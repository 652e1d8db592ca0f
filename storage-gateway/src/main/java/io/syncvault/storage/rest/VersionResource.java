package io.syncvault.storage.rest;

import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.StoredObject;
import io.syncvault.storage.VersionList;
import io.syncvault.storage.service.ObjectService;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

/** Kept previous versions of an object: list them, restore one. Reading one is {@code GET …/objects/{key}?version=}. */
@Path("/v1/stores/{store}/versions/{key: .+}")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {

    /** Which kept version to restore. */
    public record RestoreRequest(@NotBlank String versionId) {
    }

    private final ObjectService objects;

    public VersionResource(ObjectService objects) {
        this.objects = objects;
    }

    @GET
    @RolesAllowed(Roles.READ)
    public VersionList list(@PathParam("store") String store, @PathParam("key") String key,
            @Context HttpServerRequest http) {
        return objects.versions(store, RawKey.of(http, "versions", key));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public Response restore(@PathParam("store") String store, @PathParam("key") String key,
            @Valid RestoreRequest request, @Context HttpHeaders headers, @Context SecurityContext security,
            @Context HttpServerRequest http) {
        if (request == null) {
            throw ProblemException.badRequest("a body {\"versionId\": ...} is required");
        }
        ObjectInfo info = objects.restore(store, RawKey.of(http, "versions", key), request.versionId(), headers.getHeaderString("X-SyncVault-Origin"),
                ObjectResource.actor(security));
        return Response.status(201).entity(StoredObject.of(info)).tag(info.versionTag()).build();
    }
}
