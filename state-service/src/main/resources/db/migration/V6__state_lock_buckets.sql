-- lock_states (V5) took one advisory lock per state: a 10,000-state reconcile held 10,000 entries of
-- PostgreSQL's shared lock table (max_locks_per_transaction x max_connections, 6,400 by default), so
-- large or concurrent batches could fail with "out of shared memory". The states of a namespace are
-- now spread over 64 lock buckets: a transaction holds at most 64 advisory locks, still taken in
-- bucket order (no deadlocks); two writers of different states wait for each other only when their
-- ids share a bucket.
create or replace function lock_states(ns text, ids text[]) returns void
language plpgsql as $$
declare
    b integer;
begin
    for b in select distinct (hashtext(x) & 63) from unnest(ids) as x order by 1 loop
        perform pg_advisory_xact_lock(hashtext(ns), b);
    end loop;
end
$$;
