package io.syncvault.gatewayhttp;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * How the sync- and backup-service call the storage gateway: the JDK HTTP client, and the response
 * bodies they read.
 *
 * <p>The JDK client reads responses in pieces of {@code jdk.httpclient.bufsize} bytes (16 KiB by
 * default) and hands each piece from its selector thread to the reading thread; streaming parts and
 * batches of objects that way cost more in thread wake-ups than in copying. With 256 KiB pieces a
 * download of the benchmark tree took 7.3 s and 4.4 CPU-seconds in the sync-service, against 9.7 s
 * and 6.6 with 16 KiB (the backup-service's restore: 2.5 to 3.0 s against 4.0 s). The property is
 * read once, when the JVM's first client is made; a value given on the command line wins.
 */
public final class GatewayHttp {

    static {
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
        }
    }

    private GatewayHttp() {
    }

    /** A client builder for HTTP/1.1 (the gateway streams bodies; HTTP/2's flow control would only slow them). */
    public static HttpClient.Builder builder() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    }

    /**
     * Response bodies as streams whose reads fail with {@link StalledBodyException} once one has waited
     * {@code readIdle} without a byte arriving. A request's timeout ends with the response's headers; after
     * them the JDK client waits for the body's bytes as long as the connection stays open, and a half-open
     * connection (the gateway's host gone without a word, a stalled proxy) stays open for hours.
     */
    public static HttpResponse.BodyHandler<InputStream> bodies(Duration readIdle) {
        return info -> HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(),
                in -> IdleGuard.guard(in, readIdle));
    }
}
