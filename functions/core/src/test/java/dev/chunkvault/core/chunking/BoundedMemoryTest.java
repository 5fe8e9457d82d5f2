package dev.chunkvault.core.chunking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chunker's memory does not grow with its input: a forked JVM with a 64 MiB heap chunks and hashes a
 * 2 GiB stream (32 times its heap) generated on the fly ({@link BoundedMemoryMain}). Keeping the input,
 * or any buffer that grows with it, would end in an {@link OutOfMemoryError} and a non-zero exit.
 */
class BoundedMemoryTest {
    private static final long LENGTH = 2L << 30;
    private static final long SEED = 0xB0DED_3E3L;

    @Test
    void chunksAStreamThirtyTwoTimesTheHeap() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                BoundedMemoryMain.class.getName(), Long.toString(LENGTH), Long.toString(SEED));
        System.out.println("BoundedMemoryTest seed=" + SEED + " length=" + LENGTH);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "child did not exit");
        System.out.print(output);
        assertEquals(0, process.exitValue(), output);

        Matcher m = Pattern.compile("length=(\\d+) chunks=(\\d+) bad=0").matcher(output);
        assertTrue(m.find(), output);
        assertEquals(LENGTH, Long.parseLong(m.group(1)));
        long chunks = Long.parseLong(m.group(2));
        long expected = LENGTH / ChunkingProfile.DEFAULT.avgSize();
        assertTrue(chunks > expected * 0.8 && chunks < expected * 1.2, chunks + " chunks");
    }
}
