package dev.chunkvault.core.chunking;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A named, immutable set of chunking parameters. The name is recorded in every manifest: two files dedup
 * against each other only when they were cut with the same profile, so a profile's parameters must never
 * change once data was written with it. A new parameter set gets a new name.
 *
 * @param name               stable identifier recorded in manifests, e.g. {@code fastcdc-v1-64k-256k-1m}
 * @param minSize            no chunk is smaller, except the last of a file
 * @param avgSize            target mean size; a power of two
 * @param maxSize            no chunk is larger
 * @param normalizationLevel FastCDC normalized-chunking level (bits moved between the two masks)
 * @param gearSeed           seed of the generator that fills the gear table (see {@code GearTable})
 */
public record ChunkingProfile(String name, int minSize, int avgSize, int maxSize, int normalizationLevel,
                              long gearSeed) {

    /** The default: min 64 KiB, average 256 KiB, max 1 MiB, normalization level 2. */
    public static final ChunkingProfile DEFAULT =
            new ChunkingProfile("fastcdc-v1-64k-256k-1m", 64 << 10, 256 << 10, 1 << 20, 2, 0x43484B5641554C54L);

    /**
     * For large files (see {@link ChunkingPolicy}): min 1 MiB, average 4 MiB, max 8 MiB, normalization level 2, the
     * default's gear seed. Sixteen times fewer chunks than the default for the same bytes, so sixteen times fewer
     * grants, PUTs, verifications, reference writes and manifest entries.
     */
    public static final ChunkingProfile LARGE =
            new ChunkingProfile("fastcdc-v1-1m-4m-8m", 1 << 20, 4 << 20, 8 << 20, 2, 0x43484B5641554C54L);

    private static final Map<String, ChunkingProfile> KNOWN = Map.of(DEFAULT.name(), DEFAULT, LARGE.name(), LARGE);

    public ChunkingProfile {
        Objects.requireNonNull(name, "name");
        if (minSize < 64 || minSize > avgSize || avgSize > maxSize) {
            throw new IllegalArgumentException("profile sizes must satisfy 64 <= min <= avg <= max");
        }
        if (Integer.bitCount(avgSize) != 1) {
            throw new IllegalArgumentException("average chunk size must be a power of two");
        }
        if (normalizationLevel < 0 || normalizationLevel > 4) {
            throw new IllegalArgumentException("normalization level must be within 0..4");
        }
    }

    /** Every profile this build knows (and a service accepts in manifests). */
    public static java.util.Collection<ChunkingProfile> known() {
        return KNOWN.values();
    }

    /** The profile registered under {@code name}, if this build knows it. */
    public static Optional<ChunkingProfile> byName(String name) {
        return Optional.ofNullable(KNOWN.get(name));
    }
}
