package dev.chunkvault.client;

import dev.chunkvault.client.model.PackDeclared;
import dev.chunkvault.client.model.PackSealed;
import dev.chunkvault.client.model.UploadGrant;
import dev.chunkvault.core.compress.ChunkCodec;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Sends the small chunks of many files in packs (docs/design-packs.md): the chunks that transfer threads working on
 * different files hand in at about the same time ({@link Coalescer}) go to the service as packs of up to {@link
 * PackFormat#TARGET_PACK_BYTES} — declared ({@code POST /v1/packs}), uploaded by one presigned PUT each, and sealed
 * ({@code POST /v1/packs/seal}), where the service hashes every chunk before any commit may use one. A tree of small
 * files took one PUT per file; it now takes one per pack.
 *
 * <p>Chunks may come without an upload grant ({@link ChunkvaultClient#packsWithoutGrants}): the declaration answers
 * which of them the caller already holds, and the pack is built again without those before anything is uploaded. A
 * service that cannot answer that (older than this client) gets none: the chunks are answered "ask for a grant first".
 *
 * <p>With a service whose commit batches seal packs ({@link ChunkvaultClient#sealsInCommits}), a pack is not sealed
 * here: each of its chunks is answered "unsealed", with the {@link PackSeal} that the commit of its file carries.
 *
 * <p>Each caller gets, for each of its chunks: stored; held already (nothing sent); send alone (the service holds
 * verified bytes of it from elsewhere, so this uploader proves it has them the usual way, by a presigned PUT of its
 * own); ask again later (being collected); ask for a grant first; or changed (its bytes no longer hash to its id: the
 * file changed since it was read). A PUT whose URL expired, or a pack collected before it was sealed, is declared and
 * sent again.
 *
 * <p>A chunk is stored compressed (zstd) in its pack when that saves at least 5 % ({@link ChunkCodec}; incompressible
 * data is found by an 8 KiB probe and stays raw); its id stays the SHA-256 of its plain bytes. A service that refuses
 * the declaration of compressed chunks (older than this client) gets the same pack raw, and no compressed pack again.
 *
 * <p>A large chunk (the large-file profile's, over {@link PackFormat#MAX_CHUNK_BYTES}) comes here only when its probe
 * found it compressible ({@code ChunkUploader}); it goes compressed, as a one-entry pack of its own, sealed at once. If
 * it does not compress by 5 % after all, or a service refuses such a pack (older than this client), it is answered
 * {@link Kind#GRANT_FIRST} and goes alone, raw, by a grant, as before.
 */
public final class Packer {
    /**
     * What became of one chunk. UNSEALED: its pack is uploaded, and its seal is left to the commit batch that first uses
     * it ({@link PackSeal}); what the seal answers for the chunk is known once that commit is answered.
     */
    public enum Kind { STORED, HELD, ALONE, LATER, CHANGED, GRANT_FIRST, UNSEALED }

    /** One chunk's outcome: with the upload to send (ALONE), the seconds to wait (LATER) or its pack's seal (UNSEALED). */
    public record Outcome(Kind kind, UploadGrant.Upload upload, long retryAfterSeconds, PackSeal seal) {
        static final Outcome STORED = new Outcome(Kind.STORED, null, 0, null);
        static final Outcome CHANGED = new Outcome(Kind.CHANGED, null, 0, null);
        static final Outcome HELD = new Outcome(Kind.HELD, null, 0, null);
        static final Outcome GRANT_FIRST = new Outcome(Kind.GRANT_FIRST, null, 0, null);

        static Outcome unsealed(PackSeal seal) {
            return new Outcome(Kind.UNSEALED, null, 0, seal);
        }
    }

    /**
     * A chunk to pack: its id (hex) and bytes as read from its file, and how it is to be stored (compressed or not;
     * null until {@link #store} decides, on the caller's thread, so that transfer threads compress side by side).
     *
     * @param sealNow whether the pack that holds it is sealed at once, by its own request, rather than by the commit
     *                batch that first uses it: for a large file's chunks, whose commit comes only once the whole file is
     *                sent, so that a push killed halfway has its sealed packs journaled and resumes past them
     */
    public record Item(String id, byte[] bytes, ChunkCodec.Stored stored, boolean sealNow) {
        public Item(String id, byte[] bytes) {
            this(id, bytes, null, false);
        }

        public Item(String id, byte[] bytes, ChunkCodec.Stored stored) {
            this(id, bytes, stored, false);
        }

        /**
         * Whether it is a large chunk (over {@link PackFormat#MAX_CHUNK_BYTES}, the large-file profile's): it goes in a
         * pack only compressed and alone, a one-entry pack (docs/compression.md).
         */
        boolean large() {
            return bytes.length > PackFormat.MAX_CHUNK_BYTES;
        }

        /** The bytes that go into the pack. */
        int storedLength() {
            return stored == null ? bytes.length : stored.bytes().length;
        }
    }

    /** Attempts per pack when its URL expires or it is collected before it is sealed. */
    private static final int ATTEMPTS = 3;
    /**
     * Pack rounds sent at once before a round that is not full waits for it: the files that arrive while a pack is being
     * declared, uploaded and sealed go in the next one, so under load packs grow with the time a round takes. A full
     * pack (a large file's slice, or many files) goes at once whatever is in flight. One round rather than two: 74
     * packs instead of 92 for 3,000 files, and no slower (docs/perf-many-files.md).
     */
    static final int ROUNDS_IN_FLIGHT = 1;
    /** Callers whose chunks may share one pack request. */
    private static final int MAX_CALLERS = 4096;

    private final ChunkvaultClient client;
    private final Coalescer<List<Item>, Map<String, Outcome>> coalescer;
    private final java.util.concurrent.atomic.AtomicInteger packsSent = new java.util.concurrent.atomic.AtomicInteger();
    /** The chunks being packed by a round now, with the answer their round will give. */
    private final Map<String, CompletableFuture<Outcome>> inFlight = new ConcurrentHashMap<>();

    public Packer(ChunkvaultClient client, Duration linger) {
        this.client = client;
        this.coalescer = new Coalescer<>(this::send, Packer::weight, MAX_CALLERS, PackFormat.TARGET_PACK_BYTES, linger,
                ROUNDS_IN_FLIGHT);
    }

    /**
     * Stores {@code items} (distinct ids, each at most {@link PackFormat#MAX_CHUNK_BYTES}, or a large chunk of at most
     * {@link PackFormat#MAX_LARGE_CHUNK_BYTES}, which goes compressed in a one-entry pack, or else is answered
     * {@link Kind#GRANT_FIRST}: to be sent alone) in packs; waits for it.
     */
    public Map<String, Outcome> store(List<Item> items) {
        if (items.isEmpty()) {
            return Map.of();
        }
        if (client.compressPacks()) {
            items = items.stream().map(i -> i.stored() != null ? i
                    : new Item(i.id(), i.bytes(), ChunkCodec.encode(i.bytes()), i.sealNow())).toList();
        }
        // A large chunk goes in a pack only compressed (alone: sendRound); one that did not compress enough, or any
        // while large chunks are not compressed, goes alone by a grant, raw, as before.
        Map<String, Outcome> alone = new HashMap<>();
        List<Item> packed = new ArrayList<>(items.size());
        for (Item i : items) {
            if (i.large() && !(client.compressLargeChunks() && i.stored() != null && i.stored().compressed())) {
                alone.put(i.id(), Outcome.GRANT_FIRST);
            } else {
                packed.add(i);
            }
        }
        if (alone.isEmpty()) {
            return coalescer.call(packed);
        }
        Map<String, Outcome> out = new HashMap<>(alone);
        if (!packed.isEmpty()) {
            out.putAll(coalescer.call(packed));
        }
        return out;
    }

    /** Packs uploaded (and sealed, or left to be sealed by a commit batch). */
    public int packsSent() {
        return packsSent.get();
    }

    private static int weight(List<Item> items) {
        long bytes = items.stream().mapToLong(i -> i.storedLength() + PackFormat.ENTRY_BYTES_V2).sum();
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    private List<Coalescer.Answer<Map<String, Outcome>>> send(List<List<Item>> requests) {
        Map<String, Item> union = new LinkedHashMap<>();
        requests.forEach(r -> r.forEach(i -> union.putIfAbsent(i.id(), i)));
        // A chunk another round is packing right now (the same bytes in two files) is not packed twice: this round
        // waits for that round's answer once its own packs are sent.
        Map<String, CompletableFuture<Outcome>> mine = new HashMap<>();
        Map<String, CompletableFuture<Outcome>> others = new HashMap<>();
        for (String id : union.keySet()) {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            CompletableFuture<Outcome> prior = inFlight.putIfAbsent(id, f);
            if (prior == null) {
                mine.put(id, f);
            } else {
                others.put(id, prior);
            }
        }
        union.keySet().removeAll(others.keySet());
        try {
            Map<String, Outcome> outcomes = sendRound(union);
            mine.forEach((id, f) -> f.complete(outcomes.get(id)));
            for (Map.Entry<String, CompletableFuture<Outcome>> e : others.entrySet()) {
                outcomes.put(e.getKey(), e.getValue().join());
            }
            List<Coalescer.Answer<Map<String, Outcome>>> out = new ArrayList<>(requests.size());
            for (List<Item> r : requests) {
                Map<String, Outcome> answer = new HashMap<>();
                r.forEach(i -> answer.put(i.id(), outcomes.get(i.id())));
                out.add(Coalescer.Answer.of(answer));
            }
            return out;
        } catch (RuntimeException e) {
            mine.values().forEach(f -> f.completeExceptionally(e));
            throw e;
        } finally {
            mine.forEach(inFlight::remove);
        }
    }

    /** Sends {@code union} in packs of about the target size; every chunk's outcome. */
    private Map<String, Outcome> sendRound(Map<String, Item> union) {
        List<List<Item>> packs = split(union.values(), PackFormat.TARGET_PACK_BYTES, PackFormat.MAX_PACK_PLAIN_BYTES);
        Map<String, Outcome> outcomes = new HashMap<>();
        for (List<Item> pack : packs) {
            outcomes.putAll(sendPack(pack));
        }
        return outcomes;
    }

    /**
     * The items in packs, in order: a large one alone (a one-entry pack), the others together up to {@code targetBytes}
     * stored, {@link PackFormat#MAX_CHUNKS} chunks and {@code maxPlainBytes} plain (what the service decodes to seal the
     * pack, bounded by its declaration: 413 {@code PACK_PLAIN_TOO_LARGE} past {@link PackFormat#MAX_PACK_PLAIN_BYTES});
     * very compressible chunks fill a pack's plain bytes long before its stored ones.
     */
    static List<List<Item>> split(java.util.Collection<Item> items, long targetBytes, long maxPlainBytes) {
        List<List<Item>> packs = new ArrayList<>();
        List<Item> current = new ArrayList<>();
        long size = PackFormat.TRAILER_BYTES;
        long plain = 0;
        for (Item i : items) {
            if (i.large()) {
                packs.add(List.of(i)); // a one-entry pack
                continue;
            }
            long add = i.storedLength() + PackFormat.ENTRY_BYTES_V2;
            if (!current.isEmpty() && (size + add > targetBytes || current.size() >= PackFormat.MAX_CHUNKS
                    || plain + i.bytes().length > maxPlainBytes)) {
                packs.add(current);
                current = new ArrayList<>();
                size = PackFormat.TRAILER_BYTES;
                plain = 0;
            }
            current.add(i);
            size += add;
            plain += i.bytes().length;
        }
        if (!current.isEmpty()) {
            packs.add(current);
        }
        return packs;
    }

    /** The items as plain bytes, by id; a large one cannot go in a pack raw, so it is answered "grant first". */
    private static Map<String, Item> raw(List<Item> items, Map<String, Outcome> out) {
        Map<String, Item> raw = new LinkedHashMap<>();
        for (Item i : items) {
            if (i.large()) {
                out.put(i.id(), Outcome.GRANT_FIRST);
            } else {
                raw.put(i.id(), new Item(i.id(), i.bytes(), null, i.sealNow()));
            }
        }
        return raw;
    }

    /** Declares, uploads and seals one pack; answers every chunk of it. */
    private Map<String, Outcome> sendPack(List<Item> items) {
        Map<String, Outcome> out = new HashMap<>();
        if (!client.compressPacks() && items.stream().anyMatch(i -> i.stored() != null && i.stored().compressed())) {
            Map<String, Item> raw = raw(items, out); // compression was refused meanwhile: raw, in packs of their raw size
            out.putAll(sendRound(raw));
            return out;
        }
        List<Item> todo = new ArrayList<>(items);
        for (int attempt = 1; !todo.isEmpty(); attempt++) {
            PackFormat.Builder b = new PackFormat.Builder();
            todo.forEach(i -> b.add(ChunkId.parse(i.id()), i.stored() != null ? i.stored()
                    : new ChunkCodec.Stored(Encoding.RAW, i.bytes(), i.bytes().length)));
            byte[] pack = b.finish();
            PackDeclared d;
            try {
                d = client.declarePack(ChunkId.sha256(pack).hex(), pack.length, b.entries(), client.packsWithoutGrants());
            } catch (ApiException e) {
                if (b.format() == 2 && e.isUnknownField()) {
                    // A service older than compression (or than unlessHeld: the raw declaration tells): the same chunks
                    // raw, in packs of their raw size; the client compresses no more (ChunkvaultClient#compressPacks).
                    Map<String, Item> raw = raw(todo, out);
                    out.putAll(sendRound(raw));
                    return out;
                }
                if (todo.size() == 1 && todo.get(0).large() && e.status() == 400 && "INVALID_PACK".equals(e.code())) {
                    // A service older than large compressed chunks (its limit per entry is 1 MiB): this one, and every
                    // large chunk from now on, goes alone and raw, by a grant, as before.
                    client.compressLargeChunks(false);
                    out.put(todo.get(0).id(), Outcome.GRANT_FIRST);
                    return out;
                }
                if (!e.isNoSuchRoute() && !e.isUnknownField()) {
                    throw e;
                }
                // The service cannot tell which of these the caller holds, or has no packs (these chunks may have come
                // without a grant while another round found that out): grants decide.
                todo.forEach(i -> out.put(i.id(), Outcome.GRANT_FIRST));
                return out;
            }
            if (d.packId() == null) {
                // Nothing declared: the caller holds these already. The pack is built again without them.
                Set<String> held = new java.util.HashSet<>(d.have());
                if (!todo.stream().map(Item::id).collect(Collectors.toSet()).containsAll(held)) {
                    throw new BadResponseException("The pack declaration names a chunk that was not in it.", null);
                }
                held.forEach(id -> out.put(id, Outcome.HELD));
                todo.removeIf(i -> held.contains(i.id()));
                attempt--;
                continue;
            }
            PackSealed sealed;
            try {
                client.putObject(d.upload().url(), d.upload().headers(), pack);
                if (client.sealsInCommits() && todo.stream().noneMatch(Item::sealNow)) {
                    // Sealed by the commit batch that first uses it: no request of its own.
                    packsSent.incrementAndGet();
                    PackSeal seal = new PackSeal(client, d.packId(), pack.length, PackFormat.plainBytes(b.entries()));
                    todo.forEach(i -> out.put(i.id(), Outcome.unsealed(seal)));
                    return out;
                }
                sealed = client.sealPack(d.packId());
            } catch (ApiException e) {
                boolean again = e.status() == 403 || (e.status() == 409 && "PACK_EXPIRED".equals(e.code()));
                if ("PACK_DAMAGED".equals(e.code())) {
                    // Some bytes no longer hash to their id: read from a file that changed. Those are refused; the rest
                    // go again in a pack of their own.
                    List<Item> changed = todo.stream().filter(i -> !ChunkId.sha256(i.bytes()).hex().equals(i.id())).toList();
                    if (changed.isEmpty()) {
                        throw e;
                    }
                    changed.forEach(i -> out.put(i.id(), Outcome.CHANGED));
                    todo.removeAll(changed);
                    continue;
                }
                if (!again || attempt >= ATTEMPTS) {
                    throw e;
                }
                continue;
            }
            packsSent.incrementAndGet();
            Set<String> asked = todo.stream().map(Item::id).collect(Collectors.toSet());
            for (UploadGrant.Upload u : sealed.uploads()) {
                if (!asked.contains(u.id())) {
                    throw new BadResponseException("The pack's seal names a chunk that was not in it.", null);
                }
                out.put(u.id(), new Outcome(Kind.ALONE, u, 0, null));
            }
            for (UploadGrant.Later l : sealed.retry()) {
                if (!asked.contains(l.id())) {
                    throw new BadResponseException("The pack's seal names a chunk that was not in it.", null);
                }
                out.put(l.id(), new Outcome(Kind.LATER, null, l.retryAfterSeconds(), null));
            }
            todo.forEach(i -> out.putIfAbsent(i.id(), Outcome.STORED));
            todo.clear();
        }
        return out;
    }
}
