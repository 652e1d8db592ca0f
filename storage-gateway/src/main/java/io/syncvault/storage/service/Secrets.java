package io.syncvault.storage.service;

import java.util.Optional;

/** Resolves a configured secret: {@code env:NAME} reads environment variable NAME, anything else is the value. */
public final class Secrets {

    private Secrets() {
    }

    public static Optional<String> resolve(Optional<String> configured, String what) {
        if (configured.isEmpty()) {
            return Optional.empty();
        }
        String value = configured.get();
        if (value.startsWith("env:")) {
            String name = value.substring(4);
            String env = System.getenv(name);
            if (env == null || env.isEmpty()) {
                throw new IllegalStateException(what + " refers to environment variable " + name + ", which is not set");
            }
            return Optional.of(env);
        }
        return Optional.of(value);
    }
}
