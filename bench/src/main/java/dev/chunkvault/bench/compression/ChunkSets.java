package dev.chunkvault.bench.compression;

import dev.chunkvault.core.chunking.ChunkingPolicy;
import dev.chunkvault.core.chunking.FastCdc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The chunk sets the compression benchmarks run on: real files cut exactly as the client cuts them (the profile
 * {@link ChunkingPolicy#forFile} gives a new file of that size, then {@link FastCdc#cut} to the end; a file smaller
 * than the profile's minimum is one chunk), held in memory.
 *
 * <ul>
 *   <li>{@code text}: every file of {@code bench.compression.text} (default {@code /tmp/trees/sub3k}, 3,000 JDK
 *       source files);</li>
 *   <li>{@code mixed}: a seeded random sample of the files of {@code bench.compression.mixed} (default
 *       {@code /tmp/trees/py311}: .py, .pyc, .pyi, .json, .so, .gz ...);</li>
 *   <li>{@code incompressible}: already-compressed real files: {@code .gz .whl .zip .jar} under
 *       {@code bench.compression.mixed} and {@code bench.compression.archives} (default {@code ~/.m2/repository}),
 *       a seeded random sample;</li>
 *   <li>{@code random}: random bytes, cut by the chunker like a file.</li>
 * </ul>
 * Each set stops at {@code bench.compression.capMiB} MiB (default 48) of plain bytes.
 */
public final class ChunkSets {
    private static final long SEED = 0xC0DEC5L;

    private ChunkSets() {}

    /** The chunks of a named set. */
    public static List<byte[]> load(String set) {
        long cap = Long.getLong("bench.compression.capMiB", 48) << 20;
        Path text = Path.of(System.getProperty("bench.compression.text", "/tmp/trees/sub3k"));
        Path mixed = Path.of(System.getProperty("bench.compression.mixed", "/tmp/trees/py311"));
        Path archives = Path.of(System.getProperty("bench.compression.archives",
                System.getProperty("user.home") + "/.m2/repository"));
        switch (set) {
            case "text":
                return chunkFiles(files(List.of(text), "", false), cap);
            case "mixed":
                return chunkFiles(files(List.of(mixed), "", true), cap);
            case "incompressible":
                return chunkFiles(files(List.of(mixed, archives), ".gz .whl .zip .jar", true), cap);
            case "random":
                byte[] data = new byte[(int) cap];
                new Random(SEED).nextBytes(data);
                return chunk(data, new ArrayList<>());
            default:
                throw new IllegalArgumentException("unknown chunk set " + set);
        }
    }

    private static List<Path> files(List<Path> roots, String suffixes, boolean shuffle) {
        List<String> ends = suffixes.isEmpty() ? List.of() : Arrays.asList(suffixes.split(" "));
        List<Path> all = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                all.addAll(walk.filter(Files::isRegularFile)
                        .filter(p -> ends.isEmpty() || ends.stream().anyMatch(e -> p.toString().endsWith(e)))
                        .sorted().collect(Collectors.toList()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (shuffle) {
            Collections.shuffle(all, new Random(SEED));
        }
        return all;
    }

    private static List<byte[]> chunkFiles(List<Path> files, long cap) {
        List<byte[]> chunks = new ArrayList<>();
        long total = 0;
        for (Path file : files) {
            if (total >= cap) {
                break;
            }
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (IOException e) {
                continue;
            }
            if (data.length == 0 || total + data.length > cap + (cap >> 3)) {
                continue;
            }
            total += data.length;
            chunk(data, chunks);
        }
        if (chunks.isEmpty()) {
            throw new IllegalStateException("no files for the chunk set (see ChunkSets' Javadoc for the folders)");
        }
        return chunks;
    }

    private static List<byte[]> chunk(byte[] data, List<byte[]> into) {
        FastCdc cdc = FastCdc.of(ChunkingPolicy.forFile(data.length, null));
        for (int pos = 0; pos < data.length;) {
            int len = cdc.cut(data, pos, data.length - pos);
            into.add(Arrays.copyOfRange(data, pos, pos + len));
            pos += len;
        }
        return into;
    }

    /** The sum of the chunks' lengths. */
    public static long plainBytes(List<byte[]> chunks) {
        long sum = 0;
        for (byte[] c : chunks) {
            sum += c.length;
        }
        return sum;
    }
}
