package dev.chunkvault.api.wiring;

import dev.chunkvault.api.http.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart's priming: before Lambda takes a function's snapshot (CRaC's {@code beforeCheckpoint}), build the SDK
 * clients of its wiring, run Jackson over the shapes a request has, hash with SHA-256 and round-trip zstd, so that the classes and
 * their first-use work are in the snapshot instead of in the first request after each restore. Nothing is called over
 * the network: a snapshot must not hold connections, and no call could be made without side effects or permissions.
 * Outside Lambda (the local cloud, tests) no checkpoint happens and this does nothing.
 */
final class Priming implements Resource {
    /** CRaC's global context holds resources weakly: these stay reachable for the life of the function. */
    private static final List<Priming> REGISTERED = new ArrayList<>();

    private final Wiring wiring;

    private Priming(Wiring wiring) {
        this.wiring = wiring;
    }

    static synchronized void register(Wiring wiring) {
        Priming p = new Priming(wiring);
        REGISTERED.add(p);
        Core.getGlobalContext().register(p);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        prime(wiring);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to reopen: no connection was made before the snapshot
    }

    /** The priming itself (also run by the cold-start measurement, docs/perf-push.md). */
    static void prime(Wiring wiring) throws NoSuchAlgorithmException, java.io.IOException {
        wiring.buildClients();
        byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("path", "primer/a.txt", "size", 1, "manifest",
                Map.of("profile", "fastcdc-v1", "chunks", List.of(Map.of("id", "0".repeat(64), "size", 1)))));
        Json.MAPPER.readTree(body);
        Json.MAPPER.readValue(body, Map.class);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < 8; i++) {
            sha.update(block);
        }
        sha.digest();
        // zstd: zstd-jni loads (and extracts) its native library on first use, or the codec falls back to aircompressor;
        // either way that happens here, not in the first seal after a restore (docs/compression.md).
        byte[] text = "primer ".repeat(4096).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        dev.chunkvault.core.compress.ChunkCodec.Stored z = dev.chunkvault.core.compress.ChunkCodec.encode(text);
        dev.chunkvault.core.compress.ChunkCodec.decode(z.encoding(), z.bytes(), 0, z.bytes().length, text.length);
    }
}
