package io.syncvault.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A vector clock: per node, how many changes that node has made to one state. Immutable;
 * every operation returns a new clock. Absent nodes count as zero. Entries with counter 0 are
 * never stored, so equal clocks have equal maps.
 *
 * <p>JSON form: {@code {"node-a": {"counter": 3, "updatedAt": 1732550000000}, ...}}; a plain
 * number ({@code {"node-a": 3}}) is accepted too and means an entry of unknown age.
 */
public record VectorClock(SortedMap<String, ClockEntry> entries) {

    private static final VectorClock EMPTY = new VectorClock(new TreeMap<>());

    /**
     * A deterministic total order over all clocks that extends the causal order (if a happened
     * before b then a sorts before b): first the sum of the counters, then the entries compared
     * node by node in name order. Replicas use it to pick the same winner between concurrent
     * versions.
     */
    public static final Comparator<VectorClock> TOTAL_ORDER = VectorClock::compareTotal;

    public VectorClock {
        TreeMap<String, ClockEntry> copy = new TreeMap<>();
        entries.forEach((node, entry) -> {
            if (node == null || node.isEmpty()) {
                throw new IllegalArgumentException("a clock entry needs a node id");
            }
            if (entry.counter() > 0) {
                copy.put(node, entry);
            }
        });
        entries = Collections.unmodifiableSortedMap(copy);
    }

    public static VectorClock empty() {
        return EMPTY;
    }

    /** A clock from plain counters (ages unknown). */
    public static VectorClock of(Map<String, Long> counters) {
        TreeMap<String, ClockEntry> map = new TreeMap<>();
        counters.forEach((node, counter) -> map.put(node, new ClockEntry(counter, 0)));
        return new VectorClock(map);
    }

    /** Reads the JSON form; accepts plain numbers or {counter, updatedAt} objects per node. */
    @JsonCreator
    public static VectorClock fromJson(Map<String, Object> json) {
        TreeMap<String, ClockEntry> map = new TreeMap<>();
        if (json != null) {
            json.forEach((node, value) -> map.put(node, entryFromJson(node, value)));
        }
        return new VectorClock(map);
    }

    private static ClockEntry entryFromJson(String node, Object value) {
        if (value instanceof Number n) {
            return new ClockEntry(n.longValue(), 0);
        }
        if (value instanceof Map<?, ?> m && m.get("counter") instanceof Number c) {
            long at = m.get("updatedAt") instanceof Number t ? t.longValue() : 0;
            return new ClockEntry(c.longValue(), at);
        }
        throw new IllegalArgumentException("clock entry for " + node + " must be a number or {counter, updatedAt}");
    }

    @JsonValue
    public Map<String, Map<String, Long>> toJson() {
        Map<String, Map<String, Long>> json = new LinkedHashMap<>();
        entries.forEach((node, e) -> {
            Map<String, Long> entry = new LinkedHashMap<>();
            entry.put("counter", e.counter());
            entry.put("updatedAt", e.updatedAt());
            json.put(node, entry);
        });
        return json;
    }

    /** The counter of a node, zero when absent. */
    public long counter(String node) {
        ClockEntry e = entries.get(node);
        return e == null ? 0 : e.counter();
    }

    /** Sum of all counters: the number of changes this clock has seen. */
    public long sum() {
        long sum = 0;
        for (ClockEntry e : entries.values()) {
            sum += e.counter();
        }
        return sum;
    }

    /** This clock with {@code node}'s counter one higher, stamped {@code now}. */
    public VectorClock increment(String node, Instant now) {
        TreeMap<String, ClockEntry> map = new TreeMap<>(entries);
        map.put(node, new ClockEntry(counter(node) + 1, now.toEpochMilli()));
        return new VectorClock(map);
    }

    /** Pointwise maximum: the smallest clock that descends from both. */
    public VectorClock merge(VectorClock other) {
        TreeMap<String, ClockEntry> map = new TreeMap<>(entries);
        other.entries.forEach((node, theirs) -> map.merge(node, theirs, VectorClock::later));
        return new VectorClock(map);
    }

