package dev.chunkvault.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import dev.chunkvault.client.ChildJvm;
import dev.chunkvault.local.LocalCloud;
import dev.chunkvault.local.LocalCloudExtension;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.ws.LocalWebSocketApi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunkvault sync --watch} on two devices (child JVMs) over the real local cloud: an edit, a deletion and a
 * new folder reach the other device through file-system events and push notifications — the catch-up runs only every
 * 10 minutes, so without them nothing would arrive within the waits here; after the gateway drops every socket the
 * clients reconnect and catch up; and with the notifier failing on every batch a change still arrives, at the next
 * catch-up. The waits are bounds on something happening, not timing assertions.
 */
@ExtendWith(LocalCloudExtension.class)
class WatchIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path tmp;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : children) {
            p.destroy();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private Process watch(LocalCloud cloud, String user, String device, Path dir) throws Exception {
        Files.createDirectories(dir);
        Map<String, String> env = new HashMap<>();
        env.put("CHUNKVAULT_CONFIG_DIR", tmp.resolve("config-" + device).toString());
        env.put("CHUNKVAULT_ENDPOINT", cloud.apiEndpoint().toString());
        env.put("CHUNKVAULT_TOKEN", cloud.mintToken(user));
        env.put("CHUNKVAULT_DEVICE", device);
        Process p = ChildJvm.start(List.of("-Xmx256m"), env, tmp, tmp.resolve(device + ".log"), "sync", "--watch",
                dir.toString());
        children.add(p);
        return p;
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + WAIT + ": " + what + "\n--- a.log\n" + log("a") + "\n--- b.log\n" + log("b"));
            }
            Thread.sleep(50);
        }
    }

    private String log(String device) {
        try {
            String s = Files.readString(tmp.resolve(device + ".log"));
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }

    private static boolean holds(Path f, String content) {
        try {
            return Files.isRegularFile(f) && Files.readString(f).equals(content);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void write(Path f, String content) throws java.io.IOException {
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
    }

    @Test
    void editsDeletionsAndFoldersReachTheOtherWatchingDeviceAndSocketsComeBack(LocalCloud cloud) throws Exception {
        String user = CloudClients.newUser("watch");
        LocalWebSocketApi gateway = cloud.webSocketApi().orElseThrow();
        int connectsBefore = gateway.connectsAccepted();
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        watch(cloud, user, "a", a);
        watch(cloud, user, "b", b);
        await("both devices opened a notification socket", () -> gateway.connectsAccepted() >= connectsBefore + 2);

        write(a.resolve("notes/today.txt"), "written on a");
        await("b has a's new file", () -> holds(b.resolve("notes/today.txt"), "written on a"));
        write(b.resolve("notes/today.txt"), "edited on b");
        await("a has b's edit", () -> holds(a.resolve("notes/today.txt"), "edited on b"));
        write(b.resolve("deep/new/folder/f.txt"), "in a new folder");
        await("a has the file of b's new folder", () -> holds(a.resolve("deep/new/folder/f.txt"), "in a new folder"));
        Files.delete(a.resolve("notes/today.txt"));
        await("b's copy is deleted too", () -> !Files.exists(b.resolve("notes/today.txt")));

        int connects = gateway.connectsAccepted();
        gateway.dropAll();
        write(a.resolve("after-drop.txt"), "while the sockets were down");
        await("both devices reconnected", () -> gateway.connectsAccepted() >= connects + 2);
        await("b caught up", () -> holds(b.resolve("after-drop.txt"), "while the sockets were down"));
    }

    /** Fails every batch, as a broken notifier would. */
    public static final class FailingNotifier implements RequestHandler<DynamodbEvent, Map<String, Object>> {
        static final AtomicInteger CALLS = new AtomicInteger();

        @Override
        public Map<String, Object> handleRequest(DynamodbEvent event, Context context) {
            CALLS.incrementAndGet();
            throw new IllegalStateException("the notifier is down");
        }
    }

    @Test
    void aFailingNotifierOnlyDelaysAChangeUntilTheNextCatchUp() throws Exception {
        LocalFunction.HandlerFactory failing = (type, env, id) -> id.equals("NotifierFunction") ? new FailingNotifier()
                : LocalFunction.HandlerFactory.DEFAULT.create(type, env, id);
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory().withHandlers(failing)
                .withEnvironment(Map.of("NOTIFY_CATCH_UP_SECONDS", "3")))) {
            String user = CloudClients.newUser("watch-failing");
            LocalWebSocketApi gateway = cloud.webSocketApi().orElseThrow();
            Path a = tmp.resolve("a");
            Path b = tmp.resolve("b");
            watch(cloud, user, "a", a);
            watch(cloud, user, "b", b);
            await("both devices opened a notification socket", () -> gateway.openConnections() >= 2);
            int calls = FailingNotifier.CALLS.get();
            write(a.resolve("x.txt"), "despite the notifier");
            await("the notifier failed on the change", () -> FailingNotifier.CALLS.get() > calls);
            await("b has the file from its catch-up", () -> holds(b.resolve("x.txt"), "despite the notifier"));
            assertTrue(gateway.openConnections() >= 2, "b was on its socket (not polling) all along");
        }
    }
}
