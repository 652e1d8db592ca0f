package io.syncvault.backup.client;

import java.net.http.HttpClient;

/**
 * Where this service's HTTP clients to the gateway are made. The JDK client reads responses in
 * pieces of {@code jdk.httpclient.bufsize} bytes (16 KiB by default) and hands each piece from its
 * selector thread to the reading thread; streaming parts and batches of objects that way cost more
 * in thread wake-ups than in copying. With 256 KiB pieces a restore of the benchmark tree took 2.5 to 3.0 s
 * and 2.8 to 3.5 CPU-seconds in the backup-service, against 4.0 s and 3.9 to 4.0 with 16 KiB. The property
 * is read once, when the JVM's first client is made; a value given on the command line wins.
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
}
