-- Events that must agree with a database change: written in the change's transaction,
-- relayed to Kafka by OutboxRelay, marked sent once the broker has acknowledged them.
create table outbox_event (
    id          uuid primary key,
    topic       varchar(255)  not null,
    type        varchar(255)  not null,
    subject     varchar(2048) not null,
    payload     text          not null,
    created_at  timestamptz   not null,
    sent_at     timestamptz
);
create index outbox_event_unsent on outbox_event (created_at, id) where sent_at is null;

-- Incoming events already applied (consumers are idempotent on ce_id).
create table processed_event (
    id           varchar(255) primary key,
    processed_at timestamptz  not null
);
