package dev.chunkvault.core.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeltaBatchTest {
    private static final byte[] A = {1, 2, 3};
    private static final byte[] B = new byte[300];

    @Test
    void itemsRoundTripInOrder() {
        byte[] framed = DeltaBatch.encode(List.of(A, B));
        assertEquals(4 + 1 + 1 + 1 + 3 + 2 + 300, framed.length, "a length per item, nothing else");
        List<byte[]> back = DeltaBatch.decode(framed, 2);
        assertEquals(2, back.size());
        assertArrayEquals(A, back.get(0));
        assertArrayEquals(B, back.get(1));
    }

    @Test
    void malformedFramingIsRefused() {
        byte[] framed = DeltaBatch.encode(List.of(A, B));
        assertReason(DeltaException.Reason.MALFORMED, Arrays.copyOf(framed, framed.length - 1)); // truncated item
        assertReason(DeltaException.Reason.MALFORMED, Arrays.copyOf(framed, framed.length + 1)); // trailing byte
        assertReason(DeltaException.Reason.MALFORMED, A); // no magic
        assertReason(DeltaException.Reason.MALFORMED, new byte[0]);
        assertReason(DeltaException.Reason.MALFORMED, new byte[] {'C', 'V', 'D', 'B', 1, 0}); // no items
        assertReason(DeltaException.Reason.MALFORMED, new byte[] {'C', 'V', 'D', 'B', 1, 1, 0}); // an empty item
        byte[] v2 = framed.clone();
        v2[4] = 2;
        assertReason(DeltaException.Reason.UNSUPPORTED_VERSION, v2);
        byte[] hugeCount = {'C', 'V', 'D', 'B', 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
        assertReason(DeltaException.Reason.TOO_LARGE, hugeCount);
    }

    @Test
    void theCountIsBoundedBeforeAnyItemIsRead() {
        byte[] framed = DeltaBatch.encode(List.of(A, A, A));
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaBatch.decode(framed, 2));
        assertEquals(DeltaException.Reason.TOO_LARGE, e.reason());
        assertEquals(3, DeltaBatch.decode(framed, 3).size());
    }

    private static void assertReason(DeltaException.Reason reason, byte[] body) {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaBatch.decode(body, 1000));
        assertEquals(reason, e.reason(), e.getMessage());
    }
}
