package io.syncvault.sync.service;

import io.syncvault.platform.DbClock;
import io.syncvault.platform.ProblemException;
import io.syncvault.sync.ConflictStrategy;
import io.syncvault.sync.SyncDirection;
import io.syncvault.sync.SyncItem;
import io.syncvault.sync.SyncItemSpec;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.config.SyncConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Creates, changes and removes sync items; validates their paths, prefix and globs. */
@ApplicationScoped
public class SyncItemService {

    /** The seed's default items: name → folder under the home's .codebuddy and remote prefix. */
    static final List<String> DEFAULT_ITEMS = List.of("sessions", "memory", "settings");

    private final SyncConfig config;
    private final LocalRoots roots;
    private final JournalStore journal;
    private final DbClock clock;

    public SyncItemService(SyncConfig config, JournalStore journal, DbClock clock) {
        this.config = config;
        this.journal = journal;
        this.clock = clock;
        this.roots = new LocalRoots(config.roots().orElse(List.of(System.getProperty("user.home"))).stream()
                .map(r -> Path.of(r).toAbsolutePath().normalize()).toList());
    }

    public LocalRoots roots() {
        return roots;
    }

    @Transactional
    public SyncItem create(SyncItemSpec spec) {
        SyncItem item = new SyncItem();
        item.id = UUID.randomUUID();
        item.createdAt = Instant.now();
        apply(item, spec);
        item.persist();
        return item;
    }

    @Transactional
    public SyncItem update(UUID id, SyncItemSpec spec) {
        // locked as a run's start locks it: a run starts with the settings before or after this change, never
        // with the old ones and a journal this change cleared
        SyncItem item = locked(id);
        String before = item.localPath + "\n" + item.store + "\n" + item.remotePrefix;
        apply(item, spec);
        if (!before.equals(item.localPath + "\n" + item.store + "\n" + item.remotePrefix)) {
            // a run going by the old pair would journal it over the cleared journal, and the next run would take
            // what it journaled for deleted under the new pair
            if (syncing(id)) {
                throw ProblemException.conflict("the item is syncing; change its folder, store or prefix when the run"
                        + " has finished");
            }
            // a different folder or prefix: the old common ancestor says nothing about the new pair
            journal.clear(item.id);
        }
        return item;
    }

    @Transactional
    public void delete(UUID id) {
        SyncItem item = locked(id);
        if (syncing(id)) {
            throw ProblemException.conflict("the item is syncing; delete it when the run has finished");
        }
        item.delete();
    }

    private static SyncItem locked(UUID id) {
        return found(id, SyncItem.findById(id, LockModeType.PESSIMISTIC_WRITE));
    }

    /** Whether a run of the item is live: RUNNING with a recent heartbeat (one whose process died does not count). */
    private boolean syncing(UUID id) {
        return SyncRun.count("itemId = ?1 and status = ?2 and heartbeatAt >= ?3", id, SyncRun.RUNNING,
                clock.now().minus(config.staleRunAfter())) > 0;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public SyncItem get(UUID id) {
        return found(id, SyncItem.findById(id));
    }

    private static SyncItem found(UUID id, SyncItem item) {
        if (item == null) {
            throw ProblemException.notFound("no sync item " + id);
        }
        return item;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SyncItem> list() {
        return SyncItem.list("order by createdAt, id");
    }

    /** Creates the default items (sessions, memory, settings under the home's .codebuddy) that do not exist yet. */
    @Transactional
    public List<SyncItem> createDefaults() {
        Path home = Path.of(config.home().orElse(System.getProperty("user.home"))).toAbsolutePath().normalize();
        List<SyncItem> items = new ArrayList<>();
        for (String name : DEFAULT_ITEMS) {
            String path = home.resolve(".codebuddy").resolve(name).toString();
            SyncItem existing = SyncItem.find("name", name).firstResult();
            if (existing != null) {
                items.add(existing);
                continue;
            }
            items.add(create(new SyncItemSpec(name, path, config.defaultStore(), "codebuddy/" + name,
                    SyncDirection.BIDIRECTIONAL, ConflictStrategy.KEEP_BOTH, List.of(), List.of("*.tmp", "*.lock"),
                    true, 300L, null, null, null, true)));
        }
        return items;
    }

    private void apply(SyncItem item, SyncItemSpec spec) {
        item.name = spec.name().strip();
        item.localPath = roots.confine(spec.localPath(), Boolean.TRUE.equals(spec.createIfMissing())).toString();
        item.store = Objects.requireNonNullElse(spec.store(), config.defaultStore());
        try {
            item.remotePrefix = ObjectKeys.normalizePrefix(spec.remotePrefix());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("remotePrefix: " + e.getMessage());
        }
        item.direction = Objects.requireNonNullElse(spec.direction(), SyncDirection.BIDIRECTIONAL);
        item.conflictStrategy = Objects.requireNonNullElse(spec.conflictStrategy(), ConflictStrategy.KEEP_BOTH);
        item.includeGlobs = new ArrayList<>(Objects.requireNonNullElse(spec.includeGlobs(), List.of()));
        item.excludeGlobs = new ArrayList<>(Objects.requireNonNullElse(spec.excludeGlobs(), List.of()));
        try {
            new PathFilter(item.includeGlobs, item.excludeGlobs);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("invalid glob: " + e.getMessage());
        }
        item.enabled = spec.enabled() == null || spec.enabled();
        item.intervalSeconds = Objects.requireNonNullElse(spec.intervalSeconds(), 0L);
        item.versionsKept = Objects.requireNonNullElse(spec.versionsKept(), 5);
        item.maxDeletePercent = Objects.requireNonNullElse(spec.maxDeletePercent(), 50);
        item.maxFileSize = spec.maxFileSize();
        item.updatedAt = Instant.now();
    }
}
