package io.syncvault.state.rest;

import io.syncvault.platform.ProblemMapper;
import io.syncvault.state.events.StateChangesConsumer;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A failure no other mapper claims: when the database is out of reach (or broke a deadlock) a 503 the client may
 * send again, else the platform's 500. It takes unexpected failures before the platform's ProblemMapper does.
 */
public class DatabaseProblems {

    private static final Logger LOG = Logger.getLogger(DatabaseProblems.class);

    @ServerExceptionMapper(priority = Priorities.USER - 1)
    public Response unexpected(Throwable e) {
        if (StateChangesConsumer.unavailable(e)) {
            // nothing was written: the request may be sent again
            LOG.warnf("database unavailable: %s", e.getMessage());
            return ProblemMapper.unavailable("database-unavailable",
                    "the database is not available; nothing was changed; retry later");
        }
        return ProblemMapper.internalError(e);
    }
}
