-- Serializes the writers of a set of states for the rest of the transaction, whether their rows
-- exist yet or not (FOR UPDATE cannot lock a row that is not there: two concurrent creates of one
-- id both passed). Transaction-scoped advisory locks on a hash of '<namespace>/<id>', always taken
-- in key order, so two transactions locking overlapping sets never deadlock. A hash collision only
-- makes two unrelated states wait for each other.
create function lock_states(ns text, ids text[]) returns void
language plpgsql as $$
declare
    k bigint;
begin
    for k in select distinct hashtextextended(ns || '/' || x, 0) from unnest(ids) as x order by 1 loop
        perform pg_advisory_xact_lock(k);
    end loop;
end
$$;
