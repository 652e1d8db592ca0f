package io.syncvault.gatewayhttp;

import java.io.IOException;
import java.time.Duration;

/** A response body's read waited longer than the read-idle limit without a byte: the connection was given up. */
public final class StalledBodyException extends IOException {

    public StalledBodyException(Duration idle) {
        super("no byte of the answer arrived for " + describe(idle) + "; the connection was given up");
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
