-- Restores and verifications, each a row from its start: a client that asked for an asynchronous answer
-- (Prefer: respond-async) follows it here; its heartbeat tells a live one from one whose process died.
create table backup_operation (
    id            uuid          primary key,
    kind          varchar(16)   not null,
    backup_id     varchar(100)  not null,
    status        varchar(16)   not null,
    started_at    timestamptz   not null,
    ended_at      timestamptz,
    heartbeat_at  timestamptz   not null,
    files_done    bigint        not null default 0,
    files_total   bigint        not null default 0,
    bytes_done    bigint        not null default 0,
    bytes_total   bigint        not null default 0,
    request       jsonb         not null,
    result        jsonb,
    problem       jsonb
);
create index backup_operation_by_backup on backup_operation (backup_id, started_at);