    private static ClockEntry later(ClockEntry a, ClockEntry b) {
        if (a.counter() != b.counter()) {
            return a.counter() > b.counter() ? a : b;
        }
        // same counter: the same change, seen twice; keep the known (larger) timestamp
        return a.updatedAt() >= b.updatedAt() ? a : b;
    }

    /** How this clock relates to {@code other}, counters only (timestamps play no part). */
    public Causality compare(VectorClock other) {
        boolean less = false;
        boolean greater = false;
        Iterator<String> nodes = union(other).iterator();
        while (nodes.hasNext() && !(less && greater)) {
            String node = nodes.next();
            long mine = counter(node);
            long theirs = other.counter(node);
            if (mine < theirs) {
                less = true;
            } else if (mine > theirs) {
                greater = true;
            }
        }
        if (less && greater) {
            return Causality.CONCURRENT;
        }
        return less ? Causality.BEFORE : greater ? Causality.AFTER : Causality.EQUAL;
    }

    /** True when this clock has seen everything {@code other} has (after or equal). */
    public boolean descends(VectorClock other) {
        Causality c = compare(other);
        return c == Causality.AFTER || c == Causality.EQUAL;
    }

    /** True when this clock strictly dominates {@code other} (after it). */
    public boolean dominates(VectorClock other) {
        return compare(other) == Causality.AFTER;
    }

    private Set<String> union(VectorClock other) {
        TreeMap<String, Boolean> all = new TreeMap<>();
        entries.keySet().forEach(n -> all.put(n, true));
        other.entries.keySet().forEach(n -> all.put(n, true));
        return all.keySet();
    }

    private static int compareTotal(VectorClock a, VectorClock b) {
        int bySum = Long.compare(a.sum(), b.sum());
        if (bySum != 0) {
            return bySum;
        }
        for (String node : a.union(b)) {
            // a node present in one clock only: the clock that has it sorts higher
            int byCounter = Long.compare(a.counter(node), b.counter(node));
            if (byCounter != 0) {
                return byCounter;
            }
        }
        return 0;
    }

    /**
     * Bounds the clock's size the way Riak does, without ever hiding a conflict from a replica
     * that is in sync. Nothing is pruned while the clock has at most {@code maxEntries} entries.
     * Above that, the oldest entries are removed until it fits, but only entries that are
     * (1) not in {@code keep} (callers pass this node and the state's last writer, whose entries
     * witness the newest change), (2) of known age and (3) not updated for at least
     * {@code minAge}. A removed entry counts as zero from then on. That can only hide a
     * difference from a replica that has not yet received a change older than {@code minAge};
     * so choose {@code minAge} well above the longest replication delay (and the retention of
     * the replication topic). If no entry qualifies the clock stays larger than the bound:
     * correctness wins over size.
     */
    public VectorClock prune(int maxEntries, Duration minAge, Set<String> keep, Instant now) {
        if (entries.size() <= maxEntries) {
            return this;
        }
        long cutoff = now.minus(minAge).toEpochMilli();
        List<Map.Entry<String, ClockEntry>> candidates = new ArrayList<>();
        for (Map.Entry<String, ClockEntry> e : entries.entrySet()) {
            long at = e.getValue().updatedAt();
            if (!keep.contains(e.getKey()) && at > 0 && at <= cutoff) {
                candidates.add(e);
            }
        }
        candidates.sort(Comparator.comparingLong((Map.Entry<String, ClockEntry> e) -> e.getValue().updatedAt())
                .thenComparing(Map.Entry::getKey));
        TreeMap<String, ClockEntry> map = new TreeMap<>(entries);
        for (Map.Entry<String, ClockEntry> e : candidates) {
            if (map.size() <= maxEntries) {
                break;
            }
            map.remove(e.getKey());
        }
        return new VectorClock(map);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        entries.forEach((n, e) -> s.append(s.length() > 1 ? ", " : "").append(n).append('=').append(e.counter()));
        return s.append('}').toString();
    }
}
