package dev.chunkvault.service.sim;

import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.InMemoryBlobStore;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.store.InMemoryItemStore;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.vault.Tables;
import java.net.URI;
import java.time.Clock;
import java.util.Map;

/**
 * The stores a {@link TestVault} runs on, and how a client sends a presigned request to its object store: the
 * in-memory fakes here, DynamoDB Local + s3proxy over HTTP in the integration tests. Oracles read the stores
 * given here directly (without scheduling points or faults).
 */
public interface Backend {
    ItemStore items();

    BlobStore blobs();

    Presigner presigner();

    /** The item store the service under test uses (may inject faults); {@link #items()} is the oracles' clean view. */
    default ItemStore serviceItems() {
        return items();
    }

    /** The blob store the service under test uses (may inject faults); {@link #blobs()} is the oracles' clean view. */
    default BlobStore serviceBlobs() {
        return blobs();
    }

    /** Stops any faults the backend itself injects (the quiescent end of a model run). */
    default void faultsOff() {
    }

    /** Sends a request to a presigned URL with exactly these headers. */
    Sent send(String method, URI url, Map<String, String> headers, byte[] body);

    record Sent(int status, byte[] body) {}

    /** The in-memory fakes. */
    static InMemory inMemory(Clock clock, boolean versionedBlobs) {
        return new InMemory(new InMemoryItemStore(Tables.all()), new InMemoryBlobStore(clock, versionedBlobs));
    }

    record InMemory(InMemoryItemStore items, InMemoryBlobStore blobs) implements Backend {
        @Override
        public Presigner presigner() {
            return blobs;
        }

        @Override
        public Sent send(String method, URI url, Map<String, String> headers, byte[] body) {
            InMemoryBlobStore.Response r = blobs.execute(method, url, headers, body);
            return new Sent(r.status(), r.body());
        }
    }
}
