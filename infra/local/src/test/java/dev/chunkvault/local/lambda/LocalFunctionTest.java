package dev.chunkvault.local.lambda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.chunkvault.local.template.SamTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How a local function behaves like Lambda at its limits: timeouts, the caller giving up, reserved concurrency, payload size. */
class LocalFunctionTest {
    static volatile CountDownLatch release = new CountDownLatch(1);

    @org.junit.jupiter.api.BeforeEach
    void newLatch() {
        release = new CountDownLatch(1);
    }

    @org.junit.jupiter.api.AfterEach
    void releaseAll() {
        release.countDown();
    }

    /** Echoes its input map, or blocks until released when asked to. */
    public static final class Blocking implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        public Blocking(Map<String, String> env) {
        }

        @Override
        public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
            if (Boolean.TRUE.equals(input.get("block"))) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // cancelled after the timeout: Lambda would have stopped the sandbox; keep "running" until released
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException again) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            if (input.get("big") != null) {
                return Map.of("big", "x".repeat(LocalFunction.MAX_SYNC_PAYLOAD_BYTES + 1));
            }
            return Map.of("echo", input, "remainingPositive", context.getRemainingTimeInMillis() > 0);
        }
    }

    private static LocalFunction function(int timeoutSeconds, Integer reserved) {
        SamTemplate.Function spec = new SamTemplate.Function("Fn", Blocking.class.getName() + "::handleRequest", Map.of(),
                timeoutSeconds, 128, reserved, List.of(), List.of(), List.of(), Map.of(), List.of());
        return new LocalFunction(spec, "stack-Fn", Map.of(), LocalFunction.HandlerFactory.DEFAULT);
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void invokesThroughTheRuntimeSerializersWithAContext() throws Exception {
        try (LocalFunction f = function(5, null)) {
            String out = new String(f.invoke(json("{\"a\": 1}"), "r1", false), StandardCharsets.UTF_8);
            assertTrue(out.contains("\"echo\":{\"a\":1}") && out.contains("\"remainingPositive\":true"), out);
            assertEquals(1, f.invocations());
        }
    }

    @Test
    void aTimedOutInvocationKeepsItsReservedConcurrencyUntilTheHandlerReallyEnds() throws Exception {
        try (LocalFunction f = function(1, 1)) {
            LocalFunction.InvocationFailed timeout = assertThrows(LocalFunction.InvocationFailed.class,
                    () -> f.invoke(json("{\"block\": true}"), "r1", false));
            assertEquals(LocalFunction.Failure.TIMEOUT, timeout.failure());
            // The handler thread still runs (it cannot be killed here), so the only slot is still taken.
            LocalFunction.InvocationFailed throttled = assertThrows(LocalFunction.InvocationFailed.class,
                    () -> f.invoke(json("{}"), "r2", false));
            assertEquals(LocalFunction.Failure.THROTTLED, throttled.failure());
            release.countDown();
            // Asynchronous invocations wait for the slot instead of failing.
            assertArrayEquals(f.invoke(json("{}"), "r3", true), f.invoke(json("{}"), "r4", true));
        }
    }

    @Test
    void theCallerCanStopWaitingBeforeTheFunctionTimesOut() {
        try (LocalFunction f = function(30, null)) {
            LocalFunction.InvocationFailed e = assertThrows(LocalFunction.InvocationFailed.class,
                    () -> f.invoke(json("{\"block\": true}"), "r1", false, Duration.ofMillis(300)));
            assertEquals(LocalFunction.Failure.CALLER_TIMEOUT, e.failure());
        }
    }

    @Test
    void synchronousPayloadsAreLimitedTo6Mb() {
        try (LocalFunction f = function(10, null)) {
            byte[] big = new byte[LocalFunction.MAX_SYNC_PAYLOAD_BYTES + 1];
            java.util.Arrays.fill(big, (byte) ' ');
            big[0] = '{';
            big[big.length - 1] = '}';
            assertEquals(LocalFunction.Failure.EVENT_TOO_LARGE,
                    assertThrows(LocalFunction.InvocationFailed.class, () -> f.invoke(big, "r1", false)).failure());
            assertEquals(LocalFunction.Failure.OUTPUT_TOO_LARGE,
                    assertThrows(LocalFunction.InvocationFailed.class, () -> f.invoke(json("{\"big\": 1}"), "r2", false)).failure());
        }
    }
}
