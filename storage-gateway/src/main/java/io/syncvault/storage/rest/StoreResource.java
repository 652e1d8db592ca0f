package io.syncvault.storage.rest;

import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.storage.StoreDescription;
import io.syncvault.storage.provider.ObjectNotFoundException;
import io.syncvault.storage.service.Store;
import io.syncvault.storage.service.StoreRegistry;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** The configured stores (never their secrets) and, for admins, the passphrases of an encrypted store. */
@Path("/v1/stores")
@Produces(MediaType.APPLICATION_JSON)
public class StoreResource {

    /** A passphrase to add to a store's key ring. */
    public record AddPassphrase(@NotBlank String passphrase) {
    }

    private final StoreRegistry stores;

    public StoreResource(StoreRegistry stores) {
        this.stores = stores;
    }

    @GET
    @RolesAllowed(Roles.READ)
    public List<StoreDescription> list() {
        return stores.all().stream().map(Store::describe).toList();
    }

    @POST
    @Path("{store}/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response addPassphrase(@PathParam("store") String name, @Valid AddPassphrase request) {
        if (request == null) {
            throw ProblemException.badRequest("a body {\"passphrase\": ...} is required");
        }
        Store store = encrypted(name);
        String keyId = store.keys().addPassphrase(request.passphrase());
        return Response.status(201).entity(Map.of("keyId", keyId)).build();
    }

    @DELETE
    @Path("{store}/keys/{keyId}")
    @RolesAllowed(Roles.ADMIN)
    public Response removePassphrase(@PathParam("store") String name, @PathParam("keyId") String keyId) {
        Store store = encrypted(name);
        if (!keyId.matches("[0-9a-f]{16}")) {
            throw ProblemException.notFound("no key " + keyId + " in store " + name);
        }
        try {
            store.keys().removePassphrase(keyId);
        } catch (ObjectNotFoundException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(e.getMessage() + "; add another passphrase first");
        }
        return Response.noContent().build();
    }

    private Store encrypted(String name) {
        Store store = stores.get(name);
        if (!store.encrypted()) {
            throw ProblemException.conflict("store " + name + " is not encrypted; it has no passphrases");
        }
        return store;
    }
}
