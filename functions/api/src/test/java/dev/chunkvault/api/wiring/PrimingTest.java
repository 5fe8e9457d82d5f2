package dev.chunkvault.api.wiring;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SnapStart's priming builds the clients and warms Jackson and SHA-256 without a single network call. */
class PrimingTest {
    @Test
    void primingBuildsTheClientsWithoutCallingAnything() throws Exception {
        try (ServerSocket trap = new ServerSocket(0)) {
            trap.setSoTimeout(300);
            String endpoint = "http://127.0.0.1:" + trap.getLocalPort();
            Map<String, String> env = new HashMap<>();
            Wiring.REQUIRED.forEach(k -> env.put(k, "t-" + k.toLowerCase()));
            env.put("AWS_REGION", "eu-west-1");
            env.put("AWS_ENDPOINT_URL_DYNAMODB", endpoint);
            env.put("AWS_ENDPOINT_URL_S3", endpoint);
            env.put("AWS_ACCESS_KEY_ID", "primer");
            env.put("AWS_SECRET_ACCESS_KEY", "primer-secret");
            env.put("NOTIFY_MANAGEMENT_ENDPOINT", endpoint + "/v1");
            Wiring w = Wiring.fromEnv(env);
            assertDoesNotThrow(() -> Priming.prime(w));
            boolean called;
            try (var s = trap.accept()) {
                called = true;
            } catch (java.net.SocketTimeoutException none) {
                called = false;
            }
            assertTrue(!called, "priming made a connection: a snapshot must hold none");
        }
    }
}
