package dev.chunkvault.core.chunking;

import static dev.chunkvault.core.chunking.ChunkingPolicy.GROW_TO_LARGE_BYTES;
import static dev.chunkvault.core.chunking.ChunkingPolicy.LARGE_FILE_BYTES;
import static dev.chunkvault.core.chunking.ChunkingPolicy.SHRINK_TO_DEFAULT_BYTES;
import static dev.chunkvault.core.chunking.ChunkingPolicy.forFile;
import static dev.chunkvault.core.chunking.ChunkingProfile.DEFAULT;
import static dev.chunkvault.core.chunking.ChunkingProfile.LARGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChunkingPolicyTest {
    @Test
    void aNewFileIsCutByItsSize() {
        assertEquals(DEFAULT, forFile(0, null));
        assertEquals(DEFAULT, forFile(LARGE_FILE_BYTES - 1, null));
        assertEquals(LARGE, forFile(LARGE_FILE_BYTES, null));
        assertEquals(LARGE, forFile(10L << 30, null));
    }

    @Test
    void anEditKeepsItsBasesProfileUntilFarPastTheThreshold() {
        assertEquals(DEFAULT, forFile(LARGE_FILE_BYTES * 4, DEFAULT.name()), "grown past the threshold, not far");
        assertEquals(DEFAULT, forFile(GROW_TO_LARGE_BYTES - 1, DEFAULT.name()));
        assertEquals(LARGE, forFile(GROW_TO_LARGE_BYTES, DEFAULT.name()));
        assertEquals(LARGE, forFile(LARGE_FILE_BYTES / 4, LARGE.name()), "shrunk below the threshold, not far");
        assertEquals(LARGE, forFile(SHRINK_TO_DEFAULT_BYTES, LARGE.name()));
        assertEquals(DEFAULT, forFile(SHRINK_TO_DEFAULT_BYTES - 1, LARGE.name()));
    }

    @Test
    void anUnknownBaseProfileCountsAsNoBase() {
        assertEquals(LARGE, forFile(LARGE_FILE_BYTES, "fastcdc-v9-from-a-newer-client"));
        assertEquals(DEFAULT, forFile(100, "fastcdc-v9-from-a-newer-client"));
    }

    @Test
    void theHysteresisBandContainsTheThreshold() {
        assertTrue(SHRINK_TO_DEFAULT_BYTES < LARGE_FILE_BYTES && LARGE_FILE_BYTES < GROW_TO_LARGE_BYTES);
        assertEquals(LARGE, ChunkingPolicy.chunkerFor(LARGE_FILE_BYTES, null).profile());
    }
}
