-- Sync items: a local folder paired with a store prefix, and how they are kept in step.
create table sync_item (
    id                 uuid primary key,
    name               varchar(200)  not null,
    local_path         varchar(4096) not null,
    store              varchar(100)  not null,
    remote_prefix      varchar(1024) not null,
    direction          varchar(20)   not null,
    conflict_strategy  varchar(20)   not null,
    include_globs      jsonb         not null default '[]',
    exclude_globs      jsonb         not null default '[]',
    enabled            boolean       not null,
    interval_seconds   bigint        not null default 0,
    versions_kept      int           not null,
    max_delete_percent int           not null,
    max_file_size      bigint,
    created_at         timestamptz   not null,
    updated_at         timestamptz   not null
);

-- The journal: each path's state on both sides after its last successful sync (the common ancestor).
create table sync_journal (
    item_id     uuid          not null references sync_item (id) on delete cascade,
    path        varchar(4096) not null,
    size        bigint        not null,
    mtime       bigint        not null,
    sha256      varchar(64)   not null,
    version_tag varchar(512)  not null,
    primary key (item_id, path)
);

-- Runs: one row per sync run, with progress while it runs and the result after.
create table sync_run (
    id           uuid primary key,
    item_id      uuid         not null references sync_item (id) on delete cascade,
    trigger      varchar(20)  not null,
    node         varchar(200) not null,
    status       varchar(20)  not null,
    files_total  bigint       not null default 0,
    files_done   bigint       not null default 0,
    bytes_total  bigint       not null default 0,
    bytes_done   bigint       not null default 0,
    result       jsonb,
    error        text,
    started_at   timestamptz  not null,
    heartbeat_at timestamptz  not null,
    finished_at  timestamptz
);
-- never two runs of one item at once, whichever instance starts them
create unique index sync_run_one_running on sync_run (item_id) where status = 'RUNNING';
create index sync_run_history on sync_run (item_id, started_at desc);

-- Conflicts stored for a decision (MANUAL strategy), and their resolution.
create table sync_conflict (
    id           uuid primary key,
    item_id      uuid          not null references sync_item (id) on delete cascade,
    path         varchar(4096) not null,
    local_state  jsonb,
    remote_state jsonb,
    detected_at  timestamptz   not null,
    resolution   varchar(10),
    resolved_at  timestamptz,
    applied_at   timestamptz
);
create unique index sync_conflict_open on sync_conflict (item_id, path) where applied_at is null;
