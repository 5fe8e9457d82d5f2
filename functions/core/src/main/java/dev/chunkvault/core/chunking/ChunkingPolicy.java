package dev.chunkvault.core.chunking;

/**
 * Which {@link ChunkingProfile} cuts a file: {@link ChunkingProfile#DEFAULT} (256 KiB average) for small and medium
 * files, {@link ChunkingProfile#LARGE} (4 MiB average) for large ones.
 *
 * <p>Why two: every chunk costs the service a fixed amount of work whatever its size (a grant, a PUT, a
 * verification, reference writes, a manifest entry), and object stores move big objects at several times the rate
 * of small ones. A 10 GB file is 40,000 chunks with the default profile and 2,500 with the large one. Fine chunks pay
 * where files are small and share pieces (source trees, documents); large files (media, archives, disk images) gain
 * little from them. Edits still travel as binary deltas against the chunk they changed, so the bytes a small edit
 * sends barely depend on the chunk size; what grows is what a scattered edit stores (one new chunk per chunk it
 * touches) — Dropbox uses 4 MiB blocks for every file, restic 1 MiB chunks, kopia 4 MiB.
 *
 * <p>A file keeps the profile of the version it replaces, so that each edit dedups against its own history. It moves
 * to the other profile only once it is far past the threshold ({@link #GROW_TO_LARGE_BYTES} up,
 * {@link #SHRINK_TO_DEFAULT_BYTES} down): such a version shares no chunk with its parent and is sent whole, once. Two
 * files dedup against each other only when cut with the same profile.
 *
 * <p>The rule is a client's choice, not part of the protocol: a service accepts any {@link ChunkingProfile#known()
 * known} profile in a manifest.
 */
public final class ChunkingPolicy {
    /** A new file of at least this many bytes is cut with the large profile. */
    public static final long LARGE_FILE_BYTES = 128L << 20;
    /** A file cut with the default profile moves to the large one when it reaches this size. */
    public static final long GROW_TO_LARGE_BYTES = 1L << 30;
    /** A file cut with the large profile moves back to the default one when it shrinks below this size. */
    public static final long SHRINK_TO_DEFAULT_BYTES = 16L << 20;

    private ChunkingPolicy() {}

    /**
     * The profile for content of {@code size} bytes replacing a version cut with {@code baseProfile}.
     *
     * @param size        the content's size in bytes
     * @param baseProfile the profile name of the version the content replaces; null for a new file (or one whose
     *                    base is unknown, or cut with a profile this build does not know)
     */
    public static ChunkingProfile forFile(long size, String baseProfile) {
        ChunkingProfile base = baseProfile == null ? null : ChunkingProfile.byName(baseProfile).orElse(null);
        if (ChunkingProfile.DEFAULT.equals(base)) {
            return size >= GROW_TO_LARGE_BYTES ? ChunkingProfile.LARGE : ChunkingProfile.DEFAULT;
        }
        if (ChunkingProfile.LARGE.equals(base)) {
            return size < SHRINK_TO_DEFAULT_BYTES ? ChunkingProfile.DEFAULT : ChunkingProfile.LARGE;
        }
        return size >= LARGE_FILE_BYTES ? ChunkingProfile.LARGE : ChunkingProfile.DEFAULT;
    }

    /** A chunker for {@link #forFile}'s profile. */
    public static Chunker chunkerFor(long size, String baseProfile) {
        return Chunker.of(forFile(size, baseProfile));
    }
}
