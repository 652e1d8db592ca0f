package io.syncvault.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups of a definition to keep. Rules are ORed, like restic's {@code forget}: a backup
 * stays if any rule keeps it. {@code maxBackups} (the original BackupManager's rule) and
 * {@code keepLast} keep the newest n; {@code keepDaily}/{@code keepWeekly}/{@code keepMonthly}
 * keep the newest backup of each of the n most recent days/ISO weeks/months (UTC) that have one.
 * A null or zero count disables its rule; with every rule disabled everything is kept.
 * The newest backup is never deleted.
 */
public record RetentionPolicy(Integer maxBackups, Integer keepLast, Integer keepDaily, Integer keepWeekly,
        Integer keepMonthly) {

    /** A backup as retention sees it. */
    public record Candidate(String id, Instant created) {
    }

    /** The outcome: what stays and what goes, each newest first. */
    public record Selection(List<Candidate> keep, List<Candidate> delete) {
    }

    public static RetentionPolicy keepAll() {
        return new RetentionPolicy(null, null, null, null, null);
    }

    public boolean keepsEverything() {
        return n(maxBackups) == 0 && n(keepLast) == 0 && n(keepDaily) == 0 && n(keepWeekly) == 0
                && n(keepMonthly) == 0;
    }

    public Selection select(List<Candidate> backups) {
        List<Candidate> newestFirst = new ArrayList<>(backups);
        newestFirst.sort(Comparator.comparing(Candidate::created).thenComparing(Candidate::id).reversed());
        if (newestFirst.isEmpty() || keepsEverything()) {
            return new Selection(newestFirst, List.of());
        }
        Set<Candidate> keep = new HashSet<>();
        keep.add(newestFirst.get(0));
        keepNewest(newestFirst, Math.max(n(maxBackups), n(keepLast)), keep);
        keepPerBucket(newestFirst, n(keepDaily), t -> t.toLocalDate().toString(), keep);
        keepPerBucket(newestFirst, n(keepWeekly),
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), keep);
        keepPerBucket(newestFirst, n(keepMonthly), t -> t.getYear() + "-" + t.getMonthValue(), keep);
        List<Candidate> kept = new ArrayList<>();
        List<Candidate> deleted = new ArrayList<>();
        for (Candidate c : newestFirst) {
            (keep.contains(c) ? kept : deleted).add(c);
        }
        return new Selection(kept, deleted);
    }

    private static void keepNewest(List<Candidate> newestFirst, int count, Set<Candidate> keep) {
        for (int i = 0; i < Math.min(count, newestFirst.size()); i++) {
            keep.add(newestFirst.get(i));
        }
    }

    /** Keeps the newest backup of each of the {@code count} most recent buckets. */
    private static void keepPerBucket(List<Candidate> newestFirst, int count,
            Function<ZonedDateTime, String> bucketOf, Set<Candidate> keep) {
        if (count <= 0) {
            return;
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Candidate c : newestFirst) {
            if (seen.add(bucketOf.apply(c.created().atZone(ZoneOffset.UTC)))) {
                keep.add(c);
                if (seen.size() == count) {
                    return;
                }
            }
        }
    }

    private static int n(Integer value) {
        return value == null ? 0 : Math.max(0, value);
    }
}
