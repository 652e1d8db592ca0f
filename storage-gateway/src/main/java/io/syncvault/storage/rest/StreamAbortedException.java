package io.syncvault.storage.rest;

/** A response body failed after it started; the connection was closed so the client sees the failure. */
public class StreamAbortedException extends RuntimeException {

    public StreamAbortedException(Throwable cause) {
        super(cause.getMessage(), cause);
    }
}
