package io.syncvault.backup.rest;

import io.syncvault.backup.BackupOperation;
import io.syncvault.backup.service.OperationService;
import io.syncvault.platform.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Restores and verifications as operations: how far one is, then its report or the problem it failed with. */
@Path(OperationResource.PATH)
public class OperationResource {

    static final String PATH = "/v1/backup-operations";

    /** How far an operation is (the totals of a restore or a full verification come from the manifest). */
    public record Progress(long filesDone, long filesTotal, long bytesDone, long bytesTotal) {
    }

    /**
     * An operation: RUNNING with its progress, then SUCCEEDED with its report ({@code result}, what a synchronous
     * call answers) or FAILED with the problem details a synchronous call would have answered ({@code problem}).
     */
    public record OperationView(UUID id, BackupOperation.Kind kind, String backupId, BackupOperation.Status status,
            Instant startedAt, Instant endedAt, Map<String, Object> request, Progress progress, Map<String, Object> result,
            Map<String, Object> problem) {
    }

    private final OperationService operations;

    public OperationResource(OperationService operations) {
        this.operations = operations;
    }

    /** The operation; with {@code waitSeconds} (1 to 60) the answer waits until it has ended or that time has passed. */
    @GET
    @Path("{id}")
    @RolesAllowed(Roles.READ)
    public OperationView get(@PathParam("id") UUID id,
            @QueryParam("waitSeconds") @DefaultValue("0") @Min(0) @Max(60) int waitSeconds) {
        return view(operations.await(id, Duration.ofSeconds(waitSeconds)));
    }

    static OperationView view(BackupOperation op) {
        return new OperationView(op.id, op.kind, op.backupId, op.status, op.startedAt, op.endedAt, op.request,
                new Progress(op.filesDone, op.filesTotal, op.bytesDone, op.bytesTotal), op.result, op.problem);
    }
}
