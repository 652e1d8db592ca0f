package io.syncvault.platform;

/**
 * The roles a bearer token can carry (its {@code groups} claim). Roles are independent:
 * an admin token carries all three.
 */
public final class Roles {
    public static final String READ = "syncvault-read";
    public static final String WRITE = "syncvault-write";
    public static final String ADMIN = "syncvault-admin";

    private Roles() {
    }
}
