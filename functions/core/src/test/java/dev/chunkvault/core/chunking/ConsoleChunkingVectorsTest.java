package dev.chunkvault.core.chunking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The web console cuts files in TypeScript (console/src/transfer/fastcdc.ts); its boundaries must be these. This test
 * writes the vectors its Vitest test checks, {@code console/test/transfer/fixtures/chunking-vectors.json}, from this
 * module's chunker, and otherwise checks that the committed file is still what the Java code gives (so a change of
 * either side fails a build). Regenerate with {@code -Dchunkvault.writeConsoleVectors=true}.
 *
 * <p>Inputs are made by a generator both sides implement: xorshift32 from a seed (each step's low 8 bits are one byte),
 * and a "text" of words picked by the same generator. Edge sizes around the profiles' min and max are included.
 */
class ConsoleChunkingVectorsTest {
    static final Path FIXTURE = Path.of("../../console/test/transfer/fixtures/chunking-vectors.json");
    static final String[] WORDS = {"chunk", "vault", "the", "a", "file", "store", "of", "sync", "delta", "pack",
        "version", "commit", "upload", "browser", "and", "in", "to", "is", "manifest", "hash"};

    record Input(String name, String kind, int seed, int size, ChunkingProfile profile) {}

    static List<Input> inputs() {
        ChunkingProfile d = ChunkingProfile.DEFAULT;
        ChunkingProfile l = ChunkingProfile.LARGE;
        return List.of(
                new Input("empty", "random", 1, 0, d),
                new Input("one-byte", "random", 2, 1, d),
                new Input("min", "random", 3, 64 << 10, d),
                new Input("min+1", "random", 4, (64 << 10) + 1, d),
                new Input("300k", "random", 5, 300_000, d),
                new Input("max", "random", 6, 1 << 20, d),
                new Input("max+1", "random", 7, (1 << 20) + 1, d),
                new Input("5m", "random", 8, 5 << 20, d),
                new Input("zeros-3m", "zeros", 0, 3 << 20, d),
                new Input("text-3m", "text", 9, 3 << 20, d),
                new Input("large-20m", "random", 10, 20 << 20, l),
                new Input("large-text-9m", "text", 11, 9 << 20, l));
    }

    static byte[] bytes(Input in) {
        byte[] out = new byte[in.size()];
        int x = in.seed();
        switch (in.kind()) {
            case "zeros" -> {
                return out;
            }
            case "random" -> {
                for (int i = 0; i < out.length; i++) {
                    x = xorshift(x);
                    out[i] = (byte) x;
                }
                return out;
            }
            default -> {
                int pos = 0;
                int words = 0;
                while (pos < out.length) {
                    x = xorshift(x);
                    byte[] w = WORDS[Integer.remainderUnsigned(x, WORDS.length)].getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < w.length && pos < out.length; i++) {
                        out[pos++] = w[i];
                    }
                    if (pos < out.length) {
                        out[pos++] = (byte) (++words % 12 == 0 ? '\n' : ' ');
                    }
                }
                return out;
            }
        }
    }

    static int xorshift(int x) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x;
    }

    static String vectors() {
        StringBuilder json = new StringBuilder("{\n  \"generator\": \"ConsoleChunkingVectorsTest (functions/core)\",\n");
        GearTable g = GearTable.of(ChunkingProfile.DEFAULT);
        json.append("  \"gear0\": \"").append(String.format("%016x", g.get(0))).append("\",\n");
        json.append("  \"gear255\": \"").append(String.format("%016x", g.get(255))).append("\",\n");
        json.append("  \"inputs\": [\n");
        List<Input> inputs = inputs();
        for (int k = 0; k < inputs.size(); k++) {
            Input in = inputs.get(k);
            ChunkedContent c = Chunker.of(in.profile()).chunkAll(bytes(in));
            List<String> sizes = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Chunk chunk : c.chunks()) {
                sizes.add(Integer.toString(chunk.size()));
                ids.add("\"" + chunk.id().hex() + "\"");
            }
            json.append("    {\"name\": \"").append(in.name()).append("\", \"kind\": \"").append(in.kind())
                    .append("\", \"seed\": ").append(in.seed()).append(", \"size\": ").append(in.size())
                    .append(", \"profile\": \"").append(in.profile().name()).append("\",\n     \"sha256\": \"")
                    .append(c.hash().sha256Hex()).append("\",\n     \"sizes\": [").append(String.join(", ", sizes))
                    .append("],\n     \"ids\": [").append(String.join(",\n       ", ids)).append("]}")
                    .append(k + 1 < inputs.size() ? ",\n" : "\n");
        }
        return json.append("  ]\n}\n").toString();
    }

    @Test
    void theConsolesVectorsAreThisChunkersBoundaries() throws IOException {
        String expected = vectors();
        if (Boolean.getBoolean("chunkvault.writeConsoleVectors")) {
            Files.createDirectories(FIXTURE.getParent());
            Files.writeString(FIXTURE, expected);
        }
        assumeTrue(Files.isRegularFile(FIXTURE), "no console module beside this one");
        assertEquals(expected, Files.readString(FIXTURE), "regenerate with -Dchunkvault.writeConsoleVectors=true");
    }
}
