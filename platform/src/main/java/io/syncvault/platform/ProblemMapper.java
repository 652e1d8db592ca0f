package io.syncvault.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.enterprise.inject.Instance;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become RFC 9457 problem details, in every service: {@code type} (a
 * {@code urn:syncvault:problem:} name), {@code title}, {@code status}, {@code detail} and extensions; never a stack
 * trace. Quarkus finds these mappers in each service because this jar has a META-INF/beans.xml (it is indexed). A
 * service maps its own failures in a class of its own, with these builders; one that must answer a failure mapped
 * here differently maps it there with a higher priority (a lower number).
 */
public class ProblemMapper {

    public static final String PROBLEM_JSON = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:syncvault:problem:";
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    /** The database pool's recovery, in services that have a database. */
    private final Instance<PoolRecovery> pools;

    public ProblemMapper(Instance<PoolRecovery> pools) {
        this.pools = pools;
    }

    /** A problem's answer: a 503 says when to try again, a 416 with the object's size says that size. */
    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder r = Response.status(e.status()).entity(details(e));
        if (e.status() == 503) {
            r.header("Retry-After", "5");
        }
        if (e.status() == 416 && e.extensions().get("size") != null) {
            r.header("Content-Range", "bytes */" + e.extensions().get("size"));
        }
        return r.type(PROBLEM_JSON).build();
    }

    /** 400 naming each field that failed validation. */
    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        List<Map<String, String>> errors = e.getConstraintViolations().stream()
                .map(v -> Map.of("field", lastNode(v.getPropertyPath().toString()), "message", v.getMessage()))
                .toList();
        String detail = errors.stream().map(m -> m.get("field") + ": " + m.get("message"))
                .reduce((a, b) -> a + "; " + b).orElse("invalid request");
        return respond(400, "invalid-request", "Invalid request", detail, Map.of("errors", errors));
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        return respond(400, "malformed-json", "Malformed JSON", e.getOriginalMessage(), Map.of());
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(respond(401, "unauthorized", "Unauthorized", "a valid bearer token is required",
                Map.of())).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(403, "forbidden", "Forbidden", "the token lacks the role this operation needs", Map.of());
    }

    @ServerExceptionMapper({CircuitBreakerOpenException.class, TimeoutException.class})
    public Response dependencyDown(RuntimeException e) {
        return unavailable("dependency-unavailable", "a dependency is not answering; retry later");
    }

    /** A failure the framework raised with a status: under 500 said as it is, else {@link #unexpected}. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType info = Response.Status.fromStatusCode(status);
        String title = info != null ? info.getReasonPhrase() : "HTTP " + status;
        if (status >= 500) {
            return unexpected(e);
        }
        return respond(status, title.toLowerCase().replaceAll("[^a-z0-9]+", "-"), title, e.getMessage(), Map.of());
    }

    /**
     * A failure no other mapper claims. When the database is out of reach (no connection, the pool's wait timed out,
     * a deadlock, a shutdown: {@link DatabaseFailures#unavailable}) a 503 the client may send again, the transaction
     * having been rolled back; a lost connection also has the pool drop its other dead ones ({@link PoolRecovery}).
     * Else a 500: the failure is logged with a reference, and only the reference is said.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseFailures.unavailable(e)) {
            LOG.warnf("database unavailable: %s", e.getMessage());
            if (pools.isResolvable()) {
                pools.get().failed(e);
            }
            return unavailable("database-unavailable", "the database is not available; retry later");
        }
        return internalError(e);
    }

    // ---------- builders, for the services' own mappers too ----------

    /** The problem details body of a problem (also a batch's per-entry answer). */
    public static Map<String, Object> details(ProblemException e) {
        return body(e.status(), e.type(), e.title(), e.getMessage(), e.extensions());
    }

    /** 503 with {@code Retry-After}: nothing was done, the request may be sent again. */
    public static Response unavailable(String type, String detail) {
        return Response.fromResponse(respond(503, type, "Service unavailable", detail, Map.of()))
                .header("Retry-After", "5").build();
    }

    /** 500: the failure is logged with a reference, and only the reference is said. */
    public static Response internalError(Throwable e) {
        return respond(internalErrorDetails(e));
    }

    /** The problem details of an unexpected failure, which is logged with the reference they give. */
    public static Map<String, Object> internalErrorDetails(Throwable e) {
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected failure, reference %s", reference);
        return body(500, "internal-error", "Internal error", "the failure was unexpected; reference " + reference, Map.of());
    }

    public static Response respond(int status, String type, String title, String detail, Map<String, Object> ext) {
        return Response.status(status).type(PROBLEM_JSON).entity(body(status, type, title, detail, ext)).build();
    }

    /** The answer that carries these problem details (a 503 with {@code Retry-After}). */
    public static Response respond(Map<String, Object> details) {
        int status = (Integer) details.get("status");
        Response.ResponseBuilder r = Response.status(status).type(PROBLEM_JSON).entity(details);
        if (status == 503) {
            r.header("Retry-After", "5");
        }
        return r.build();
    }

    /** Problem details (RFC 9457) with this status, type (its last part), title and detail. */
    public static Map<String, Object> body(int status, String type, String title, String detail,
            Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_PREFIX + type);
        body.put("title", title);
        body.put("status", status);
        if (detail != null) {
            body.put("detail", detail);
        }
        body.putAll(extensions);
        return body;
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}
