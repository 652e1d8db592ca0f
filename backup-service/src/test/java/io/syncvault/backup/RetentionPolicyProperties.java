package io.syncvault.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncvault.backup.RetentionPolicy.Candidate;
import io.syncvault.backup.RetentionPolicy.Selection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Laws of the retention selection over random backup histories. */
class RetentionPolicyProperties {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    @Provide
    Arbitrary<List<Candidate>> histories() {
        // offsets in minutes over ~400 days: many per day sometimes, gaps of weeks other times
        return Arbitraries.longs().between(0, 400L * 24 * 60).list().ofMinSize(0).ofMaxSize(60)
                .map(offsets -> {
                    List<Candidate> list = new ArrayList<>();
                    for (int i = 0; i < offsets.size(); i++) {
                        list.add(new Candidate("b" + i, START.plus(offsets.get(i), ChronoUnit.MINUTES)));
                    }
                    return list;
                });
    }

    @Property(tries = 500)
    void partitionsTheHistoryAndNeverDeletesTheNewest(@ForAll("histories") List<Candidate> history,
            @ForAll @IntRange(max = 6) int max, @ForAll @IntRange(max = 6) int last, @ForAll @IntRange(max = 6) int daily,
            @ForAll @IntRange(max = 6) int weekly, @ForAll @IntRange(max = 6) int monthly) {
        RetentionPolicy policy = new RetentionPolicy(max, last, daily, weekly, monthly);
        Selection s = policy.select(history);

        Set<Candidate> keep = new HashSet<>(s.keep());
        assertThat(s.delete()).noneMatch(keep::contains);
        assertThat(s.keep().size() + s.delete().size()).isEqualTo(history.size());
        if (!history.isEmpty()) {
            Candidate newest = newestFirst(history).get(0);
            assertThat(s.keep()).contains(newest);
        }
        if (policy.keepsEverything()) {
            assertThat(s.delete()).isEmpty();
        } else {
            // nothing is kept that no rule asks for (newest is always allowed)
            assertThat(s.keep().size()).isLessThanOrEqualTo(Math.max(1, Math.max(max, last) + daily + weekly + monthly));
        }
    }

    @Property(tries = 500)
    void eachRuleKeepsWhatItPromises(@ForAll("histories") List<Candidate> history,
            @ForAll @IntRange(min = 0, max = 6) int last, @ForAll @IntRange(min = 0, max = 6) int daily,
            @ForAll @IntRange(min = 0, max = 6) int weekly, @ForAll @IntRange(min = 0, max = 6) int monthly) {
        Selection s = new RetentionPolicy(null, last, daily, weekly, monthly).select(history);
        List<Candidate> newestFirst = newestFirst(history);

        assertThat(s.keep()).containsAll(newestFirst.subList(0, Math.min(last, newestFirst.size())));
        assertNewestOfRecentBuckets(s, newestFirst, daily, c -> c.created().atZone(ZoneOffset.UTC).toLocalDate().toString());
        assertNewestOfRecentBuckets(s, newestFirst, weekly, c -> {
            var t = c.created().atZone(ZoneOffset.UTC);
            return t.get(IsoFields.WEEK_BASED_YEAR) + "W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        });
        assertNewestOfRecentBuckets(s, newestFirst, monthly,
                c -> c.created().atZone(ZoneOffset.UTC).getYear() + "-" + c.created().atZone(ZoneOffset.UTC).getMonthValue());
    }

    @Property(tries = 300)
    void maxBackupsKeepsExactlyTheNewest(@ForAll("histories") List<Candidate> history,
            @ForAll @IntRange(min = 1, max = 10) int max) {
        Selection s = new RetentionPolicy(max, null, null, null, null).select(history);
        List<Candidate> newestFirst = newestFirst(history);
        assertThat(s.keep()).containsExactlyElementsOf(newestFirst.subList(0, Math.min(max, newestFirst.size())));
    }

    @Example
    void dailyKeepsTheLastOfEachDay() {
        List<Candidate> h = List.of(
                new Candidate("mon-1", Instant.parse("2025-03-03T01:00:00Z")),
                new Candidate("mon-2", Instant.parse("2025-03-03T23:00:00Z")),
                new Candidate("tue-1", Instant.parse("2025-03-04T08:00:00Z")),
                new Candidate("wed-1", Instant.parse("2025-03-05T08:00:00Z")),
                new Candidate("wed-2", Instant.parse("2025-03-05T09:00:00Z")));
        Selection s = new RetentionPolicy(null, null, 2, null, null).select(h);
        assertThat(s.keep()).extracting(Candidate::id).containsExactly("wed-2", "tue-1");
        assertThat(s.delete()).extracting(Candidate::id).containsExactly("wed-1", "mon-2", "mon-1");
    }

    private static void assertNewestOfRecentBuckets(Selection s, List<Candidate> newestFirst, int count,
            Function<Candidate, String> bucket) {
        Map<String, Candidate> newestPerBucket = new LinkedHashMap<>();
        for (Candidate c : newestFirst) {
            newestPerBucket.putIfAbsent(bucket.apply(c), c);
        }
        newestPerBucket.values().stream().limit(count).forEach(c -> assertThat(s.keep()).contains(c));
    }

    private static List<Candidate> newestFirst(List<Candidate> history) {
        List<Candidate> sorted = new ArrayList<>(history);
        sorted.sort(Comparator.comparing(Candidate::created).thenComparing(Candidate::id).reversed());
        return sorted;
    }
}
