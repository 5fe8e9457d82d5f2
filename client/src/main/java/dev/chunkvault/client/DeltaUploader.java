package dev.chunkvault.client;

import dev.chunkvault.client.model.DeltaStored;
import dev.chunkvault.client.model.Signatures;
import dev.chunkvault.core.chunking.Chunk;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The delta stage of a push: an edited chunk goes as a binary delta against the parent chunk it most likely came
 * from, when that is clearly smaller than the chunk. The base's block signature comes from the journal when this
 * client had the base in hand (no round trip), else from the service, in batches, only for chunks big enough to
 * repay that round trip. Whatever cannot go as a delta (no signature, too large, refused) is left for the uploads.
 *
 * <p>The file's deltas go to its {@link DeltaSender} together (with other files' deltas when it is shared), in groups
 * of bounded bytes; a chunk counts as sent only once the service answers that it stored (or holds) it.
 */
final class DeltaUploader {
    static final int MAX_SIGNATURES_PER_CALL = 32;
    /** Binary deltas are tried for at most this many chunks per push (each costs the server a chunk read). */
    static final int MAX_DELTA_CANDIDATES = 64;
    /** A delta is sent only when it is at most this fraction of the chunk on the wire (compressed, if it compresses). */
    static final double DELTA_WORTH = 0.5;
    /**
     * Chunks smaller than this go whole. Above it a delta always pays with a cached signature: one request instead of
     * a grant and a PUT, and its literal bytes compress where an S3 object's cannot.
     */
    static final int MIN_DELTA_CHUNK = 128;
    /** A signature is asked of the service only for chunks of at least this size (it costs a round trip). */
    static final int MIN_FETCHED_DELTA_CHUNK = 8 << 10;
    static final int MAX_DELTA_BYTES = 4 << 20;
    /** A file's deltas are handed to the sender once they (and the chunks kept for their signatures) hold this much. */
    static final int FLUSH_BYTES = 8 << 20;

    private final ChunkvaultClient client;
    private final PushJournal journal;
    private final DeltaSender sender;

    DeltaUploader(ChunkvaultClient client, PushJournal journal, DeltaSender sender) {
        this.client = client;
        this.journal = journal;
        this.sender = sender;
    }

    /** A delta ready to go: its chunk, its encoding, and the chunk's bytes when their signature is to be kept. */
    private record Ready(String id, Chunk chunk, byte[] encoded, int wireBytes, byte[] bytes) {}

    /**
     * Sends as deltas what it can of {@code need} (new chunk id hex → chunk of {@code m}) against {@code parent}, the
     * manifest of {@code parentVersion} of {@code remotePath}; what was sent is journaled and removed from {@code need}.
     * Nothing is tried without a parent, or where the client's options turn delta uploads off.
     */
    void send(PushSource from, String remotePath, String parentVersion, Manifest m, Manifest parent,
              Map<String, Chunk> need) throws IOException {
        if (parent == null || !client.options().deltaUploads() || need.isEmpty() || parent.chunkCount() == 0) {
            return;
        }
        Map<String, String> baseOf = deltaBases(m, parent, need);
        Map<String, BlockSignature> sigs = signatures(remotePath, parentVersion, baseOf, need);
        long fileSize = from.channel().size();
        List<Ready> ready = new ArrayList<>();
        long held = 0;
        for (Map.Entry<String, String> e : baseOf.entrySet()) {
            BlockSignature sig = sigs.get(e.getValue());
            Chunk c = need.get(e.getKey());
            if (sig == null || c == null) {
                continue;
            }
            byte[] bytes = FileRegions.readChunk(from.file(), from.channel(), c);
            Delta delta = DeltaEncoder.encode(sig, bytes);
            if (delta.encodedLength() > MAX_DELTA_BYTES) {
                continue;
            }
            byte[] encoded = delta.encode();
            int wire = Transport.Binary.of(encoded).wireLength(); // judged as sent alone: a batch compresses no worse
            if (wire > c.size() * DELTA_WORTH) {
                continue;
            }
            byte[] keep = fileSize <= SignatureCache.MAX_FILE_BYTES ? bytes : null;
            ready.add(new Ready(e.getKey(), c, encoded, wire, keep));
            held += encoded.length + (keep == null ? 0 : keep.length);
            if (held >= FLUSH_BYTES || ready.size() >= ChunkvaultClient.MAX_BATCH_DELTAS) {
                flush(from, ready, need, fileSize);
                held = 0;
            }
        }
        flush(from, ready, need, fileSize);
    }

