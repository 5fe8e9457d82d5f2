package dev.chunkvault.bench.e2e;

import dev.chunkvault.local.LocalCloud;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The end-to-end benchmarks, side by side with rsync and restic, in one run on one local cloud (started in this
 * JVM: DynamoDB Local + s3proxy + the HTTP API). Writes the tables as Markdown to {@code --out}; the machine,
 * load and commit header is written by {@code bench/run-e2e-bench.sh}, which also fetches the source trees.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.E2eBench --out FILE --work DIR
 *     [--parts delta,tree,push] [--tree-v1 DIR --tree-v2 DIR --tree-label TEXT] [--push-bytes N] [--seed N]
 * </pre>
 */
public final class E2eBench {
    private E2eBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        Path out = Path.of(a.getOrDefault("out", "bench/results/tmp/e2e-body.md"));
        Path work = Path.of(a.getOrDefault("work", "bench/results/tmp/e2e-work")).toAbsolutePath();
        Set<String> parts = Set.copyOf(Arrays.asList(a.getOrDefault("parts", "delta,tree,push").split(",")));
        long seed = Long.parseLong(a.getOrDefault("seed", "20260101"));
        long pushBytes = Long.parseLong(a.getOrDefault("push-bytes", Long.toString(1L << 30)));
        System.out.println("e2e bench: seed " + seed + ", parts " + parts + ", work " + work.toAbsolutePath());

        StringBuilder md = new StringBuilder();
        int status = 0;
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory());
             BenchContext ctx = new BenchContext(cloud, work, seed)) {
            md.append("- seed of the random data: ").append(seed).append("\n");
            md.append("- ").append(Tools.version("rsync", "--version")).append("; ")
                    .append(Tools.version("restic", "version")).append("\n");
            md.append("- local cloud started in ").append(cloud.startupTime().toMillis())
                    .append(" ms (in-memory DynamoDB Local, s3proxy on a temporary directory)\n\n");
            if (parts.contains("delta")) {
                status |= part(md, out, "1. Delta sync: bytes over the wire for small edits of a 64 MiB file",
                        () -> new DeltaSyncBench(ctx).run());
            }
            if (parts.contains("tree")) {
                status |= part(md, out, "2. A real source tree in two versions", () -> {
                    if (!a.containsKey("tree-v1") || !a.containsKey("tree-v2")) {
                        return "(not run: --tree-v1 and --tree-v2 name the two unpacked versions)\n\n";
                    }
                    Path v1 = Path.of(a.get("tree-v1")).toAbsolutePath();
                    Path v2 = Path.of(a.get("tree-v2")).toAbsolutePath();
                    return new SourceTreeBench(ctx, v1, v2, a.getOrDefault("tree-label", v1 + " → " + v2)).run();
                });
            }
            if (parts.contains("push")) {
                status |= part(md, out, "3. Push throughput: " + (pushBytes >> 20) + " MiB of new random data",
                        () -> new PushThroughputBench(ctx, pushBytes).run());
            }
        } catch (Exception e) {
            e.printStackTrace();
            md.append("\n**The run failed**: ").append(e).append("\n");
            status = 1;
        }
        flush(out, md);
        System.out.println("wrote " + out.toAbsolutePath());
        System.exit(status); // DynamoDB Local's scheduler thread outlives stop()
    }

    @FunctionalInterface
    private interface Part {
        String run() throws Exception;
    }

    /** Runs one part; a failure is written in its place (and makes the exit status 1), the other parts still run. */
    private static int part(StringBuilder md, Path out, String title, Part part) throws java.io.IOException {
        md.append("### ").append(title).append("\n\n");
        System.out.println("== " + title);
        int status = 0;
        try {
            md.append(part.run());
        } catch (Exception e) {
            e.printStackTrace();
            md.append("\n**This part failed**: ").append(e).append("\n\n");
            status = 1;
        }
        flush(out, md);
        return status;
    }

    private static void flush(Path out, StringBuilder md) throws java.io.IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md, StandardCharsets.UTF_8);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --name value pairs; got " + args[i]);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }
}
