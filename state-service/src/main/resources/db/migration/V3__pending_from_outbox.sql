-- A pending operation is exactly a state.changes record still waiting in the outbox: the outbox
-- row is written in the change's transaction and marked sent only after the broker's
-- acknowledgement. Reading them from the outbox instead of keeping a second table halves the
-- rows a bulk reconcile writes and needs no bookkeeping when the broker acknowledges.
drop table pending_operation;

create view pending_operation as
select e.id                                   as id,
       split_part(e.subject, '/', 1)          as namespace,
       substr(e.subject, strpos(e.subject, '/') + 1) as state_id,
       case when (e.payload::jsonb ->> 'deleted') = 'true' then 'DELETE' else 'UPSERT' end as operation,
       e.payload::jsonb -> 'clock'            as clock,
       e.id                                   as event_id,
       e.created_at                           as created_at,
       e.sent_at                              as acknowledged_at
  from outbox_event e
 where e.type = 'io.syncvault.state.state_changed';

-- state.base_clock/base_data null now means: the current version is the base (no second copy).
