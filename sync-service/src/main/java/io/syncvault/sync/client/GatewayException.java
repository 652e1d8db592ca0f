package io.syncvault.sync.client;

/**
 * A gateway call that did not succeed, by what the caller should do about it:
 * {@link PreconditionFailed} (someone else changed the object: a conflict to detect again),
 * {@link Missing}, {@link Unavailable} (5xx or no connection: retryable) or {@link Rejected}.
 */
public abstract sealed class GatewayException extends RuntimeException {

    private final int status;

    GatewayException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** 412: the object is not the version the precondition named. */
    public static final class PreconditionFailed extends GatewayException {
        public PreconditionFailed(String message) {
            super(412, message, null);
        }
    }

    /** 404: no such object (or store). */
    public static final class Missing extends GatewayException {
        public Missing(String message) {
            super(404, message, null);
        }
    }

    /** 5xx, 429 or no answer: the same call may succeed later. */
    public static final class Unavailable extends GatewayException {
        public Unavailable(int status, String message, Throwable cause) {
            super(status, message, cause);
        }
    }

    /** Any other refusal (400, 401, 403, 413...): retrying the same call will not help. */
    public static final class Rejected extends GatewayException {
        public Rejected(int status, String message) {
            super(status, message, null);
        }
    }
}
