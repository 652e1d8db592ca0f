package io.syncvault.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The laws replication relies on, checked over many generated clocks. */
class VectorClockProperties {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @Provide
    Arbitrary<VectorClock> clocks() {
        Arbitrary<String> nodes = Arbitraries.of("a", "b", "c", "d", "e");
        Arbitrary<ClockEntry> entries = Combinators.combine(
                Arbitraries.longs().between(0, 6), Arbitraries.longs().between(0, 1_000))
                .as(ClockEntry::new);
        return Arbitraries.maps(nodes, entries).ofMaxSize(5).map(m -> new VectorClock(new TreeMap<>(m)));
    }

    @Provide
    Arbitrary<String> nodes() {
        return Arbitraries.of("a", "b", "c", "d", "e", "f");
    }

    @Property
    void mergeIsCommutative(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y) {
        assertThat(x.merge(y)).isEqualTo(y.merge(x));
    }

    @Property
    void mergeIsAssociative(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y,
            @ForAll("clocks") VectorClock z) {
        assertThat(x.merge(y).merge(z)).isEqualTo(x.merge(y.merge(z)));
    }

    @Property
    void mergeIsIdempotent(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y) {
        assertThat(x.merge(x)).isEqualTo(x);
        assertThat(x.merge(y).merge(y)).isEqualTo(x.merge(y));
    }

    @Property
    void mergeDescendsFromBoth(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y) {
        assertThat(x.merge(y).descends(x)).isTrue();
        assertThat(x.merge(y).descends(y)).isTrue();
    }

    @Property
    void compareIsAntisymmetric(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y) {
        Causality forward = x.compare(y);
        Causality backward = y.compare(x);
        switch (forward) {
            case BEFORE -> assertThat(backward).isEqualTo(Causality.AFTER);
            case AFTER -> assertThat(backward).isEqualTo(Causality.BEFORE);
            case EQUAL -> assertThat(backward).isEqualTo(Causality.EQUAL);
            case CONCURRENT -> assertThat(backward).isEqualTo(Causality.CONCURRENT);
        }
        assertThat(x.dominates(y) && y.dominates(x)).isFalse();
    }

    @Property
    void incrementDominates(@ForAll("clocks") VectorClock x, @ForAll("nodes") String node) {
        VectorClock next = x.increment(node, NOW);
        assertThat(next.compare(x)).isEqualTo(Causality.AFTER);
        assertThat(next.dominates(x)).isTrue();
        assertThat(next.counter(node)).isEqualTo(x.counter(node) + 1);
    }

    @Property
    void concurrentEditsAreConcurrent(@ForAll("clocks") VectorClock base, @ForAll("nodes") String n1,
            @ForAll("nodes") String n2) {
        if (n1.equals(n2)) {
            return;
        }
        assertThat(base.increment(n1, NOW).compare(base.increment(n2, NOW))).isEqualTo(Causality.CONCURRENT);
    }

    @Property
    void totalOrderIsConsistentWithCausality(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y) {
        int order = VectorClock.TOTAL_ORDER.compare(x, y);
        assertThat(Integer.signum(order)).isEqualTo(-Integer.signum(VectorClock.TOTAL_ORDER.compare(y, x)));
        switch (x.compare(y)) {
            case BEFORE -> assertThat(order).isNegative();
            case AFTER -> assertThat(order).isPositive();
            case EQUAL -> assertThat(order).isZero();
            case CONCURRENT -> assertThat(order).isNotZero();
        }
    }

    @Property
    void totalOrderIsTransitive(@ForAll("clocks") VectorClock x, @ForAll("clocks") VectorClock y,
            @ForAll("clocks") VectorClock z) {
        List<VectorClock> sorted = new ArrayList<>(List.of(x, y, z));
        sorted.sort(VectorClock.TOTAL_ORDER);
        assertThat(VectorClock.TOTAL_ORDER.compare(sorted.get(0), sorted.get(2))).isLessThanOrEqualTo(0);
        assertThat(VectorClock.TOTAL_ORDER.compare(sorted.get(0), sorted.get(1))).isLessThanOrEqualTo(0);
        assertThat(VectorClock.TOTAL_ORDER.compare(sorted.get(1), sorted.get(2))).isLessThanOrEqualTo(0);
    }

    @Property
    void pruningRespectsItsBounds(@ForAll("clocks") VectorClock x, @ForAll("nodes") String keep) {
        Duration minAge = Duration.ofMillis(500);
        Instant now = Instant.ofEpochMilli(1_000);
        VectorClock pruned = x.prune(2, minAge, Set.of(keep), now);
        // never adds, never changes a kept counter
        pruned.entries().forEach((n, e) -> assertThat(x.entries().get(n)).isEqualTo(e));
        assertThat(pruned.counter(keep)).isEqualTo(x.counter(keep));
        // removes only old entries of known age, and only above the bound
        x.entries().forEach((n, e) -> {
            if (!pruned.entries().containsKey(n)) {
                assertThat(x.entries().size()).isGreaterThan(2);
                assertThat(e.updatedAt()).isBetween(1L, 500L);
                assertThat(n).isNotEqualTo(keep);
            }
        });
        assertThat(x.descends(pruned)).isTrue();
    }

    @Example
    void pruningKeepsYoungEntriesEvenAboveTheBound() {
        VectorClock young = VectorClock.empty().increment("a", NOW).increment("b", NOW).increment("c", NOW);
        assertThat(young.prune(1, Duration.ofDays(1), Set.of(), NOW)).isEqualTo(young);
        VectorClock old = young.prune(1, Duration.ofDays(1), Set.of("c"), NOW.plus(Duration.ofDays(2)));
        assertThat(old.entries().keySet()).containsExactly("c");
    }

    @Example
    void jsonFormAcceptsPlainCounters() {
        VectorClock c = VectorClock.fromJson(Map.of("a", 2, "b", Map.of("counter", 3, "updatedAt", 7)));
        assertThat(c.counter("a")).isEqualTo(2);
        assertThat(c.entries().get("b")).isEqualTo(new ClockEntry(3, 7));
        assertThat(VectorClock.fromJson(Map.of("z", 0))).isEqualTo(VectorClock.empty());
    }
}
