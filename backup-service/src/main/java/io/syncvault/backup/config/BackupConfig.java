package io.syncvault.backup.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** What backups may read and restore into, and how runs behave. */
@ConfigMapping(prefix = "syncvault.backup")
public interface BackupConfig {

    /** Folders whose contents may be backed up and restored into; relative items resolve against the first. */
    @WithDefault("${user.home}")
    List<String> roots();

    /** The store a definition uses when it names none. */
    @WithDefault("default")
    String defaultStore();

    /** The part size a definition gets when it gives none. */
    @WithDefault("64M")
    MemorySize defaultPartSize();

    /** The smallest part size a definition may ask for. */
    @WithDefault("64K")
    MemorySize minPartSize();

    /** How often a running backup or restore records its progress and publishes a progress event, at most. */
    @WithDefault("1s")
    Duration progressInterval();

    /** A RUNNING backup whose heartbeat is older than this is taken as dead: its parts become orphans. */
    @WithDefault("2m")
    Duration orphanGrace();

    /** How many backups run at the same time in this instance; more wait in line. */
    @WithDefault("2")
    int concurrentRuns();

    /** Whether definitions' schedules run (tests switch them off). */
    @WithDefault("true")
    boolean schedulesEnabled();
}
