package io.syncvault.sync.flow;

import static io.restassured.RestAssured.given;
import static io.syncvault.sync.support.SyncFixture.createItem;
import static io.syncvault.sync.support.SyncFixture.localTree;
import static io.syncvault.sync.support.SyncFixture.putRemote;
import static io.syncvault.sync.support.SyncFixture.remoteTree;
import static io.syncvault.sync.support.SyncFixture.runAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.syncvault.gatewayhttp.GatewayLink;
import io.syncvault.sync.SyncRun;
import io.syncvault.sync.client.StorageGatewayClient;
import io.syncvault.sync.service.AutoSync;
import io.syncvault.sync.service.LocalScanner;
import io.syncvault.sync.service.RunLedger;
import io.syncvault.sync.service.SyncEngine;
import io.syncvault.sync.service.SyncService;
import io.syncvault.sync.support.SyncFixture;
import io.syncvault.platform.testing.Tokens;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Flows beyond the matrix, against the real gateway: bad input, guards, manual conflicts, versions, push, schedule. */
@QuarkusTest
class SyncFlowTest {

    static final long T0 = 1_700_000_000_000L;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    StorageGatewayClient gateway;

    @Inject
    SyncEngine engine;

    @Inject
    SyncService sync;

    @Inject
    RunLedger ledger;

    @Inject
    AutoSync autoSync;

    static Map<String, Object> spec(Path dir, String prefix, String strategy) {
        return SyncFixture.spec(dir, prefix, "BIDIRECTIONAL", strategy);
    }

