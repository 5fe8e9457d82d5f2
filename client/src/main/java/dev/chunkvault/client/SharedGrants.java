package dev.chunkvault.client;

import dev.chunkvault.client.model.UploadGrant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upload grants for the pushes of many files at once: the grant requests that a sync's transfer threads make at about
 * the same time go out as one {@code POST /v1/uploads} of up to 1000 chunks (a tree of small files took one request
 * per file). A chunk asked for by two files is asked once and its answer given to both (two PUTs of the same bytes
 * cost nothing but the bytes). Each caller gets the grant for exactly its own chunks.
 */
public final class SharedGrants implements Granter {
    private final Coalescer<List<ChunkvaultClient.ChunkRef>, UploadGrant> coalescer;

    public SharedGrants(ChunkvaultClient client, Duration linger) {
        this.coalescer = new Coalescer<>(requests -> send(client, requests), List::size, ChunkvaultClient.MAX_GRANT_CHUNKS,
                ChunkvaultClient.MAX_GRANT_CHUNKS, linger);
    }

    @Override
    public UploadGrant request(List<ChunkvaultClient.ChunkRef> chunks) {
        return coalescer.call(chunks);
    }

    /** Grant requests sent and the callers' requests they carried. */
    public int[] stats() {
        return coalescer.stats();
    }

    static List<Coalescer.Answer<UploadGrant>> send(ChunkvaultClient client, List<List<ChunkvaultClient.ChunkRef>> requests) {
        Map<String, ChunkvaultClient.ChunkRef> union = new LinkedHashMap<>();
        requests.forEach(r -> r.forEach(c -> union.putIfAbsent(c.id(), c)));
        UploadGrant g = client.requestUploads(new ArrayList<>(union.values()));
        Set<String> have = new HashSet<>(g.have());
        Map<String, UploadGrant.Upload> uploads = new HashMap<>();
        g.uploads().forEach(u -> uploads.put(u.id(), u));
        Map<String, UploadGrant.Later> later = new HashMap<>();
        g.retry().forEach(l -> later.put(l.id(), l));
        Set<String> packed = new HashSet<>(g.packed());
        List<Coalescer.Answer<UploadGrant>> out = new ArrayList<>(requests.size());
        for (List<ChunkvaultClient.ChunkRef> r : requests) {
            List<String> mineHave = new ArrayList<>();
            List<UploadGrant.Upload> mineUploads = new ArrayList<>();
            List<UploadGrant.Later> mineLater = new ArrayList<>();
            List<String> minePack = new ArrayList<>();
            for (ChunkvaultClient.ChunkRef c : new LinkedHashSet<>(r)) {
                if (have.contains(c.id())) {
                    mineHave.add(c.id());
                } else if (uploads.containsKey(c.id())) {
                    mineUploads.add(uploads.get(c.id()));
                } else if (later.containsKey(c.id())) {
                    mineLater.add(later.get(c.id()));
                } else if (packed.contains(c.id())) {
                    minePack.add(c.id());
                }
                // a chunk the grant left unanswered stays so: the caller's own check refuses the answer
            }
            out.add(Coalescer.Answer.of(new UploadGrant(mineHave, mineUploads, mineLater, minePack)));
        }
        return out;
    }
}
