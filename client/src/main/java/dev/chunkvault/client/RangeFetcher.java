package dev.chunkvault.client;

import dev.chunkvault.client.model.DownloadPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Downloads chunks stored in packs with few requests: the chunk ranges that threads working on different files ask for
 * at about the same time ({@link Coalescer}) are grouped by pack, neighbouring ranges (gaps under {@link #MAX_GAP}) are
 * merged, and each merged run is one ranged GET whose body is cut back into the chunks. A second device receiving a
 * tree of small files made one GET per file; it now makes about one per pack it needs.
 *
 * <p>The bytes are not checked here: the caller hashes each chunk against its id, as for any download.
 */
public final class RangeFetcher {
    /** Ranges closer than this are fetched as one (the bytes between are read and dropped). */
    static final long MAX_GAP = 64 << 10;
    /** One GET reads at most this much. */
    static final long MAX_RUN = 16 << 20;
    /** Callers whose ranges may share one round of GETs. */
    private static final int MAX_CALLERS = 32;
    /** The bytes one round may hold. */
    private static final int MAX_ROUND_BYTES = 32 << 20;

    /** One chunk to fetch: its id (hex) and its ranged URL. */
    public record Want(String id, DownloadPlan.ChunkUrl url) {
        public Want {
            if (!url.ranged()) {
                throw new IllegalArgumentException("not a ranged URL");
            }
        }
    }

    private final ChunkvaultClient client;
    private final Coalescer<List<Want>, Map<String, byte[]>> coalescer;
    private final java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();

    public RangeFetcher(ChunkvaultClient client, Duration linger) {
        this.client = client;
        this.coalescer = new Coalescer<>(this::send, RangeFetcher::weight, MAX_CALLERS, MAX_ROUND_BYTES, linger);
    }

    /** The bytes of each wanted chunk by id (fetched with other callers' chunks); waits for them. */
    public Map<String, byte[]> fetch(List<Want> wants) {
        return wants.isEmpty() ? Map.of() : coalescer.call(wants);
    }

    /** Ranged GETs sent. */
    public int gets() {
        return gets.get();
    }

    private static int weight(List<Want> wants) {
        return (int) Math.min(Integer.MAX_VALUE, wants.stream().mapToLong(w -> w.url().length()).sum());
    }

    /** A range of one object, and the wants it serves. */
    private record Run(String url, Map<String, String> headers, long start, long end, List<Want> wants) {}

    private List<Coalescer.Answer<Map<String, byte[]>>> send(List<List<Want>> requests) {
        // Group by object: the URL without its query (each plan presigns its own URL of the same pack).
        Map<String, List<Want>> byObject = new LinkedHashMap<>();
        requests.forEach(r -> r.forEach(w -> byObject.computeIfAbsent(objectOf(w.url().url()), k -> new ArrayList<>()).add(w)));
        Map<String, byte[]> got = new HashMap<>();
        for (List<Want> wants : byObject.values()) {
            wants.sort(Comparator.comparingLong(w -> w.url().offset()));
            Run run = null;
            for (Want w : wants) {
                long start = w.url().offset();
                long end = start + w.url().length();
                if (run != null && start - run.end() <= MAX_GAP && Math.max(end, run.end()) - run.start() <= MAX_RUN) {
                    run.wants().add(w);
                    run = new Run(run.url(), run.headers(), run.start(), Math.max(end, run.end()), run.wants());
                    continue;
                }
                if (run != null) {
                    fetchRun(run, got);
                }
                run = new Run(w.url().url(), w.url().headers(), start, end, new ArrayList<>(List.of(w)));
            }
            if (run != null) {
                fetchRun(run, got);
            }
        }
        List<Coalescer.Answer<Map<String, byte[]>>> out = new ArrayList<>(requests.size());
        for (List<Want> r : requests) {
            Map<String, byte[]> mine = new HashMap<>();
            r.forEach(w -> mine.put(w.id(), got.get(w.id() + "@" + w.url().offset())));
            out.add(Coalescer.Answer.of(mine));
        }
        return out;
    }

    private void fetchRun(Run run, Map<String, byte[]> got) {
        Map<String, String> headers = new HashMap<>(run.headers());
        headers.put("Range", "bytes=" + run.start() + "-" + (run.end() - 1));
        byte[] body = client.getObject(run.url(), headers);
        gets.incrementAndGet();
        if (body.length != run.end() - run.start()) {
            throw new BadResponseException("A ranged download answered " + body.length + " bytes for a range of "
                    + (run.end() - run.start()) + ".", null);
        }
        for (Want w : run.wants()) {
            int from = (int) (w.url().offset() - run.start());
            got.put(w.id() + "@" + w.url().offset(), java.util.Arrays.copyOfRange(body, from, from + (int) (long) w.url().length()));
        }
    }

    private static String objectOf(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