    @Test
    void aRunIsAwaitedInOneRequestAndAWaitOutOfRangeIsRefused() {
        Path dir = SyncFixture.newFolder();
        for (int i = 0; i < 300; i++) {
            SyncFixture.write(dir, "w/" + i + ".txt", "file " + i, T0 + i);
        }
        String itemId = createItem(SyncFixture.spec(dir, SyncFixture.newPrefix(), "UPLOAD", "LOCAL_WINS"));
        String runId = given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/" + itemId + "/run")
                .then().statusCode(202).extract().path("runId");

        // one request answers once the run is over: no RUNNING answer to poll again
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60)
                .when().get("/v1/sync/runs/" + runId)
                .then().statusCode(200).body("status", equalTo("SUCCEEDED")).body("result.uploaded", equalTo(300));
        // a finished run is answered at once, whatever the wait
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 60)
                .when().get("/v1/sync/runs/" + runId).then().statusCode(200).body("status", equalTo("SUCCEEDED"));

        for (String wait : List.of("61", "-1")) {
            given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", wait)
                    .when().get("/v1/sync/runs/" + runId)
                    .then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(Tokens.reader()).queryParam("waitSeconds", 5)
                .when().get("/v1/sync/runs/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void aRunAnotherInstanceExecutesIsAwaitedByReadingItAgain() {
        Path dir = SyncFixture.newFolder();
        UUID itemId = UUID.fromString(
                createItem(SyncFixture.spec(dir, SyncFixture.newPrefix(), "UPLOAD", "LOCAL_WINS")));
        // a RUNNING row as another instance leaves it: nothing executes it here
        SyncRun elsewhere = ledger.start(itemId, "API", "another-node", Duration.ofMinutes(5)).run();
        assertThat(engine.executesHere(elsewhere.id)).isFalse();

        SyncRun still = sync.awaitRun(elsewhere.id, Duration.ofMillis(500));
        assertThat(still.status).as("the wait ran out").isEqualTo(SyncRun.RUNNING);

        CompletableFuture.runAsync(
                () -> ledger.finish(elsewhere.id, itemId, SyncRun.SUCCEEDED, null, null, List.of()),
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        long start = System.nanoTime();
        SyncRun done = sync.awaitRun(elsewhere.id, Duration.ofSeconds(30));
        assertThat(done.status).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered when the row changed, not at the end of the wait")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void oddUnicodeNamesSyncAndDecomposedNamesGoUnderTheirNfcNameAndKeepTheirOwnOnDisk() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "日本語/ファイル.txt", "ja", T0);
        SyncFixture.write(dir, "emoji 😀 #1 %20 +.txt", "emoji", T0);
        SyncFixture.write(dir, "çà ü/ñ.txt", "latin", T0);
        // names written decomposed (as macOS writes them): "é.txt" and the folder "Café"
        String nfdFile = "e\u0301.txt";
        String nfdFolder = "Cafe\u0301";
        SyncFixture.write(dir, nfdFile, "decomposed", T0);
        SyncFixture.write(dir, nfdFolder + "/menu.txt", "menu", T0);
        // one name twice, composed and decomposed: the composed one is synced, the other reported
        String twin = "n\u0303o.txt";
        SyncFixture.write(dir, "\u00f1o.txt", "composed twin", T0);
        SyncFixture.write(dir, twin, "decomposed twin", T0);
        // a name no key can take (a control character)
        String unstorable = "tab\there.txt";
        SyncFixture.write(dir, unstorable, "tab", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        JsonPath run = runAndWait(item);
        assertThat(run.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(run.getList("result.skippedPaths.path", String.class)).containsExactlyInAnyOrder(twin, unstorable);
        assertThat(remoteTree(prefix)).containsOnlyKeys("日本語/ファイル.txt", "emoji 😀 #1 %20 +.txt", "çà ü/ñ.txt",
                "\u00e9.txt", "Caf\u00e9/menu.txt", "\u00f1o.txt")
                .containsEntry("\u00e9.txt", "decomposed").containsEntry("\u00f1o.txt", "composed twin");

        // another device gets the names in NFC
        Path other = SyncFixture.newFolder();
        String otherItem = createItem(spec(other, prefix, "KEEP_BOTH"));
        runAndWait(otherItem);
        assertThat(localTree(other)).isEqualTo(remoteTree(prefix));

        // its edits and new files land under the decomposed names here, never beside them, and so do its deletes
        SyncFixture.write(other, "\u00e9.txt", "edited elsewhere", T0 + 60_000);
        SyncFixture.write(other, "Caf\u00e9/new.txt", "new elsewhere", T0);
        Files.delete(other.resolve("Caf\u00e9/menu.txt"));
        assertThat(runAndWait(otherItem).getString("status")).isEqualTo("SUCCEEDED");
        JsonPath back = runAndWait(item);
        assertThat(back.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(back.getList("result.errors")).isEmpty();
        assertThat(Files.readString(dir.resolve(nfdFile))).isEqualTo("edited elsewhere");
        assertThat(Files.readString(dir.resolve(nfdFolder + "/new.txt"))).isEqualTo("new elsewhere");
        assertThat(dir.resolve(nfdFolder + "/menu.txt")).doesNotExist();
        assertThat(dir.resolve("\u00e9.txt")).doesNotExist();
        assertThat(dir.resolve("Caf\u00e9")).doesNotExist();
        assertThat(Files.readString(dir.resolve(twin))).isEqualTo("decomposed twin");

        JsonPath settled = runAndWait(item);
        assertThat(settled.getLong("result.uploaded") + settled.getLong("result.downloaded")
                + settled.getLong("result.deletedLocal") + settled.getLong("result.deletedRemote")).isZero();
    }

    @Test
    void smallFilesTravelInBatchesAndALargeOneAloneAndBothArriveIntactEachWay() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        for (int i = 0; i < 40; i++) {
            SyncFixture.write(dir, "small/" + i + ".txt", "small file " + i, T0 + i);
        }
        // above syncvault.sync.batch.max-file-bytes (4 MiB): sent in a request of its own
        StringBuilder large = new StringBuilder();
        Random random = new Random(11);
        while (large.length() < 5 * 1024 * 1024 + 17) {
            large.append(Long.toHexString(random.nextLong())).append('\n');
        }
        SyncFixture.write(dir, "large.txt", large.toString(), T0);
        JsonPath up = runAndWait(createItem(SyncFixture.spec(dir, prefix, "UPLOAD", "LOCAL_WINS")));
        assertThat(up.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(up.getLong("result.uploaded")).isEqualTo(41);
        assertThat(remoteTree(prefix)).hasSize(41);

        Path copy = SyncFixture.newFolder();
        long folderSyncs = engine.folderSyncs();
        long flushes = engine.fileSystemFlushes();
        JsonPath down = runAndWait(createItem(SyncFixture.spec(copy, prefix, "DOWNLOAD", "REMOTE_WINS")));
        assertThat(down.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(down.getLong("result.downloaded")).isEqualTo(41);
        // durable downloads (the default): the batch's 40 files were made durable by a flush or a few of their file
        // system, not an fsync each, and the two folders the files were renamed into were fsynced before the journal
        assertThat(engine.fileSystemFlushes() - flushes).isBetween(1L, 10L);
        assertThat(engine.folderSyncs() - folderSyncs).isGreaterThanOrEqualTo(2);
        assertThat(localTree(copy)).isEqualTo(localTree(dir));
        assertThat(Files.getLastModifiedTime(copy.resolve("small/7.txt")).toMillis()).isEqualTo(T0 + 7);
        assertThat(SyncFixture.hasTempFiles(copy)).isFalse();
    }

    @Test
    void filesAndFoldersThatCannotBeReadAreLeftAloneOnBothSidesAndSyncedOnceTheyCanBe() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "open.txt", "open", T0);
        SyncFixture.write(dir, "secret.txt", "secret v1", T0);
        SyncFixture.write(dir, "locked/inside.txt", "inside", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        assertThat(runAndWait(item).getString("status")).isEqualTo("SUCCEEDED");

        // secret.txt changes, then can no longer be read; locked/ can no longer be listed; a new file appears
        // under it on the remote side
        SyncFixture.write(dir, "secret.txt", "secret v2", T0 + 1000);
        Path secret = dir.resolve("secret.txt");
        Path locked = dir.resolve("locked");
        SyncFixture.putRemote(prefix + "/locked/remote.txt", "from elsewhere", T0);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            assertThat(Files.isReadable(secret)).as("the tests' JVM must not bypass file permissions (src/test/jvm/bin/java)")
                    .isFalse();
            JsonPath run = runAndWait(item);
            assertThat(run.getString("status")).isEqualTo("SUCCEEDED");
            assertThat(run.getString("result.skippedPaths.find { it.path == 'secret.txt' }.reason"))
                    .isEqualTo("unreadable: permission denied");
            assertThat(run.getList("result.skippedPaths.path", String.class)).contains("locked");
            // nothing was mistaken for deleted, and nothing was written into the folder that cannot be listed
            assertThat(remoteTree(prefix)).isEqualTo(Map.of("open.txt", "open", "secret.txt", "secret v1",
                    "locked/inside.txt", "inside", "locked/remote.txt", "from elsewhere"));
            assertThat(run.getLong("result.uploaded") + run.getLong("result.downloaded")
                    + run.getLong("result.deletedLocal") + run.getLong("result.deletedRemote")).isZero();
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        }

        JsonPath again = runAndWait(item);
        assertThat(again.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(again.getLong("result.uploaded")).isEqualTo(1);
        assertThat(again.getLong("result.downloaded")).isEqualTo(1);
        assertThat(remoteTree(prefix)).containsEntry("secret.txt", "secret v2");
        assertThat(localTree(dir)).isEqualTo(remoteTree(prefix));
    }

    @Test
    void aDownloadWhoseBytesStopArrivingOnAnOpenConnectionFailsSoTheRunEndsAndLandsWholeOnceTheyFlow() throws Exception {
        String prefix = SyncFixture.newPrefix();
        // larger than a batch takes: it comes by itself, in one long answer
        String big = "0123456789abcdef".repeat(512 * 1024);
        SyncFixture.putRemote(prefix + "/big.bin", big, T0);
        Path dir = SyncFixture.newFolder();
        String item = createItem(SyncFixture.spec(dir, prefix, "DOWNLOAD", "REMOTE_WINS"));
        try {
            // the gateway's bytes stop a few MiB into the answer, on a connection that stays open
            GatewayLink.stallAfter(3L << 20);
            JsonPath run = runAndWait(item);
            assertThat(run.getString("status")).isEqualTo("FAILED");
            assertThat(run.getList("result.errors.path", String.class)).containsExactly("big.bin");
        } finally {
            GatewayLink.mend();
        }
        assertThat(localTree(dir)).isEmpty();
        assertThat(SyncFixture.hasTempFiles(dir)).isFalse();

        JsonPath again = runAndWait(item);
        assertThat(again.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(Files.readString(dir.resolve("big.bin"))).isEqualTo(big);
    }

    @Test
    void aBatchDownloadThatBreaksOffIsAskedForAgainAndEveryFileLandsInTheSameRun() throws Exception {
        String prefix = SyncFixture.newPrefix();
        String body = "batch download ".repeat(600);
        for (int i = 0; i < 40; i++) {
            putRemote(prefix + "/f" + i + ".txt", i + body, T0 + i);
        }
        Path dir = SyncFixture.newFolder();
        String item = createItem(SyncFixture.spec(dir, prefix, "DOWNLOAD", "REMOTE_WINS"));
        // past the listing (~10 KB), within the archive of the objects (~400 KB): one connection is lost there
        JsonPath run = runLosingOneConnectionAfter(item, 150 * 1024);
        assertThat(run.getLong("result.downloaded")).isEqualTo(40);
        assertThat(localTree(dir)).isEqualTo(remoteTree(prefix)).hasSize(40);
        assertThat(SyncFixture.hasTempFiles(dir)).isFalse();
    }

    @Test
    void aBatchUploadWhoseAnswerIsLostIsSentAgainAndWhatHadLandedIsRecognised() throws Exception {
        String prefix = SyncFixture.newPrefix();
        Path dir = SyncFixture.newFolder();
        for (int i = 0; i < 40; i++) {
            SyncFixture.write(dir, "up/" + i + ".txt", "batch upload " + i, T0 + i);
        }
        String item = createItem(SyncFixture.spec(dir, prefix, "UPLOAD", "LOCAL_WINS"));
        // past the answer to the listing of the empty prefix, within the answer to a batch (one result a file): its
        // files are stored, and the connection is lost before the service reads that
        JsonPath run = runLosingOneConnectionAfter(item, 1500);
        assertThat(run.getLong("result.uploaded")).isEqualTo(40);
        assertThat(run.getLong("result.skipped")).isZero();
        assertThat(remoteTree(prefix)).isEqualTo(localTree(dir)).hasSize(40);

        JsonPath again = runAndWait(item);
        assertThat(again.getLong("result.uploaded")).isZero();
        assertThat(again.getLong("result.skipped")).isZero();
    }

    /** Runs the item while the link to the gateway drops the one connection that carries the byte after {@code bytes}. */
    private static JsonPath runLosingOneConnectionAfter(String item, long bytes) {
        JsonPath run;
        try {
            GatewayLink.breakOnceAfter(bytes);
            run = runAndWait(item);
            assertThat(GatewayLink.breakPending()).as("a connection was lost").isFalse();
        } finally {
            GatewayLink.mend();
        }
        assertThat(run.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(run.getList("result.errors")).isEmpty();
        return run;
    }

    @Test
    void aDownloadIntoAFolderThatCannotBeWrittenFailsForItsFilesAloneAndLandsOnceItCan() throws Exception {
        String prefix = SyncFixture.newPrefix();
        SyncFixture.putRemote(prefix + "/free/a.txt", "a", T0);
        SyncFixture.putRemote(prefix + "/shut/b.txt", "b", T0);
        Path dir = SyncFixture.newFolder();
        Path shut = Files.createDirectories(dir.resolve("shut"));
        String item = createItem(SyncFixture.spec(dir, prefix, "DOWNLOAD", "REMOTE_WINS"));
        Files.setPosixFilePermissions(shut, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assertThat(Files.isWritable(shut)).as("the tests' JVM must not bypass file permissions (src/test/jvm/bin/java)")
                    .isFalse();
            JsonPath run = runAndWait(item);
            assertThat(run.getString("status")).isEqualTo("FAILED");
            assertThat(run.getLong("result.downloaded")).isEqualTo(1);
            assertThat(run.getList("result.errors.path", String.class)).containsExactly("shut/b.txt");
            assertThat(run.getString("result.errors[0].reason")).startsWith("permission denied: " + shut);
            assertThat(localTree(dir)).isEqualTo(Map.of("free/a.txt", "a"));
        } finally {
            Files.setPosixFilePermissions(shut, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertThat(SyncFixture.hasTempFiles(dir)).isFalse();

        JsonPath again = runAndWait(item);
        assertThat(again.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(again.getLong("result.downloaded")).as("only what failed is fetched again").isEqualTo(1);
        assertThat(localTree(dir)).isEqualTo(Map.of("free/a.txt", "a", "shut/b.txt", "b"));
    }

    @Test
    void aFolderRenamedOnOneDeviceIsRenamedInTheStoreAndOnTheOtherWithoutSendingItAgain() throws Exception {
        String prefix = SyncFixture.newPrefix();
        Path laptop = SyncFixture.newFolder();
        for (int i = 0; i < 30; i++) {
            SyncFixture.write(laptop, "photos/" + i + ".jpg", "photo " + i, T0 + i);
        }
        SyncFixture.write(laptop, "notes.txt", "notes", T0);
        // above syncvault.sync.batch.max-file-bytes (4 MiB): the gateway copies it rather than it being sent again
        SyncFixture.write(laptop, "photos/big.raw", "r".repeat(5 * 1024 * 1024), T0);
        Map<String, Object> laptopSpec = new java.util.HashMap<>(spec(laptop, prefix, "KEEP_BOTH"));
        laptopSpec.put("maxDeletePercent", 50);
        String laptopItem = createItem(laptopSpec);
        assertThat(runAndWait(laptopItem).getString("status")).isEqualTo("SUCCEEDED");
        Path desk = SyncFixture.newFolder();
        String deskItem = createItem(spec(desk, prefix, "KEEP_BOTH"));
        assertThat(runAndWait(deskItem).getLong("result.downloaded")).isEqualTo(32);
        Object inodeBefore = Files.readAttributes(desk.resolve("photos/7.jpg"), BasicFileAttributes.class).fileKey();

        Files.move(laptop.resolve("photos"), laptop.resolve("pictures"));
        JsonPath up = runAndWait(laptopItem);
        assertThat(up.getString("status")).as("31 of 32 files renamed: no delete for the guard (50 %)")
                .isEqualTo("SUCCEEDED");
        assertThat(up.getLong("result.movedRemote")).isEqualTo(31);
        assertThat(up.getLong("result.uploaded") + up.getLong("result.deletedRemote")).isZero();
        // the small files travel in a batch (cheaper than a copy request each); the large one is copied by the gateway
        assertThat(up.getLong("result.bytesTransferred")).isPositive().isLessThan(1024 * 1024);
        assertThat(remoteTree(prefix)).isEqualTo(localTree(laptop));
        assertThat(SyncFixture.versions(prefix + "/photos/7.jpg")).as("the old object is kept as a version").hasSize(1);

        try (SyncEventsProbe events = new SyncEventsProbe(bootstrap)) {
            JsonPath down = runAndWait(deskItem);
            assertThat(down.getString("status")).isEqualTo("SUCCEEDED");
            assertThat(down.getLong("result.movedLocal")).isEqualTo(31);
            assertThat(down.getLong("result.downloaded") + down.getLong("result.deletedLocal")).isZero();
            assertThat(down.getLong("result.bytesTransferred")).isZero();
            assertThat(localTree(desk)).isEqualTo(localTree(laptop));
            assertThat(Files.exists(desk.resolve("photos"))).as("the emptied folder goes").isFalse();
            assertThat(Files.readAttributes(desk.resolve("pictures/7.jpg"), BasicFileAttributes.class).fileKey())
                    .as("the same file, renamed").isEqualTo(inodeBefore);
            assertThat(Files.getLastModifiedTime(desk.resolve("pictures/7.jpg")).toMillis()).isEqualTo(T0 + 7);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    events.of(deskItem, "item_downloaded").stream().flatMap(e -> java.util.stream.StreamSupport
                            .stream(e.data().path("files").spliterator(), false))
                            .filter(f -> f.path("path").asText().equals("pictures/7.jpg")))
                    .singleElement().satisfies(f -> assertThat(f.path("movedFrom").asText()).isEqualTo("photos/7.jpg")));
        }
        // a later run finds both sides and the journal agreeing
        JsonPath again = runAndWait(deskItem);
        assertThat(again.getLong("result.movedLocal") + again.getLong("result.downloaded") + again.getLong("result.uploaded")
                + again.getLong("result.journalOnly")).isZero();
    }

    @Test
    void aRenameOntoAnotherFileSystemInsideTheFolderIsFetchedAndDeletedInstead() throws Exception {
        String prefix = SyncFixture.newPrefix();
        Path laptop = SyncFixture.newFolder();
        SyncFixture.write(laptop, "a.txt", "moving", T0);
        String laptopItem = createItem(spec(laptop, prefix, "KEEP_BOTH"));
        runAndWait(laptopItem);
        Path desk = SyncFixture.newFolder();
        Path mount = Files.createDirectories(desk.resolve("mnt"));
        Process mounting = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "syncvault-test", mount.toString())
                .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mounting.waitFor() == 0, "mounting a tmpfs takes root");
        try {
            String deskItem = createItem(spec(desk, prefix, "KEEP_BOTH"));
            assertThat(runAndWait(deskItem).getLong("result.downloaded")).isEqualTo(1);
            Files.createDirectories(laptop.resolve("mnt"));
            Files.move(laptop.resolve("a.txt"), laptop.resolve("mnt/a.txt"));
            runAndWait(laptopItem);

            JsonPath down = runAndWait(deskItem);
            assertThat(down.getString("status")).isEqualTo("SUCCEEDED");
            assertThat(down.getLong("result.movedLocal")).isZero();
            assertThat(down.getLong("result.downloaded")).isEqualTo(1);
            assertThat(down.getLong("result.deletedLocal")).isEqualTo(1);
            assertThat(localTree(desk)).isEqualTo(Map.of("mnt/a.txt", "moving"));
            assertThat(SyncFixture.hasTempFiles(desk)).isFalse();
            assertThat(runAndWait(deskItem).getLong("result.journalOnly")).as("the journal agrees").isZero();
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor();
        }
    }

    @Test
    void symlinksAndSpecialFilesAreLeftAlone() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        Path outside = Files.createTempFile("outside", ".txt");
        Files.writeString(outside, "secret outside the root");
        Files.createSymbolicLink(dir.resolve("link.txt"), outside);
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        SyncFixture.write(dir, "plain.txt", "plain", T0);
        JsonPath run = runAndWait(createItem(spec(dir, prefix, "KEEP_BOTH")));
        assertThat(run.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(remoteTree(prefix)).containsOnlyKeys("plain.txt");
        Map<String, String> reasons = Map.of(
                run.getString("result.skippedPaths.find { it.path == 'link.txt' }.reason"), "link",
                run.getString("result.skippedPaths.find { it.path == 'pipe' }.reason"), "pipe");
        assertThat(reasons.keySet()).anyMatch(r -> r.contains("symbolic link")).anyMatch(r -> r.contains("not a regular file"));
    }

    @Test
    void aFolderReplacedByALinkIsLeftAloneAndWhatWasUnderItIsNotTakenForDeleted() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "photos/a.jpg", "a", T0);
        SyncFixture.write(dir, "photos/b.jpg", "b", T0);
        SyncFixture.write(dir, "notes.txt", "notes", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH")); // the fixture's items have no delete guard
        assertThat(runAndWait(item).getString("status")).isEqualTo("SUCCEEDED");

        // the folder moves to another disk and a link takes its place; meanwhile a file arrives under it remotely
        Path elsewhere = Files.createTempDirectory("moved-photos");
        Files.move(dir.resolve("photos/a.jpg"), elsewhere.resolve("a.jpg"));
        Files.move(dir.resolve("photos/b.jpg"), elsewhere.resolve("b.jpg"));
        Files.delete(dir.resolve("photos"));
        Files.createSymbolicLink(dir.resolve("photos"), elsewhere);
        SyncFixture.putRemote(prefix + "/photos/c.jpg", "c", T0);

        JsonPath run = runAndWait(item);
        assertThat(run.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(run.getList("result.skippedPaths.path", String.class)).contains("photos");
        assertThat(run.getLong("result.deletedRemote") + run.getLong("result.downloaded")).isZero();
        assertThat(remoteTree(prefix)).containsOnlyKeys("notes.txt", "photos/a.jpg", "photos/b.jpg", "photos/c.jpg");
        try (var listed = Files.list(elsewhere)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.jpg", "b.jpg");
        }
    }

    @Test
    void anItemFolderThatCannotBeReadDeletesNothingEvenWithoutADeleteGuard() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "a.txt", "a", T0);
        SyncFixture.write(dir, "b/c.txt", "c", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH")); // the fixture's items have no delete guard
        assertThat(runAndWait(item).getString("status")).isEqualTo("SUCCEEDED");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("---------"));
        try {
            JsonPath run = runAndWait(item);
            assertThat(run.getLong("result.deletedRemote")).isZero();
            assertThat(remoteTree(prefix)).containsOnlyKeys("a.txt", "b/c.txt");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        JsonPath again = runAndWait(item);
        assertThat(again.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(localTree(dir)).isEqualTo(remoteTree(prefix));
    }

    @Test
    void aMissingLocalFolderFailsTheRunAndDeletesNothingRemote() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "a.txt", "a", T0);
        SyncFixture.write(dir, "b/c.txt", "c", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        assertThat(runAndWait(item).getString("status")).isEqualTo("SUCCEEDED");
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        JsonPath run = runAndWait(item);
        assertThat(run.getString("status")).isEqualTo("FAILED");
        assertThat(run.getString("error")).contains("local folder");
        assertThat(remoteTree(prefix)).containsOnlyKeys("a.txt", "b/c.txt");
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/status").then().statusCode(200)
                .body("find { it.itemId == '" + item + "' }.state", equalTo("error"));
    }

    @Test
    void aFileChangingWhileItIsReadIsSkippedAndUploadedByTheNextRun() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        Path growing = dir.resolve("growing.log");
        byte[] chunk = new byte[64 * 1024];
        new Random(7).nextBytes(chunk);
        try (OutputStream out = Files.newOutputStream(growing)) {
            for (int i = 0; i < 512; i++) {
                out.write(chunk);
            }
        }
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(growing, StandardOpenOption.APPEND)) {
                while (writing.get()) {
                    out.write(chunk, 0, 100);
                    out.flush();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        JsonPath first;
        try {
            first = runAndWait(item);
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(first.getString("result.skippedPaths.find { it.path == 'growing.log' }.reason")).contains("changed");
        assertThat(SyncFixture.remoteKeys(prefix)).doesNotContain("growing.log");

        JsonPath second = runAndWait(item);
        assertThat(second.getLong("result.uploaded")).isEqualTo(1);
        assertThat(gateway.head("default", prefix + "/growing.log").orElseThrow().sha256())
                .isEqualTo(LocalScanner.sha256(growing));
    }

    @Test
    void theDeleteGuardAbortsBeforeDeletingAnything() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        for (int i = 0; i < 4; i++) {
            SyncFixture.write(dir, "f" + i + ".txt", "content " + i, T0);
        }
        Map<String, Object> spec = new java.util.HashMap<>(spec(dir, prefix, "KEEP_BOTH"));
        spec.put("maxDeletePercent", 50);
        String item = createItem(spec);
        try (SyncEventsProbe events = new SyncEventsProbe(bootstrap)) {
            assertThat(runAndWait(item).getString("status")).isEqualTo("SUCCEEDED");
            for (int i = 0; i < 3; i++) {
                Files.delete(dir.resolve("f" + i + ".txt"));
            }
            SyncFixture.write(dir, "new.txt", "new", T0);
            JsonPath run = runAndWait(item);
            assertThat(run.getString("status")).isEqualTo("ABORTED");
            assertThat(run.getInt("result.deleteGuard.remoteDeletes")).isEqualTo(3);
            assertThat(run.getInt("result.deleteGuard.remoteFiles")).isEqualTo(4);
            assertThat(run.getLong("result.uploaded")).as("nothing at all is done").isZero();
            assertThat(remoteTree(prefix)).containsOnlyKeys("f0.txt", "f1.txt", "f2.txt", "f3.txt");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(events.of(item, "delete_guard_tripped")).singleElement()
                        .satisfies(e -> assertThat(e.data().path("guard").path("remoteDeletes").asInt()).isEqualTo(3));
                assertThat(events.of(item, "sync_failed")).hasSize(1);
            });
        }
    }

    @Test
    void manualConflictsAreStoredAndResolvedThroughTheApi() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        for (String p : List.of("l.txt", "r.txt", "both.txt")) {
            SyncFixture.write(dir, p, "base " + p, T0);
        }
        String item = createItem(spec(dir, prefix, "MANUAL"));
        runAndWait(item);
        for (String p : List.of("l.txt", "r.txt", "both.txt")) {
            SyncFixture.write(dir, p, "local " + p, T0 + 1000);
            putRemote(prefix + "/" + p, "remote " + p, T0 + 2000);
        }
        try (SyncEventsProbe events = new SyncEventsProbe(bootstrap)) {
            JsonPath run = runAndWait(item);
            assertThat(run.getLong("result.conflicts")).isEqualTo(3);
            // both sides untouched while undecided
            assertThat(localTree(dir)).containsEntry("l.txt", "local l.txt");
            assertThat(remoteTree(prefix)).containsEntry("l.txt", "remote l.txt");
            List<Map<String, Object>> open = given().auth().oauth2(Tokens.reader()).queryParam("itemId", item)
                    .when().get("/v1/sync/conflicts").then().statusCode(200).body("nextCursor", nullValue())
                    .extract().path("items");
            assertThat(open).hasSize(3);
            // a second run does not record them twice
            runAndWait(item);
            given().auth().oauth2(Tokens.reader()).queryParam("itemId", item).when().get("/v1/sync/conflicts").then()
                    .body("items.size()", equalTo(3));
            // in pages of two: each page starts after the last conflict of the one before
            JsonPath first = given().auth().oauth2(Tokens.reader()).queryParam("itemId", item).queryParam("limit", 2)
                    .when().get("/v1/sync/conflicts").then().statusCode(200).body("items.size()", equalTo(2))
                    .extract().jsonPath();
            JsonPath second = given().auth().oauth2(Tokens.reader()).queryParam("itemId", item).queryParam("limit", 2)
                    .queryParam("cursor", first.getString("nextCursor")).when().get("/v1/sync/conflicts").then()
                    .statusCode(200).body("items.size()", equalTo(1)).body("nextCursor", nullValue()).extract().jsonPath();
            List<String> paged = new java.util.ArrayList<>(first.getList("items.path", String.class));
            paged.addAll(second.getList("items.path", String.class));
            assertThat(paged).containsExactlyInAnyOrder("l.txt", "r.txt", "both.txt");
            given().auth().oauth2(Tokens.reader()).queryParam("cursor", "bm90IG91cnM").when().get("/v1/sync/conflicts")
                    .then().statusCode(400);
            Map<String, String> choice = Map.of("l.txt", "LOCAL", "r.txt", "REMOTE", "both.txt", "BOTH");
            for (Map<String, Object> c : open) {
                given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                        .body(Map.of("resolution", choice.get((String) c.get("path"))))
                        .when().post("/v1/sync/conflicts/" + c.get("id") + "/resolve").then().statusCode(202)
                        .body("conflictId", equalTo(c.get("id")));
            }
            given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("resolution", "SIDEWAYS"))
                    .when().post("/v1/sync/conflicts/" + open.get(0).get("id") + "/resolve").then().statusCode(400);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                runAndWait(item);
                return given().auth().oauth2(Tokens.reader()).queryParam("itemId", item).when().get("/v1/sync/conflicts")
                        .then().extract().jsonPath().getList("items").isEmpty();
            });
            Map<String, String> local = localTree(dir);
            assertThat(local).containsEntry("l.txt", "local l.txt").containsEntry("r.txt", "remote r.txt")
                    .containsEntry("both.txt", "remote both.txt");
            assertThat(local.entrySet()).anyMatch(e -> e.getKey().startsWith("both.conflict-") && e.getValue().equals("local both.txt"));
            assertThat(remoteTree(prefix)).isEqualTo(local);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.of(item, "conflict_resolved"))
                    .extracting(e -> e.data().path("resolution").asText()).containsExactlyInAnyOrder("LOCAL", "REMOTE", "BOTH"));
        }
    }

    @Test
    void versionsAreListedAndRestored() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        SyncFixture.write(dir, "doc.txt", "version one", T0);
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        runAndWait(item);
        SyncFixture.write(dir, "doc.txt", "version two", T0 + 1000);
        runAndWait(item);
        String v1sha = TwoDeviceModelTest.sha("version one");
        String versionId = given().auth().oauth2(Tokens.reader()).queryParam("path", "doc.txt")
                .when().get("/v1/sync/items/" + item + "/versions").then().statusCode(200)
                .body("[0].sha256", equalTo(v1sha)).extract().path("[0].versionId");
        String runId = given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON)
                .body(Map.of("path", "doc.txt", "versionId", versionId))
                .when().post("/v1/sync/items/" + item + "/versions/restore").then().statusCode(201)
                .body("sha256", equalTo(v1sha)).body("runId", notNullValue()).extract().path("runId");
        assertThat(SyncFixture.awaitRun(runId).getLong("result.downloaded")).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("doc.txt"))).isEqualTo("version one");
        given().auth().oauth2(Tokens.reader()).queryParam("path", "../x")
                .when().get("/v1/sync/items/" + item + "/versions").then().statusCode(400);
    }

    @Test
    void aChangeBySomeoneElseIsPushedAndTheItemsOwnWritesAreNot() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        Map<String, Object> spec = new java.util.HashMap<>(spec(dir, prefix, "KEEP_BOTH"));
        spec.put("enabled", true);
        String item = createItem(spec);
        runAndWait(item);
        // the consumer starts at the end of storage.events; should it join its group after a write,
        // that write is never seen, so the change is made again until one is pushed
        java.util.concurrent.atomic.AtomicLong attempt = new java.util.concurrent.atomic.AtomicLong();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (attempt.getAndIncrement() % 50 == 0) {
                putRemote(prefix + "/pushed.txt", "from elsewhere", T0 + attempt.get());
            }
            return Files.exists(dir.resolve("pushed.txt"));
        });
        assertThat(Files.readString(dir.resolve("pushed.txt"))).isEqualTo("from elsewhere");
        await().atMost(Duration.ofSeconds(30)).until(() -> history(item) >= 2 && !running(item));
        // the item's own upload comes back as a storage event with its own origin: no run follows
        SyncFixture.write(dir, "mine.txt", "mine", T0);
        runAndWait(item);
        int runs = history(item);
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> history(item) == runs);
    }

    @Test
    void aChangePushedWhileAnotherInstanceRunsTheItemIsSyncedOnceThatRunEnds() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        UUID itemId = pushOnlyItem(dir, prefix);
        // another instance runs the item (it listed the store before the change) when the change is pushed
        SyncRun elsewhere = runElsewhere(itemId);
        putRemote(prefix + "/late.txt", "arrived during the other run", T0);
        autoSync.schedulePush(List.of(itemId));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> !Files.exists(dir.resolve("late.txt")));
        ledger.finish(elsewhere.id, itemId, SyncRun.SUCCEEDED, null, null, List.of());
        // the push was not dropped: it starts a run here once that one ended
        awaitLanded(dir, "late.txt", "arrived during the other run");
    }

    @Test
    void aPushOwedWhenTheServiceStoppedInItsDebounceIsRunByTheNextInstanceAndThenPaid() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        UUID itemId = pushOnlyItem(dir, prefix);
        int before = history(itemId.toString());
        // what a stopped instance left: the change is in the store (written under the item's own origin here, so
        // that no storage event pushes it again) and the push it owed is recorded, its debounce timer gone with it
        SyncFixture.putRemote(prefix + "/owed.txt", "changed before the stop", T0, itemId.toString());
        owe(itemId);

        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("owed.txt")) && !running(itemId.toString()));
        assertThat(Files.readString(dir.resolve("owed.txt"))).isEqualTo("changed before the stop");
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + itemId + "/runs?limit=1").then()
                .statusCode(200).body("[0].trigger", equalTo("PUSH")).body("[0].status", equalTo("SUCCEEDED"));
        // paid: no further run follows
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> history(itemId.toString()) == before + 1);
    }

    @Test
    void aPushOwedForAChangeSeenDuringARunIsNotPaidByThatRun() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        UUID itemId = pushOnlyItem(dir, prefix);
        // a change is owed; another instance's run starts after it (and pays it); a second change is seen during
        // that run, which listed the store before it (the push and the run are timed by the database's one clock)
        owe(itemId);
        SyncRun elsewhere = runElsewhere(itemId);
        SyncFixture.putRemote(prefix + "/during.txt", "seen during the other run", T0, itemId.toString());
        owe(itemId);
        ledger.finish(elsewhere.id, itemId, SyncRun.SUCCEEDED, null, null, List.of());

        // the second change is still owed: a push run brings it
        awaitLanded(dir, "during.txt", "seen during the other run");
    }

    @Test
    void enabledItemsRunOnTheirIntervalAndNeverTwiceAtOnce() throws Exception {
        Path dir = SyncFixture.newFolder();
        String prefix = SyncFixture.newPrefix();
        for (int i = 0; i < 300; i++) {
            SyncFixture.write(dir, "many/f" + i + ".txt", "file " + i, T0);
        }
        String item = createItem(spec(dir, prefix, "KEEP_BOTH"));
        String runId = given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/" + item + "/run").then()
                .statusCode(202).extract().path("runId");
        given().auth().oauth2(Tokens.writer()).when().post("/v1/sync/items/" + item + "/run").then().statusCode(409)
                .body("detail", containsString("already syncing"));
        JsonPath done = SyncFixture.awaitRun(runId);
        assertThat(done.getLong("filesTotal")).isEqualTo(300);
        assertThat(done.getLong("filesDone")).isEqualTo(300);
        assertThat(done.getLong("result.uploaded")).isEqualTo(300);
        assertThat(SyncFixture.remoteKeys(prefix)).hasSize(300);

        Map<String, Object> auto = new java.util.HashMap<>(spec(SyncFixture.newFolder(), SyncFixture.newPrefix(), "KEEP_BOTH"));
        auto.put("enabled", true);
        auto.put("intervalSeconds", 1);
        String autoItem = createItem(auto);
        await().atMost(Duration.ofSeconds(30)).until(() -> history(autoItem) >= 2);
        given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + autoItem + "/runs").then().statusCode(200)
                .body("[0].trigger", equalTo("SCHEDULE"));
        given().auth().oauth2(Tokens.writer()).contentType(ContentType.JSON).body(Map.of("name", "off",
                "localPath", auto.get("localPath"), "enabled", false)).when().put("/v1/sync/items/" + autoItem).then()
                .statusCode(200);
    }

    /** A run of the item that another instance holds (RUNNING, on "another-node"). */
    SyncRun runElsewhere(UUID itemId) {
        return ledger.start(itemId, "API", "another-node", Duration.ofMinutes(5)).run();
    }

    /** What the storage events consumer records for a change it sees now. */
    void owe(UUID itemId) {
        QuarkusTransaction.requiringNew().run(() -> autoSync.owePush(itemId));
    }

    static void awaitLanded(Path dir, String name, String content) throws IOException {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve(name)));
        assertThat(Files.readString(dir.resolve(name))).isEqualTo(content);
    }

    /** An enabled item without an interval, synced once: pushes are its only runs. */
    static UUID pushOnlyItem(Path dir, String prefix) {
        Map<String, Object> spec = new java.util.HashMap<>(spec(dir, prefix, "KEEP_BOTH"));
        spec.put("enabled", true);
        UUID itemId = UUID.fromString(createItem(spec));
        runAndWait(itemId.toString());
        return itemId;
    }

    static int history(String item) {
        return given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + item + "/runs?limit=500").then()
                .statusCode(200).extract().jsonPath().getList("$").size();
    }

    static boolean running(String item) {
        return given().auth().oauth2(Tokens.reader()).when().get("/v1/sync/items/" + item + "/runs?limit=1").then()
                .extract().jsonPath().getList("status").contains("RUNNING");
    }
}
