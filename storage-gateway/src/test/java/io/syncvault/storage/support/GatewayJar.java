package io.syncvault.storage.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The packaged gateway ({@code target/quarkus-app/quarkus-run.jar}) as a process of a test, configured by its environment. */
public final class GatewayJar {

    private GatewayJar() {
    }

    /**
     * A process builder for the packaged gateway on {@code port}, checking tokens with {@code publicKey}, sending events
     * to {@code kafka}, its default store in {@code defaultRoot}; {@code jvmArgs} go before {@code -jar}.
     */
    public static ProcessBuilder builder(int port, String publicKey, String kafka, Path defaultRoot, String... jvmArgs) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("SYNCVAULT_HTTP_PORT", String.valueOf(port));
        env.put("SYNCVAULT_JWT_PUBLIC_KEY", publicKey);
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("SYNCVAULT_GATEWAY_STORES_DEFAULT_ROOT", defaultRoot.toString());
        return pb;
    }

    /** Waits until the gateway at {@code base} answers its liveness check. */
    public static void awaitLive(HttpClient http, URI base) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(base.resolve("/q/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
