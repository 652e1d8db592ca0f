package io.syncvault.storage.provider;

/** Thrown when a key this provider cannot store safely. */
public class InvalidKeyException extends RuntimeException {

    public InvalidKeyException(String message) {
        super(message);
    }

    public InvalidKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
