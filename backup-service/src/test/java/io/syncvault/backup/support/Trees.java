package io.syncvault.backup.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Generates file trees with the awkward cases a backup must survive, and compares two trees. */
public final class Trees {

    private Trees() {
    }

    /**
     * Writes a tree under {@code root}: empty files, empty folders, deep and Unicode and long
     * names, a relative symlink, {@code smallFiles} small files and one file of {@code bigSize}
     * bytes. mtimes are whole milliseconds in the past.
     */
    public static void generate(Path root, long seed, int smallFiles, long bigSize) throws IOException {
        Random random = new Random(seed);
        Files.createDirectories(root);
        Files.createDirectories(root.resolve("empty-dir"));
        Files.createDirectories(root.resolve("nested/empty/inside"));
        Files.createFile(root.resolve("empty-file"));
        Path deep = root;
        for (int i = 0; i < 12; i++) {
            deep = deep.resolve("level-" + i + "-" + "d".repeat(9));
        }
        Files.createDirectories(deep);
        write(deep.resolve("deep file with spaces.txt"), random, 1000);
        Path unicode = Files.createDirectories(root.resolve("ünïcødé-文件夹-📁"));
        write(unicode.resolve("résumé-файл-ファイル.txt"), random, 2048);
        write(unicode.resolve("n".repeat(180) + ".bin"), random, 300);
        write(root.resolve("big.bin"), random, bigSize);
        Path many = Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < smallFiles; i++) {
            Path dir = Files.createDirectories(many.resolve("d" + (i % 37)));
            write(dir.resolve("f" + i + ".txt"), random, random.nextInt(600));
        }
        Files.createSymbolicLink(root.resolve("nested/link-to-big"), Path.of("../big.bin"));
        long base = 1_600_000_000_000L;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.fromMillis(base + random.nextInt(1_000_000_000) + random.nextInt(1000)));
                }
            }
        }
    }

    public static void write(Path file, Random random, long size) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
        }
    }

    /** Each path under root → type, size, mtime (millis) and content digest (links: their target). */
    public static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> d = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String name = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    d.put(name, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    d.put(name, "dir " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
                } else {
                    d.put(name, "file " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + " "
                            + sha256(p));
                }
            }
        }
        return d;
    }

    public static void assertSameTree(Path expected, Path actual) throws IOException {
        assertThat(describe(actual)).containsExactlyInAnyOrderEntriesOf(describe(expected));
    }

    public static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[65536];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
