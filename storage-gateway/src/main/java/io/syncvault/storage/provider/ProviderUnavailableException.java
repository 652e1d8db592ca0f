package io.syncvault.storage.provider;

/** Thrown when the provider cannot be reached or answered with a server error; worth retrying. */
public class ProviderUnavailableException extends RuntimeException {

    public ProviderUnavailableException(String message) {
        super(message);
    }

    public ProviderUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