    /**
     * Sends {@code ready} and empties it: each delta the service stored (or holds) is journaled and taken off
     * {@code need}; a refused one stays there, for the uploads to send whole.
     */
    private void flush(PushSource from, List<Ready> ready, Map<String, Chunk> need, long fileSize) {
        if (ready.isEmpty()) {
            return;
        }
        List<Coalescer.Answer<DeltaStored>> answers = sender.send(ready.stream().map(Ready::encoded).toList());
        if (answers.size() != ready.size()) {
            throw new BadResponseException("The delta answers are " + answers.size() + " for " + ready.size() + " deltas.",
                    null);
        }
        for (int i = 0; i < ready.size(); i++) {
            Ready r = ready.get(i);
            DeltaStored stored = answers.get(i).value();
            if (stored == null || !r.id().equals(stored.id())) {
                continue; // refused (e.g. the base is being collected): upload the chunk whole
            }
            journal.recordUploaded(r.id(), r.chunk().size(), client.options().clock().instant());
            if (r.bytes() != null) {
                journal.remember(r.id(), r.bytes(), fileSize);
            }
            need.remove(r.id());
            from.counters().deltas.incrementAndGet();
            from.counters().bytes.addAndGet(r.wireBytes());
        }
        ready.clear();
    }

    /** The signatures of the bases: cached ones, and those the service gives for chunks worth a round trip. */
    private Map<String, BlockSignature> signatures(String remotePath, String parentVersion, Map<String, String> baseOf,
                                                   Map<String, Chunk> need) {
        Map<String, BlockSignature> sigs = new LinkedHashMap<>();
        List<String> ask = new ArrayList<>();
        for (Map.Entry<String, String> e : baseOf.entrySet()) {
            String base = e.getValue();
            if (sigs.containsKey(base) || ask.contains(base)) {
                continue;
            }
            BlockSignature cached = journal.signature(base).map(b -> decodeFor(base, b)).orElse(null);
            if (cached != null) {
                sigs.put(base, cached);
            } else if (need.get(e.getKey()).size() >= MIN_FETCHED_DELTA_CHUNK) {
                ask.add(base);
            }
        }
        for (int i = 0; i < ask.size(); i += MAX_SIGNATURES_PER_CALL) {
            List<String> batch = ask.subList(i, Math.min(ask.size(), i + MAX_SIGNATURES_PER_CALL));
            Signatures answer;
            try {
                answer = client.signatures(remotePath, parentVersion, parentVersion, batch);
            } catch (ApiException e) {
                break; // signatures unavailable: plain uploads for these
            }
            for (Signatures.Signature sg : answer.signatures()) {
                try {
                    BlockSignature decoded = decodeFor(sg.id(), Base64.getDecoder().decode(sg.signature()));
                    if (decoded != null && batch.contains(sg.id())) {
                        sigs.put(sg.id(), decoded);
                        journal.recordSignature(sg.id(), decoded.encode());
                    }
                } catch (RuntimeException malformed) {
                    // skip this base: its chunk is uploaded whole
                }
            }
        }
        return sigs;
    }

    /** A signature decoded and checked to be of {@code id}; null when it is not. */
    private static BlockSignature decodeFor(String id, byte[] encoded) {
        try {
            BlockSignature s = BlockSignature.decode(encoded);
            return s.baseId().hex().equals(id) ? s : null;
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /**
     * The base of each delta candidate (new chunk → parent chunk, both hex): the parent chunk whose bytes overlap the
     * new chunk's the most, once the new chunk's range is mapped into the parent through the nearest preceding
     * chunk the two versions share (an insert or a deletion earlier in the file shifts everything after it).
     *
     * <p>Overlap, not the chunk under the new chunk's first byte: an edit can move a cut point, so a new chunk often
     * starts with the last few KiB of one parent chunk and goes on with all of the next one. A delta names a single
     * base, and against the first of those two it is nearly all literal bytes (the chunk is then uploaded whole),
     * while against the second it is a few blocks.
     */
    static Map<String, String> deltaBases(Manifest m, Manifest parent, Map<String, Chunk> need) {
        Map<ChunkId, Long> parentOffset = new HashMap<>();
        for (int k = 0; k < parent.chunkCount(); k++) {
            parentOffset.putIfAbsent(parent.id(k), parent.offset(k));
        }
        Map<String, String> baseOf = new LinkedHashMap<>();
        long shift = 0; // parent offset − new offset, at the last shared chunk
        for (int i = 0; i < m.chunkCount() && baseOf.size() < MAX_DELTA_CANDIDATES; i++) {
            Long shared = parentOffset.get(m.id(i));
            if (shared != null) {
                shift = shared - m.offset(i);
                continue;
            }
            String hex = m.id(i).hex();
            if (m.size(i) < MIN_DELTA_CHUNK || !need.containsKey(hex) || baseOf.containsKey(hex)) {
                continue;
            }
            long start = Math.max(0, Math.min(m.offset(i) + shift, parent.totalSize() - 1));
            long end = Math.min(parent.totalSize(), start + m.size(i));
            int best = parent.indexAt(start);
            long bestOverlap = -1;
            for (int k = best; k < parent.chunkCount() && parent.offset(k) < end; k++) {
                long overlap = Math.min(end, parent.offset(k) + parent.size(k)) - Math.max(start, parent.offset(k));
                if (overlap > bestOverlap) {
                    bestOverlap = overlap;
                    best = k;
                }
            }
            baseOf.put(hex, parent.id(best).hex());
        }
        return baseOf;
    }
}
