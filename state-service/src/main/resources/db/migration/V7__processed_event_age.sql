-- The ids of applied incoming events are removed once older than syncvault.events.keep-processed
-- (the outbox library's ProcessedEvents, hourly): found by their age.
create index processed_event_processed_at on processed_event (processed_at);
