package io.syncvault.backup.client;

/** The gateway is not answering or failed on its side (5xx): worth a retry where the call is safe to repeat. */
public class GatewayUnavailableException extends GatewayException {

    public GatewayUnavailableException(int status, String message, Throwable cause) {
        super(status, message, cause);
    }
}
