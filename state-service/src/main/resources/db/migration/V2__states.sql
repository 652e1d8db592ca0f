-- Namespaces: a set of states with its own conflict strategy and auto-sync interval.
create table namespace (
    name               varchar(100) primary key,
    conflict_strategy  varchar(32)  not null,
    auto_sync_interval_ms bigint,                 -- null: no auto-sync
    last_auto_sync_at  timestamptz,
    created_at         timestamptz  not null,
    updated_at         timestamptz  not null
);

-- The current version of every state on this node; a delete is a tombstone (deleted, data null).
-- base_*: the last version this node knows to be shared with the others (the MERGE base).
create table state (
    namespace    varchar(100) not null references namespace(name),
    id           varchar(200) not null,
    data         jsonb,
    clock        jsonb        not null,
    last_writer  varchar(200) not null,
    version      bigint       not null,
    created_at   timestamptz  not null,
    updated_at   timestamptz  not null,
    checksum     varchar(64)  not null,
    deleted      boolean      not null default false,
    base_clock   jsonb,
    base_data    jsonb,
    primary key (namespace, id)
);

-- Local changes and whether the broker has acknowledged the state.changes record that carries them.
create table pending_operation (
    id              uuid primary key,
    namespace       varchar(100) not null,
    state_id        varchar(200) not null,
    operation       varchar(16)  not null,
    clock           jsonb        not null,
    event_id        uuid         not null,
    created_at      timestamptz  not null,
    acknowledged_at timestamptz
);
create index pending_operation_open on pending_operation (namespace, created_at) where acknowledged_at is null;
create index pending_operation_event on pending_operation (event_id);

-- Concurrent versions met by this node: both versions (with clocks), when, and how it ended.
-- The id is derived from the two versions, so a replayed batch or a duplicate record adds nothing.
create table state_conflict (
    id            uuid primary key,
    namespace     varchar(100) not null,
    state_id      varchar(200) not null,
    local_state   jsonb        not null,
    remote_state  jsonb        not null,
    strategy      varchar(32)  not null,
    detected_at   timestamptz  not null,
    resolution    varchar(32),
    resolved_at   timestamptz,
    resolved_data jsonb
);
create index state_conflict_by_state on state_conflict (namespace, state_id) where resolution is null;
create index state_conflict_by_namespace on state_conflict (namespace, detected_at, id);
