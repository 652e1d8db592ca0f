package io.syncvault.platform.testing;

import io.smallrye.jwt.build.Jwt;
import io.syncvault.platform.Roles;
import java.util.Set;

/** Bearer tokens signed with this test run's key (see {@link LocalInfrastructure#jwtKeys}). */
public final class Tokens {

    private Tokens() {
    }

    public static String admin() {
        return token("test-admin", Roles.READ, Roles.WRITE, Roles.ADMIN);
    }

    public static String writer() {
        return token("test-writer", Roles.READ, Roles.WRITE);
    }

    public static String reader() {
        return token("test-reader", Roles.READ);
    }

    public static String token(String user, String... roles) {
        return Jwt.issuer("syncvault").upn(user).groups(Set.of(roles)).expiresIn(3600).sign();
    }
}
