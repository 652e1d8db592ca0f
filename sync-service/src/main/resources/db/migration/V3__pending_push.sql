-- Pushes owed: an item whose remote prefix someone else changed since `since`, until a run that started after
-- that change ends other than FAILED. Kept in the transaction that marks the storage event processed, so a push
-- outlives a stop of the service during its debounce. No foreign key: the event's transaction must not fail when
-- the item is deleted meanwhile; rows of items that are gone are removed when found.
create table pending_push (
    item_id uuid        primary key,
    since   timestamptz not null
);
