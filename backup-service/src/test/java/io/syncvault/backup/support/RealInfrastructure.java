package io.syncvault.backup.support;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers {@link TestInfrastructure} for every {@code @QuarkusTest} of this module. */
@QuarkusTestResource(TestInfrastructure.class)
public final class RealInfrastructure {
    private RealInfrastructure() {
    }
}
