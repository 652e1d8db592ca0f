package io.syncvault.storage.provider;

/**
 * The one rule by which a cloud provider's HTTP status becomes the gateway's provider
 * exceptions: 404 is a missing object, 409/412 a failed write condition, 429 and 5xx (and 0,
 * no answer at all) a provider that is unavailable and worth retrying; anything else is left
 * as the SDK raised it.
 */
final class ProviderErrors {

    private ProviderErrors() {
    }

    static RuntimeException forStatus(String provider, int status, RuntimeException error) {
        if (status == 404) {
            return new ObjectNotFoundException("no such object");
        }
        if (status == 412 || status == 409) {
            return new PreconditionFailedException("the write condition did not hold");
        }
        if (status == 0 || status == 429 || status >= 500) {
            return new ProviderUnavailableException(provider + " answered " + status + ": " + error.getMessage(), error);
        }
        return error;
    }
}
