package io.syncvault.sync.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the sync service runs items and where it may touch the local disk. */
@ConfigMapping(prefix = "syncvault.sync")
public interface SyncConfig {

    /** Folders a sync item's local path must lie under (real paths, symlinks resolved); empty = the user's home. */
    Optional<List<String>> roots();

    /** The home folder under which the default items (.codebuddy/sessions, memory, settings) are created; empty = the user's home. */
    Optional<String> home();

    /** This machine's name: in conflict copy names and run rows; empty = the host name. */
    Optional<String> node();

    /** How many files one run transfers at the same time. */
    @WithDefault("4")
    int parallelism();

    /** The store default items and items without a store use. */
    @WithDefault("default")
    String defaultStore();

    /** How long a push run waits after a remote change before starting, so that a burst of changes makes one run. */
    @WithDefault("2s")
    Duration pushDebounce();

    /** A RUNNING run whose heartbeat is older than this is taken as interrupted (its process died). */
    @WithDefault("60s")
    Duration staleRunAfter();

    /** How many per-file events (uploaded, downloaded, deleted) one outbox event carries at most. */
    @WithDefault("200")
    int fileEventBatch();

    /**
     * Whether a downloaded file is made durable before it is renamed into place (an fsync, or for batch downloads the
     * flush of {@link #flushFileSystem()}), and its folder before the journal records it. Without, a power loss (not a
     * crash of this process) can take back files the journal already records as synced, and the next run would take
     * them for local deletes or edits and send those to the remote. false trades that for speed, for folders that can
     * be downloaded again.
     */
    @WithDefault("true")
    boolean durableDownloads();

    /**
     * With durable downloads, the files of batch downloads are made durable together, by one flush of their file
     * system ({@code syncfs}, Linux 5.8 and later) before they take their names, instead of an fsync each. A flush
     * writes back everything written to that file system, other programs' writes too: false where it is shared with
     * programs that write much.
     */
    @WithDefault("true")
    boolean flushFileSystem();

    /** How often the scheduler looks for items whose interval has elapsed. */
    @WithDefault("5s")
    Duration schedulerTick();

    /** Small files travel many to a request (the gateway's batch API) instead of one request each. */
    Batch batch();

    interface Batch {
        /** Files up to this many bytes go in batches; 0 sends every file on its own. */
        @WithDefault("4194304")
        long maxFileBytes();

        /** At most this many files in one batch. */
        @WithDefault("256")
        int maxFiles();

        /** At most this many bytes in one batch (a file that alone exceeds it still makes a batch of one). */
        @WithDefault("33554432")
        long maxBytes();
    }
}
