package dev.chunkvault.service.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chunkvault.service.sim.FakeClient;
import dev.chunkvault.service.sim.FakeClient.Content;
import dev.chunkvault.service.sim.TestVault;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A version's modification time: the client's when it gives one (0 included), the commit's own time when it gives none. */
class ClientMtimeTest {
    private final Random random = new Random(3131);

    private static CommitService.CommitRequest request(FakeClient c, String path, String parent, Content content, long mtime,
                                                       String key) {
        return new CommitService.CommitRequest(c.owner, path, parent, new CommitService.Source.Full(content.manifest()),
                content.size(), content.sha256(), mtime, key);
    }

    @Test
    void aCommitWithoutATimeTakesTheCommitsTimeAndAGivenTimeIsKeptEvenZero() {
        TestVault v = new TestVault();
        FakeClient c = new FakeClient(v, "alice");
        Content content = Content.random(random, 2, 500);
        c.upload(content);
        v.clock.advance(Duration.ofDays(3));
        Instant now = v.clock.instant();

        var none = v.commits.commit(request(c, "a.txt", null, content, CommitService.CommitRequest.MTIME_UNKNOWN, "key-mtime-0001"));
        assertEquals(now, none.version().clientMtime(), "no time given: the commit's");
        assertEquals(now, v.reads.file(c.owner, "a.txt", false).clientMtime());

        var given = v.commits.commit(request(c, "b.txt", null, content, 1_700_000_000_123L, "key-mtime-0002"));
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), given.version().clientMtime());

        var zero = v.commits.commit(request(c, "c.txt", null, content, 0, "key-mtime-0003"));
        assertEquals(Instant.EPOCH, zero.version().clientMtime(), "a real time of 0 stays 0");

        v.clock.advance(Duration.ofMinutes(5));
        var replay = v.commits.commit(request(c, "a.txt", null, content, CommitService.CommitRequest.MTIME_UNKNOWN, "key-mtime-0001"));
        assertEquals(now, replay.version().clientMtime(), "a replay answers the stored version's time");
    }
}
