package io.syncvault.backup.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.syncvault.gatewayhttp.GatewayLink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepares what every test of this service needs: checks that the real Kafka broker and
 * PostgreSQL are up (and says which script starts them when they are not), reads the local
 * connection settings that deploy/local/infra wrote, and makes a fresh JWT key pair for
 * this run (no key lives in the repository); then starts the real storage gateway (see
 * {@link GatewayProcess}) with that key, reached through a {@link GatewayLink}, and gives this
 * service a fresh backup root.
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {

    private GatewayProcess gateway;
    private GatewayLink link;

    static final Path ENV_FILE = Path.of("..", "deploy", "local", "run", "env");

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(localEnv());
        String kafka = config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        require("Kafka", kafka, "deploy/local/infra start kafka");
        require("PostgreSQL", config.getOrDefault("SYNCVAULT_DB_HOST", "127.0.0.1") + ":5432",
                "deploy/local/infra start postgres");
        config.putAll(jwtKeys());
        // the real gateway, trusting this run's key; backups read from and restore into a fresh root
        gateway = GatewayProcess.start(Path.of("target", "test-jwt", "public.pem"), kafka);
        config.putAll(gateway.config());
        // the service reaches the gateway through a relay a test can cut; the tests' own calls go to it directly
        link = GatewayLink.start(gateway.port());
        config.put("syncvault.gateway.url", link.url());
        // a body that stops arriving is given up after 3 s (2 minutes in service), so that a test can show it
        config.put("syncvault.gateway.read-idle-timeout", "3s");
        try {
            Path roots = Files.createDirectories(Path.of("target", "backup-roots", java.util.UUID.randomUUID().toString()));
            config.put("syncvault.backup.roots", roots.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the test backup root", e);
        }
        config.put("syncvault.backup.min-part-size", "4K");
        return config;
    }

    @Override
    public void stop() {
        if (link != null) {
            link.close();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    /** Settings from the environment, else from deploy/local/run/env. */
    public static Map<String, String> localEnv() {
        Map<String, String> env = new HashMap<>();
        if (Files.exists(ENV_FILE)) {
            try {
                for (String line : Files.readAllLines(ENV_FILE)) {
                    if (line.startsWith("export ")) {
                        String[] kv = line.substring(7).split("=", 2);
                        env.put(kv[0], kv[1].replaceAll("^'|'$", ""));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + ENV_FILE, e);
            }
        }
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("SYNCVAULT_") || k.startsWith("KAFKA_")) {
                env.put(k, v);
            }
        });
        return env;
    }

    public static void require(String what, String hostPort, String script) {
        String[] hp = hostPort.split(",")[0].split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
        } catch (IOException e) {
            throw new IllegalStateException(what + " is not reachable at " + hostPort + ": start it with `" + script
                    + "` (deploy/local/test starts everything the tests need)");
        }
    }

    public static Map<String, String> jwtKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Path dir = Files.createDirectories(Path.of("target", "test-jwt"));
            Path publicKey = dir.resolve("public.pem");
            Path privateKey = dir.resolve("private.pem");
            Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            Files.writeString(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            return Map.of(
                    "mp.jwt.verify.publickey.location", publicKey.toAbsolutePath().toUri().toString(),
                    "smallrye.jwt.sign.key.location", privateKey.toAbsolutePath().toUri().toString());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot make a test key pair", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
