package dev.chunkvault.service.blob;

import dev.chunkvault.service.TestClock;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

class InMemoryBlobStoreUnversionedTest extends BlobStoreContract {
    private final TestClock clock = new TestClock();
    private final InMemoryBlobStore store = new InMemoryBlobStore(clock, versioned());

    @Override
    protected BlobStore blobs() {
        return store;
    }

    @Override
    protected Presigner presigner() {
        return store;
    }

    @Override
    protected Sent send(String method, URI url, Map<String, String> headers, byte[] body) {
        InMemoryBlobStore.Response r = store.execute(method, url, headers, body);
        return new Sent(r.status(), r.body(), r.headers());
    }

    @Override
    protected void letTimePass(Duration d) {
        clock.advance(d);
    }

    @Override
    protected boolean versioned() {
        return false;
    }
}
