package io.syncvault.storage.provider;

/** Thrown when a listing cursor was not produced by this provider. */
public class InvalidCursorException extends RuntimeException {

    public InvalidCursorException(String message) {
        super(message);
    }
}
