package io.syncvault.backup.rest;

import io.syncvault.backup.archive.PartChainInputStream;
import io.syncvault.backup.client.GatewayException;
import io.syncvault.backup.client.GatewayUnavailableException;
import io.syncvault.platform.ProblemException;
import io.syncvault.platform.ProblemMapper;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The storage gateway's failures as this service's problems (the others are mapped by the platform's ProblemMapper),
 * and {@link #details(Throwable)}: any failure of this service as the problem details it is answered with, also for
 * an operation that ran after its request was answered.
 */
public class GatewayProblems {

    /** A backup's parts could not be read because the gateway could not be reached: 503, nothing said about the backup. */
    @ServerExceptionMapper
    public Response partsUnavailable(PartChainInputStream.Unavailable e) {
        return ProblemMapper.respond(details(e));
    }

    /** The storage gateway failed or refused: 503 when it is down, its 404 as ours, anything else a bad gateway. */
    @ServerExceptionMapper
    public Response gateway(GatewayException e) {
        return ProblemMapper.respond(details(e));
    }

    /** The problem details of a failure: a problem's own, the gateway's failures as above, else an internal error. */
    public static Map<String, Object> details(Throwable e) {
        if (e instanceof ProblemException p) {
            return ProblemMapper.details(p);
        }
        if (e instanceof PartChainInputStream.Unavailable || e instanceof GatewayUnavailableException) {
            return ProblemMapper.body(503, "gateway-unavailable", "Service unavailable", e.getMessage(), Map.of());
        }
        if (e instanceof GatewayException g) {
            return g.notFound() ? ProblemMapper.body(404, "not-found", "Not found", e.getMessage(), Map.of())
                    : ProblemMapper.body(502, "gateway-error", "Bad gateway", e.getMessage(), Map.of());
        }
        return ProblemMapper.internalErrorDetails(e);
    }
}
