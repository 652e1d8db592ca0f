package io.syncvault.platform.testing;

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
 * What the tests of every service start from: the local connection settings that deploy/local/infra wrote, a check
 * that a piece of the real infrastructure is up (saying which script starts it when it is not), and a fresh JWT key
 * pair for the run (no key lives in the repository). Paths are relative to a service's module folder.
 */
public final class LocalInfrastructure {

    /** The settings deploy/local/infra writes. */
    public static final Path ENV_FILE = Path.of("..", "deploy", "local", "run", "env");

    private LocalInfrastructure() {
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

    /** Fails, naming the script that starts it, when nothing answers at {@code hostPort} (the first of a list). */
    public static void require(String what, String hostPort, String script) {
        String[] hp = hostPort.split(",")[0].split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
        } catch (IOException e) {
            throw new IllegalStateException(what + " is not reachable at " + hostPort + ": start it with `" + script
                    + "` (deploy/local/test starts everything the tests need)");
        }
    }

    /**
     * A fresh RSA key pair, written to target/test-jwt: the settings that have a service trust it and a test (or the
     * service) sign tokens with it.
     */
    public static Map<String, String> jwtKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Path dir = Files.createDirectories(Path.of("target", "test-jwt"));
            Path publicKey = dir.resolve("public.pem");
            Path privateKey = dir.resolve("private.pem");
            String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
            String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
            Files.writeString(publicKey, publicPem);
            Files.writeString(privateKey, privatePem);
            // the key contents too: in test mode smallrye-jwt otherwise installs its own in-memory
            // key pair, whose inline keys would win over the locations
            return Map.of(
                    "mp.jwt.verify.publickey.location", publicKey.toAbsolutePath().toUri().toString(),
                    "smallrye.jwt.sign.key.location", privateKey.toAbsolutePath().toUri().toString(),
                    "mp.jwt.verify.publickey", publicPem,
                    "smallrye.jwt.sign.key", privatePem);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot make a test key pair", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
