package dev.chunkvault.client;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test helpers: seeded random content and clients with a recording sleeper. */
public final class TestFiles {
    private TestFiles() {}

    public static byte[] random(long seed, int size) {
        System.out.println("test data seed " + seed);
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static Path write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, content);
        return file;
    }

    /** Records the delays it is asked for instead of sleeping. */
    public static final class RecordingSleeper implements Sleeper {
        public final List<Duration> delays = new ArrayList<>();

        @Override
        public synchronized void sleep(Duration d) {
            delays.add(d);
        }
    }

    public static ChunkvaultClient client(URI endpoint, Sleeper sleeper) {
        RetryPolicy retry = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMinutes(1),
                () -> 0.5);
        return new ChunkvaultClient(ClientOptions.of(endpoint, TokenProvider.of("test-token")).withRetry(retry, sleeper)
                .withParallelism(4).withTimeout(Duration.ofSeconds(20)));
    }
}
