-- An outbox row may carry a companion record for another topic (same subject), relayed with it and
-- marked sent with it: a stored state's full version on state.changes carries its announcement on
-- state.events, so a reconcile writes one outbox row per state instead of two.
alter table outbox_event
    add column also_topic   varchar(255),
    add column also_type    varchar(255),
    add column also_payload text;
