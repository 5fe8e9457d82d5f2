package dev.chunkvault.api.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chunkvault.core.pack.PackFormat;
import dev.chunkvault.service.vault.PackService;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The seal's bounds on plain bytes as the wiring sets them (docs/compression.md, "The seal's bound on plain bytes"). */
class WiringSealLimitsTest {
    @Test
    void byDefaultAPackAndARequestDecodeAtMost256MiBPlain() {
        PackService.SealLimits l = Wiring.sealLimits(Map.of());
        assertEquals(PackFormat.MAX_PACK_PLAIN_BYTES, l.maxPackPlainBytes());
        assertEquals(256L << 20, l.maxSealPlainBytesPerRequest());
    }

    @Test
    void theRequestsBudgetMayBeRaisedButNeverBelowOnePack() {
        assertEquals(512L << 20, Wiring.sealLimits(Map.of("SEAL_MAX_PLAIN_MIB_PER_REQUEST", "512"))
                .maxSealPlainBytesPerRequest());
        assertThrows(IllegalStateException.class, () -> Wiring.sealLimits(Map.of("SEAL_MAX_PLAIN_MIB_PER_REQUEST", "128")));
        assertThrows(IllegalStateException.class, () -> Wiring.sealLimits(Map.of("SEAL_MAX_PLAIN_MIB_PER_REQUEST", "4096")));
    }
}
