package io.syncvault.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** How a run cuts its small transfers into batch requests. */
class BatchCuttingTest {

    private static final ToLongFunction<SyncAction> SIZE = a -> a.local().size();

    @Test
    void manyFilesMakeAboutFourBatchesPerWorkerAndEveryStepGoesOnce() {
        List<SyncAction> steps = uploads(10_000, 5_000);
        List<List<SyncAction>> batches = SyncEngine.batches(steps, SIZE, 16, 256, 32L << 20);

        assertThat(batches).hasSize(64);
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(157));
        assertThat(batches.stream().flatMap(List::stream).map(SyncAction::path).sorted())
                .containsExactlyElementsOf(steps.stream().map(SyncAction::path).sorted().toList());
    }

    @Test
    void fewFilesStillGiveEveryWorkerABatchAndNoBatchHasFewerThan32FilesOtherwise() {
        assertThat(SyncEngine.batches(uploads(100, 5_000), SIZE, 16, 256, 32L << 20))
                .hasSize(15).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(7));
        assertThat(SyncEngine.batches(uploads(1_000, 5_000), SIZE, 16, 256, 32L << 20))
                .hasSize(32).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(32));
        assertThat(SyncEngine.batches(uploads(3, 5_000), SIZE, 16, 256, 32L << 20)).hasSize(3);
        assertThat(SyncEngine.batches(uploads(100_000, 10), SIZE, 16, 256, 32L << 20))
                .allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(256));
    }

    @Test
    void theByteLimitCutsBatchesAndTheHeaviestGoFirst() {
        List<SyncAction> steps = new ArrayList<>(uploads(200, 1_000));
        steps.addAll(uploads("big/", 10, 3_000_000));
        List<List<SyncAction>> batches = SyncEngine.batches(steps, SIZE, 4, 256, 10_000_000);

        assertThat(batches).allSatisfy(b -> assertThat(b.stream().mapToLong(SIZE).sum()).isLessThanOrEqualTo(10_000_000));
        assertThat(batches.get(0)).anySatisfy(a -> assertThat(a.path()).startsWith("big/"));
        List<Long> bytes = batches.stream().map(b -> b.stream().mapToLong(SIZE).sum()).toList();
        assertThat(bytes).isSortedAccordingTo((x, y) -> Long.compare(y, x));
    }

    private static List<SyncAction> uploads(int n, long size) {
        return uploads("f/", n, size);
    }

    private static List<SyncAction> uploads(String prefix, int n, long size) {
        List<SyncAction> steps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            steps.add(new SyncAction(SyncAction.Kind.UPLOAD, prefix + i, FileState.local(size, 1, "h" + i), null, null,
                    false, null));
        }
        return steps;
    }
}
