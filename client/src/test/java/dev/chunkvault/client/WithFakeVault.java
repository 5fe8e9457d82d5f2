package dev.chunkvault.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test against the in-process fake API: a new {@link FakeVault} and a client of it (whose retries sleep on
 * {@link #sleeper}, which records and does not wait) before each test, both closed after it.
 */
public abstract class WithFakeVault {
    protected FakeVault vault;
    protected TestFiles.RecordingSleeper sleeper;
    protected ChunkvaultClient client;

    /** The fake API a test runs against; a test class that needs packs turns them on here. */
    protected FakeVault newVault() throws java.io.IOException {
        return new FakeVault();
    }

    @BeforeEach
    protected void startVault() throws Exception {
        vault = newVault();
        sleeper = new TestFiles.RecordingSleeper();
        client = TestFiles.client(vault.endpoint(), sleeper);
    }

    @AfterEach
    protected void stopVault() {
        client.close();
        vault.close();
    }
}
