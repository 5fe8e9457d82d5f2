package dev.chunkvault.client;

import dev.chunkvault.client.model.DeltaStored;
import java.util.List;

/**
 * How a push sends the deltas of its edited chunks: grouped with other files' deltas ({@link SharedDeltas}), or one
 * request each. Each delta is a delta's binary encoding, which names its base and target.
 */
@FunctionalInterface
public interface DeltaSender {
    /**
     * Each delta's answer, in order: the chunk the service stored (or already held), or that delta's own refusal (an
     * {@link ApiException}: the caller sends that chunk whole). A failure of the exchange itself is thrown.
     */
    List<Coalescer.Answer<DeltaStored>> send(List<byte[]> encodedDeltas);
}
