import io.syncvault.storage.provider.LocalProvider;
import io.syncvault.storage.provider.ProviderListing;
import io.syncvault.storage.provider.WriteCondition;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Times full paged listings (1,000 a page, as the sync-service lists) of one folder of N objects in the
 * gateway's local store, through LocalProvider itself (no HTTP, no JSON): the cost of the walk alone.
 * The objects are hard links of a few objects the provider wrote, so each carries a real record.
 * usage: java -cp <gateway jars> deploy/bench/ListingBench.java <store folder> <objects> <rounds> [page size, default 1000]
 */
public class ListingBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int limit = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        LocalProvider provider = new LocalProvider(root);
        Path folder = Files.createDirectories(root.resolve("flat"));
        for (int t = 0; t <= n / 50_000; t++) {
            provider.put("template-" + t, new ByteArrayInputStream("x".getBytes()), WriteCondition.NONE,
                    Map.of("svsha256", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"));
        }
        for (int i = 0; i < n; i++) {
            // ext4 allows 65,000 links to one file
            Files.createLink(folder.resolve("file-" + i + ".json"), root.resolve("template-" + i / 50_000));
        }
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            int objects = 0;
            int pages = 0;
            String cursor = null;
            do {
                ProviderListing page = provider.list("flat/", null, cursor, limit);
                objects += page.objects().size();
                cursor = page.nextCursor();
                pages++;
            } while (cursor != null);
            System.out.printf("gateway local store, full listing, round %d: %d objects in %d pages, %.2f s%n",
                    round, objects, pages, (System.nanoTime() - t0) / 1e9);
        }
    }
}
