-- An outbox row may carry a companion record for another topic (same subject), relayed with it and
-- marked sent with it (the outbox library the services share; the state-service uses it).
alter table outbox_event
    add column also_topic   varchar(255),
    add column also_type    varchar(255),
    add column also_payload text;
