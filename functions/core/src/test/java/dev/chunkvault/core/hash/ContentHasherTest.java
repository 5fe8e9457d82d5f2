package dev.chunkvault.core.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContentHasherTest {
    private static final int BLOCK = ContentHasher.DROPBOX_BLOCK_SIZE;
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void knownValues() {
        ContentHasher h = ContentHasher.withDropboxContentHash();
        h.update("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
        ContentHash abc = h.finish();
        assertEquals(3, abc.length());
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", abc.sha256Hex());
        // One block: SHA-256 of SHA-256("abc").
        assertEquals(hex(Sha256.newDigest().digest(Sha256.newDigest().digest("abc".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)))), abc.dropboxContentHashHex().orElseThrow());

        ContentHash empty = ContentHasher.withDropboxContentHash().finish();
        assertEquals(EMPTY_SHA256, empty.sha256Hex());
        assertEquals(EMPTY_SHA256, empty.dropboxContentHashHex().orElseThrow());
        assertTrue(ContentHasher.sha256Only().finish().dropboxContentHashHex().isEmpty());
    }

    @Test
    void splittingTheInputAnywhereGivesTheSameHashes() {
        long seed = 0xC0417E47L;
        System.out.println("splittingTheInputAnywhereGivesTheSameHashes seed=" + seed);
        Random r = new Random(seed);
        for (int length : new int[] {BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 2 * BLOCK + 12345}) {
            byte[] data = new byte[length];
            r.nextBytes(data);
            ContentHasher whole = ContentHasher.withDropboxContentHash();
            whole.update(data, 0, length);
            ContentHash expected = whole.finish();

            ContentHasher pieces = ContentHasher.withDropboxContentHash();
            for (int off = 0; off < length; ) {
                int n = Math.min(length - off, r.nextInt(3) == 0 ? r.nextInt(10) : r.nextInt(3 << 20));
                pieces.update(data, off, n);
                off += n;
            }
            assertEquals(expected, pieces.finish(), "length " + length);
            assertEquals(hex(Sha256.newDigest().digest(data)), expected.sha256Hex());
            assertEquals(dropbox(data), expected.dropboxContentHashHex().orElseThrow(), "length " + length);
        }
    }

    private static String dropbox(byte[] data) {
        var outer = Sha256.newDigest();
        for (int off = 0; off < data.length; off += BLOCK) {
            var block = Sha256.newDigest();
            block.update(data, off, Math.min(BLOCK, data.length - off));
            outer.update(block.digest());
        }
        return hex(outer.digest());
    }

    @Test
    void isSingleUse() {
        ContentHasher h = ContentHasher.sha256Only();
        h.finish();
        assertThrows(IllegalStateException.class, h::finish);
        assertThrows(IllegalStateException.class, () -> h.update(new byte[1], 0, 1));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
