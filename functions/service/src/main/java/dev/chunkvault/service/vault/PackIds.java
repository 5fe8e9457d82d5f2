package dev.chunkvault.service.vault;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Pack ids: 128 random bits as 32 hex digits, chosen by the service (docs/design-packs.md). From a secure source in
 * the functions; from a seeded one in the storage model, so that a seeded run replays exactly.
 */
public final class PackIds implements Supplier<String> {
    private final Random random;

    private PackIds(Random random) {
        this.random = random;
    }

    public static PackIds secure() {
        return new PackIds(new SecureRandom());
    }

    /** Deterministic ids (tests): share one instance between the services of a vault, or ids repeat. */
    public static PackIds seeded(long seed) {
        return new PackIds(new Random(seed));
    }

    @Override
    public synchronized String get() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
