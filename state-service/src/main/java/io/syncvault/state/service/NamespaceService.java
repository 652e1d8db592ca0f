package io.syncvault.state.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.syncvault.state.ConflictStrategy;
import io.syncvault.state.Namespace;
import io.syncvault.state.NamespaceEntity;
import io.syncvault.platform.ProblemException;
import io.syncvault.outbox.Outbox;
import io.syncvault.outbox.OutboxRelay;
import io.syncvault.state.events.StateEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Namespace settings, replicated to the other nodes on the changes topic (the ones set last win), and
 * auto-sync: every namespace with an interval gets, when due, a re-send of its changes the broker has not
 * acknowledged yet and an {@code auto_sync_tick} event.
 */
@ApplicationScoped
public class NamespaceService {

    private final StateStore store;
    private final Outbox outbox;
    private final StateEvents events;
    private final OutboxRelay relay;

    public NamespaceService(StateStore store, Outbox outbox, StateEvents events, OutboxRelay relay) {
        this.store = store;
        this.outbox = outbox;
        this.events = events;
        this.relay = relay;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Namespace get(String name) {
        NamespaceEntity e = NamespaceEntity.findById(name);
        if (e == null) {
            throw ProblemException.notFound("no namespace " + name);
        }
        return e.toNamespace();
    }

    /** Creates or changes a namespace's settings; returns it and whether it was created. */
    @Transactional
    public Saved put(String name, String strategy, String autoSyncInterval) {
        if (!StateService.NAME.matcher(name).matches()) {
            throw ProblemException.badRequest("namespace must match " + StateService.NAME.pattern());
        }
        ConflictStrategy parsed = strategy(strategy);
        Duration interval = interval(autoSyncInterval);
        Instant now = StateService.now();
        // created by an insert that gives way to a create at the same moment (two of them both found nothing and
        // the second insert failed: a 500 for an idempotent PUT); then the row, locked, takes this request's settings
        boolean created = store.createNamespaceIfAbsent(name, parsed, now);
        NamespaceEntity e = NamespaceEntity.findById(name, LockModeType.PESSIMISTIC_WRITE);
        e.conflictStrategy = parsed;
        e.autoSyncIntervalMs = interval == null ? null : interval.toMillis();
        e.updatedAt = now;
        e.settingsAt = now;
        Namespace saved = e.toNamespace();
        // the other nodes take the settings from the changes topic: one strategy per namespace everywhere
        outbox.addAll(List.of(events.namespaceChanged(saved)));
        return new Saved(saved, created);
    }

    /**
     * Settings set on another node: taken when they were set later than the ones here (or these were never set:
     * the namespace was made for a replicated state that came first). Returns whether they were taken.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean applyReplicated(Namespace remote) {
        if (remote.name() == null || !StateService.NAME.matcher(remote.name()).matches()
                || remote.conflictStrategy() == null || remote.updatedAt() == null) {
            throw new IllegalArgumentException("not a namespace's settings: " + remote);
        }
        store.createNamespaceIfAbsent(remote.name(), remote.conflictStrategy(), remote.updatedAt());
        NamespaceEntity e = NamespaceEntity.findById(remote.name(), LockModeType.PESSIMISTIC_WRITE);
        if (e.settingsAt != null && !remote.updatedAt().isAfter(e.settingsAt)) {
            return false;
        }
        e.conflictStrategy = remote.conflictStrategy();
        e.autoSyncIntervalMs = remote.autoSyncInterval() == null ? null : remote.autoSyncInterval().toMillis();
        e.updatedAt = remote.updatedAt();
        e.settingsAt = remote.updatedAt();
        return true;
    }

    /** A namespace and whether this request created it. */
    public record Saved(Namespace namespace, boolean created) {
    }

    static ConflictStrategy strategy(String value) {
        if (value == null) {
            throw ProblemException.unprocessable("conflictStrategy is required: one of "
                    + List.of(ConflictStrategy.values()));
        }
        try {
            return ConflictStrategy.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw ProblemException.unprocessable("unknown conflictStrategy " + value + ": one of "
                    + List.of(ConflictStrategy.values()));
        }
    }

    static Duration interval(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            Duration d = Duration.parse(value);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw ProblemException.unprocessable("autoSyncInterval must be at least PT1S");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ProblemException.unprocessable("autoSyncInterval must be an ISO-8601 duration such as PT30S");
        }
    }

    /** Checks every second which namespaces are due for auto-sync. */
    @Scheduled(every = "${syncvault.state.auto-sync-check:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void autoSync() {
        Instant now = StateService.now();
        boolean ticked = QuarkusTransaction.requiringNew().call(() -> {
            List<NamespaceEntity> due = NamespaceEntity.list("autoSyncIntervalMs is not null");
            boolean any = false;
            for (NamespaceEntity ns : due) {
                if (ns.lastAutoSyncAt == null
                        || !ns.lastAutoSyncAt.plusMillis(ns.autoSyncIntervalMs).isAfter(now)) {
                    // only this column: writing the loaded entity back would undo a settings change committed meanwhile
                    NamespaceEntity.update("lastAutoSyncAt = ?1 where name = ?2", now, ns.name);
                    outbox.addAll(List.of(events.autoSyncTick(ns.name, store.countPending(ns.name))));
                    any = true;
                }
            }
            return any;
        });
        if (ticked) {
            // re-send whatever the broker has not acknowledged yet (the relay sends every unsent row)
            relay.relayPending();
        }
    }
}
