package io.syncvault.backup.rest;

import io.syncvault.backup.archive.PartChainInputStream;
import io.syncvault.backup.client.GatewayException;
import io.syncvault.backup.client.GatewayUnavailableException;
import io.syncvault.platform.ProblemMapper;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The storage gateway's failures as this service's problems (the others are mapped by the platform's ProblemMapper). */
public class GatewayProblems {

    /** A backup's parts could not be read because the gateway could not be reached: 503, nothing said about the backup. */
    @ServerExceptionMapper
    public Response partsUnavailable(PartChainInputStream.Unavailable e) {
        return ProblemMapper.unavailable("gateway-unavailable", e.getMessage());
    }

    /** The storage gateway failed or refused: 503 when it is down, its 404 as ours, anything else a bad gateway. */
    @ServerExceptionMapper
    public Response gateway(GatewayException e) {
        if (e instanceof GatewayUnavailableException) {
            return ProblemMapper.unavailable("gateway-unavailable", e.getMessage());
        }
        if (e.notFound()) {
            return ProblemMapper.respond(404, "not-found", "Not found", e.getMessage(), Map.of());
        }
        return ProblemMapper.respond(502, "gateway-error", "Bad gateway", e.getMessage(), Map.of());
    }
}
