package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.model.DownloadPlan;
import dev.chunkvault.client.sync.SyncReport;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's transfer engine (console/src/transfer, TypeScript) against the real local cloud over HTTP, in
 * Node: console/test/transfer/it/transfer-it.ts, bundled by the console's esbuild and run with the API's URL and a
 * token of the local issuer. Files the console uploads (empty, one byte, over 4 MiB, a text, many small ones, a
 * non-ASCII name, an empty folder) arrive byte for byte through the Java client's sync; files the Java client stores
 * (small ones in packs, text compressed with zstd) arrive byte for byte in the console, one by one and as a zip.
 */
@ExtendWith(LocalCloudExtension.class)
class ConsoleTransferIT {
    private static final Path CONSOLE = Path.of("../console").toAbsolutePath().normalize();
    private static Path bundle;

    @TempDir
    Path tmp;

    @BeforeAll
    static void bundleTheScript() throws Exception {
        Path esbuild = CONSOLE.resolve("node_modules/.bin/esbuild");
        assertTrue(Files.isExecutable(esbuild), "the console module's npm ci installs esbuild: " + esbuild);
        bundle = Path.of("target/console-transfer-it/transfer-it.mjs").toAbsolutePath();
        Files.createDirectories(bundle.getParent());
        run(CONSOLE, List.of(esbuild.toString(), "test/transfer/it/transfer-it.ts", "--bundle", "--platform=node",
                "--format=esm", "--log-level=warning", "--outfile=" + bundle));
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "finished: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> command + " failed:\n" + text);
        return text;
    }

    private String node(LocalCloud cloud, String user, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", bundle.toString(), args[0], cloud.apiEndpoint().toString(),
                cloud.mintToken(user)));
        command.addAll(List.of(args).subList(1, args.length));
        String out = run(tmp, command);
        System.out.println("console transfer " + args[0] + ": " + out.strip());
        return out;
    }

    private static void write(Path f, byte[] content) throws IOException {
        Files.createDirectories(f.getParent());
        Files.write(f, content);
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    void filesTheConsoleUploadsArriveByteForByteThroughTheJavaClient(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("console-up");
        Random random = new Random(19);
        System.out.println("seed 19");
        Path up = Files.createDirectories(tmp.resolve("up"));
        write(up.resolve("empty.bin"), new byte[0]);
        write(up.resolve("one.bin"), new byte[] {42});
        write(up.resolve("big.bin"), random(random, (5 << 20) + 3));
        write(up.resolve("docs/text.txt"), CompressionIT.text(random, 3 << 20));
        write(up.resolve("docs/ünïcødé — name.txt"), "straße".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 40; i++) {
            write(up.resolve("many/f" + i + ".dat"), random(random, 1 + random.nextInt(20_000)));
        }
        Files.createDirectories(up.resolve("nothing/here"));

        String out = node(cloud, user, "upload", up.toString(), "web");
        assertTrue(out.contains("\"sameContentAgain\":\"unchanged\""), out);

        Path b = Files.createDirectories(tmp.resolve("b"));
        try (ChunkvaultClient client = CloudClients.client(cloud, user, null)) {
            SyncReport r = CloudClients.sync(client, b, "b", false);
            assertTrue(r.errors.isEmpty(), () -> "errors: " + r.errors);
            assertEquals(Boolean.TRUE, client.file("web/nothing/here", false).orElseThrow().folder(), "the empty folder marker");
        }
        TwoDevicesSyncIT.assertTreesEqual(up, b.resolve("web"));
        assertTrue(Files.isDirectory(b.resolve("web/nothing/here")), "the empty folder arrives");
    }

    @Test
    void filesTheJavaClientStoresPackedAndCompressedArriveByteForByteInTheConsole(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("console-down");
        Random random = new Random(20);
        System.out.println("seed 20");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path src = a.resolve("java");
        write(src.resolve("big.txt"), CompressionIT.text(random, 3 << 20));
        write(src.resolve("noise.bin"), random(random, (5 << 20) + 7));
        write(src.resolve("empty"), new byte[0]);
        write(src.resolve("sub/one"), new byte[] {7});
        for (int i = 0; i < 30; i++) {
            write(src.resolve("src/F" + i + ".java"), CompressionIT.text(random, 100 + random.nextInt(30_000)));
        }
        try (ChunkvaultClient client = CloudClients.client(cloud, user, null)) {
            SyncReport r = CloudClients.sync(client, a, "a", false);
            assertTrue(r.errors.isEmpty(), () -> "errors: " + r.errors);
            DownloadPlan plan = client.downloadPlan("java/big.txt", null, null);
            assertTrue(plan.chunks().stream().anyMatch(c -> "zstd".equals(c.encoding())), "big.txt is stored compressed");
            DownloadPlan small = client.downloadPlan("java/src/F0.java", null, null);
            assertTrue(small.chunks().stream().allMatch(c -> c.offset() != null), "small files are packed");
        }

        Path down = Files.createDirectories(tmp.resolve("down"));
        node(cloud, user, "download", "java", down.toString());
        TwoDevicesSyncIT.assertTreesEqual(src, down.resolve("files/java"));

        Map<String, byte[]> expected = TwoDevicesSyncIT.tree(src);
        Map<String, byte[]> zipped = new TreeMap<>();
        try (ZipFile zip = new ZipFile(down.resolve("folder.zip").toFile(), StandardCharsets.UTF_8)) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(e)) {
                    zipped.put(e.getName(), in.readAllBytes());
                }
            }
        }
        assertEquals(expected.size(), zipped.size(), zipped.keySet().toString());
        expected.forEach((rel, bytes) -> assertArrayEquals(bytes, zipped.get("java/" + rel.replace('\\', '/')), rel));
    }
}
