package dev.chunkvault.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.chunkvault.client.model.DownloadPlan;
import dev.chunkvault.core.compress.ChunkCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A downloaded compressed range is decoded to exactly the manifest's size of the chunk, or refused (null: the caller
 * fetches again, then fails the pull); raw ranges pass as they are.
 */
class CompressedDownloadTest {
    private static final byte[] TEXT = "all work and no play makes a chunk a dull chunk\n".repeat(2_000)
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] Z = ChunkCodec.compress(TEXT, 0, TEXT.length);

    private static DownloadPlan.ChunkUrl url(String encoding, long stored, Long plain) {
        return new DownloadPlan.ChunkUrl("id", "http://x/packs/p", Map.of(), null, 0L, stored, encoding, plain);
    }

    @Test
    void aCompressedRangeDecodesToTheChunk() {
        assertArrayEquals(TEXT, FilePuller.plain(url("zstd", Z.length, (long) TEXT.length), Z, TEXT.length));
        byte[] raw = {1, 2, 3};
        assertEquals(raw, FilePuller.plain(url(null, 3, null), raw, 3));
    }

    @Test
    void aRangeThatDoesNotDecodeToTheManifestsSizeIsRefused() {
        // A plan whose plain length disagrees with the manifest, one that decodes to more (a bomb) or less, another encoding.
        assertNull(FilePuller.plain(url("zstd", Z.length, (long) TEXT.length + 1), Z, TEXT.length));
        assertNull(FilePuller.plain(url("zstd", Z.length, 1_000L), Z, 1_000));
        assertNull(FilePuller.plain(url("zstd", Z.length, TEXT.length + 10L), Z, TEXT.length + 10));
        assertNull(FilePuller.plain(url("zstd", 10, (long) TEXT.length), java.util.Arrays.copyOf(Z, 10), TEXT.length));
        assertNull(FilePuller.plain(url("brotli", Z.length, (long) TEXT.length), Z, TEXT.length));
        assertEquals(TEXT.length + Z.length, FilePuller.held(url("zstd", Z.length, (long) TEXT.length)));
        assertEquals(6, FilePuller.held(url(null, 3, null)));
    }
}
