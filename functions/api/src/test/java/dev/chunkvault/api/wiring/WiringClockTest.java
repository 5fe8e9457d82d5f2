package dev.chunkvault.api.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The services' clock: the system's, or moved forward in the local cloud only (its functions have endpoint overrides). */
class WiringClockTest {
    @Test
    void withoutAnOffsetItIsTheSystemClock() {
        assertEquals(Clock.systemUTC(), Wiring.clock(Map.of()));
        assertEquals(Clock.systemUTC(), Wiring.clock(Map.of("CHUNKVAULT_CLOCK_OFFSET_SECONDS", "0")));
    }

    @Test
    void anOffsetMovesItForwardInTheLocalCloud() {
        Clock c = Wiring.clock(Map.of("CHUNKVAULT_CLOCK_OFFSET_SECONDS", "90000",
                "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4752"));
        long ahead = c.millis() - System.currentTimeMillis();
        assertTrue(ahead > 89_000_000L && ahead <= 90_000_000L, "ahead by " + ahead + " ms");
    }

    @Test
    void anOffsetIsRefusedWithoutLocalEndpoints() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Wiring.clock(Map.of("CHUNKVAULT_CLOCK_OFFSET_SECONDS", "3600")));
        assertTrue(e.getMessage().contains("local cloud only"), e.getMessage());
    }
}
