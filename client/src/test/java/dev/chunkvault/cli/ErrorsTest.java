package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.BadResponseException;
import dev.chunkvault.client.IntegrityException;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.TransportException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    private static int code(Throwable t) {
        return Errors.classify(t).exitCode();
    }

    private static ApiException api(int status, String code) {
        return new ApiException(status, code, "msg", "req-7", null, null);
    }

    @Test
    void mapsFailuresToExitCodes() {
        assertEquals(ExitCodes.AUTH, code(api(401, "UNAUTHORIZED")));
        assertEquals(ExitCodes.AUTH, code(api(403, "FORBIDDEN")));
        assertEquals(ExitCodes.UNAVAILABLE, code(api(503, "UNAVAILABLE")));
        assertEquals(ExitCodes.UNAVAILABLE, code(api(429, "THROTTLED")));
        assertEquals(ExitCodes.UNAVAILABLE, code(api(500, "INTERNAL")));
        assertEquals(ExitCodes.ERROR, code(api(404, "NOT_FOUND")));
        assertEquals(ExitCodes.ERROR, code(api(400, "INVALID_PATH")));
        assertEquals(ExitCodes.UNAVAILABLE, code(new TransportException("Could not reach x.", null)));
        assertEquals(ExitCodes.UNAVAILABLE, code(new BadResponseException("bad", null)));
        assertEquals(ExitCodes.INTEGRITY, code(new IntegrityException("bad bytes")));
        assertEquals(ExitCodes.CONFLICTS, code(new StaleParentException("a", null, null)));
        assertEquals(ExitCodes.REFUSED, code(CliException.refused("no")));
        assertEquals(ExitCodes.ERROR, code(new NoSuchFileException("/x")));
        assertEquals(ExitCodes.ERROR, code(new IllegalStateException("boom secret")));
    }

    /** A commit refused for the quota is not a sign-in problem; a file past its hourly limit is "try again later". */
    @Test
    void quotaAndVersionLimitsSayWhatToDo() throws Exception {
        var details = dev.chunkvault.client.ClientJson.MAPPER.readTree(
                "{\"quota\": 107374182400, \"used\": 107000000000, \"needed\": 500000000}");
        ApiException quota = new ApiException(403, "QUOTA_EXCEEDED", "over", "req-8", details, null);
        Errors.Verdict v = Errors.classify(quota);
        assertEquals(ExitCodes.ERROR, v.exitCode());
        assertTrue(v.message().startsWith("Over your storage quota: this needs 477 MiB more, and 99.7 GiB of your 100 GiB"
                + " are used (357 MiB free)."), v.message());
        assertTrue(v.message().contains("chunkvault usage") && !v.message().contains("login"), v.message());

        var limit = dev.chunkvault.client.ClientJson.MAPPER.readTree("{\"limit\": 600}");
        ApiException busy = new ApiException(429, "TOO_MANY_VERSIONS", "busy", "req-9", limit,
                java.time.Duration.ofMinutes(25));
        v = Errors.classify(busy);
        assertEquals(ExitCodes.UNAVAILABLE, v.exitCode());
        assertTrue(v.message().startsWith("This file changed too often: 600 new versions this hour. Nothing was lost; it"
                + " can be committed again in 25 min 0 s."), v.message());
    }

    /** A 404 without the service's error code is a route the service lacks: the service's trouble, not a missing file. */
    @Test
    void aMissingRouteIsTheServicesTroubleNotAMissingFile() {
        ApiException gateway = new ApiException(404, null, "Not Found", null, null, null, "POST /v1/delete");
        assertTrue(gateway.isNoSuchRoute() && !gateway.isNoSuchFile());
        assertEquals(ExitCodes.UNAVAILABLE, code(gateway));
        assertTrue(Errors.classify(gateway).message().contains("POST /v1/delete"), Errors.classify(gateway).message());
        assertEquals(ExitCodes.UNAVAILABLE, code(api(400, "UNKNOWN_ROUTE")));
        ApiException missing = api(404, "NOT_FOUND");
        assertTrue(missing.isNoSuchFile() && !missing.isNoSuchRoute());
        assertEquals(ExitCodes.ERROR, code(missing));
        assertTrue(Errors.classify(missing).message().startsWith("Not found: "));
        assertFalse(api(404, "STORAGE_404").isNoSuchRoute(), "the storage's own 404 names an object");
    }

    @Test
    void messagesAreForPeople() {
        String m = Errors.classify(api(400, "INVALID_PATH")).message();
        assertTrue(m.contains("INVALID_PATH") && m.contains("req-7"), m);
        String unexpected = Errors.classify(new IllegalStateException("boom secret")).message();
        assertTrue(!unexpected.contains("secret") && unexpected.contains("--debug"), unexpected);
    }

    /** A subject the service cannot use is not "sign in again" (that gives the same subject). */
    @Test
    void anUnusableSubjectSaysSoInsteadOfAskingToSignInAgain() {
        ApiException bad = new ApiException(401, "INVALID_SUBJECT", "no", "req-1", null, null);
        Errors.Verdict v = Errors.classify(bad);
        assertEquals(ExitCodes.AUTH, v.exitCode());
        assertTrue(v.message().contains("subject") && !v.message().contains("chunkvault login"), v.message());
    }
}
