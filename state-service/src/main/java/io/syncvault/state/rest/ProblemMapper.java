package io.syncvault.state.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.syncvault.state.ProblemException;
import io.syncvault.state.events.StateChangesConsumer;
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

/** The one place where failures become RFC 9457 problem details; never a stack trace. */
public class ProblemMapper {

    public static final String PROBLEM_JSON = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:syncvault:problem:";
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder r = Response.status(e.status())
                .entity(body(e.status(), e.type(), e.title(), e.getMessage(), e.extensions()));
        if (e.status() == 503) {
            r.header("Retry-After", "5");
        }
        return r.type(PROBLEM_JSON).build();
    }

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
        return Response.fromResponse(respond(401, "unauthorized", "Unauthorized",
                "a valid bearer token is required", Map.of()))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(403, "forbidden", "Forbidden", "the token lacks the role this operation needs", Map.of());
    }

    @ServerExceptionMapper({CircuitBreakerOpenException.class, TimeoutException.class})
    public Response dependencyDown(RuntimeException e) {
        return Response.fromResponse(respond(503, "dependency-unavailable", "Service unavailable",
                "a dependency is not answering; retry later", Map.of()))
                .header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType info = Response.Status.fromStatusCode(status);
        String title = info != null ? info.getReasonPhrase() : "HTTP " + status;
        if (status >= 500) {
            return unexpected(e);
        }
        return respond(status, slug(title), title, e.getMessage(), Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (StateChangesConsumer.unavailable(e)) {
            // the database is out of reach, or broke a deadlock: nothing was written, the request may be sent again
            LOG.warnf("database unavailable: %s", e.getMessage());
            return Response.fromResponse(respond(503, "database-unavailable", "Service unavailable",
                    "the database is not available; nothing was changed; retry later", Map.of()))
                    .header("Retry-After", "5").build();
        }
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected failure, reference %s", reference);
        return respond(500, "internal-error", "Internal error",
                "the request failed unexpectedly; reference " + reference, Map.of());
    }

    private static Response respond(int status, String type, String title, String detail, Map<String, Object> ext) {
        return Response.status(status).type(PROBLEM_JSON).entity(body(status, type, title, detail, ext)).build();
    }

    private static Map<String, Object> body(int status, String type, String title, String detail,
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

    private static String slug(String title) {
        return title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}
