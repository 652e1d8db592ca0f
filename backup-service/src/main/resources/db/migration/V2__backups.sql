-- What to back up, where, how, when, and how many to keep.
create table backup_definition (
    id                   uuid primary key,
    name                 varchar(200)  not null unique,
    items                jsonb         not null,
    include_globs        jsonb         not null,
    exclude_globs        jsonb         not null,
    store                varchar(200)  not null,
    compression          varchar(16)   not null,
    part_size            bigint        not null,
    schedule_interval    varchar(64),
    schedule_cron        varchar(200),
    max_backups          integer,
    keep_last            integer,
    keep_daily           integer,
    keep_weekly          integer,
    keep_monthly         integer,
    enabled              boolean       not null,
    trigger_sync_item_id varchar(200),
    created_at           timestamptz   not null,
    updated_at           timestamptz   not null,
    version              bigint        not null
);
create index backup_definition_trigger on backup_definition (trigger_sync_item_id) where trigger_sync_item_id is not null;

-- The catalog: a cache of the manifests in the stores (rebuildable from them), plus the
-- progress of running backups. A backup exists once its manifest does (status COMPLETED).
create table backup (
    id               varchar(100)  primary key,
    definition_id    uuid,
    definition_name  varchar(200),
    store            varchar(200)  not null,
    status           varchar(16)   not null,
    created_at       timestamptz   not null,
    completed_at     timestamptz,
    heartbeat_at     timestamptz   not null,
    files_total      bigint        not null default 0,
    bytes_total      bigint        not null default 0,
    files_done       bigint        not null default 0,
    bytes_done       bigint        not null default 0,
    parts_done       integer       not null default 0,
    stored_bytes     bigint        not null default 0,
    error            text,
    manifest         text
);
create index backup_by_definition on backup (definition_id, created_at desc);
create index backup_by_status on backup (status);
