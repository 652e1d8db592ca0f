package io.syncvault.storage.rest;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A body that failed after its first byte (the other failures are mapped by the platform's ProblemMapper). */
public class AbortedResponses {

    /** The connection is already closed: there is nobody to answer. */
    @ServerExceptionMapper
    public Response aborted(StreamAbortedException e) {
        return Response.status(500).build();
    }
}
