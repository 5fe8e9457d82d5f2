package dev.chunkvault.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.DeltaApplier;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestDelta;
import dev.chunkvault.core.paths.FilePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-process fake of the Chunkvault HTTP API and of presigned object storage, for fast unit tests of the
 * SDK and the sync engine (the integration tests run on the real local cloud). One owner; the change feed has no
 * settle delay; chunk PUTs check the signed checksum and length headers like S3 does. Faults can be queued per
 * route ({@link #fail}).
 */
public final class FakeVault implements AutoCloseable {
    private static final ObjectMapper JSON = ClientJson.MAPPER;
    public static final String PROFILE = "fastcdc-v1-64k-256k-1m";

    public record Version(String path, String id, long seq, String parent, Manifest manifest, long size, String hash,
                          long mtime, long createdAt, boolean deleted, boolean executable, boolean link, boolean folder) {
        public Version(String path, String id, long seq, String parent, Manifest manifest, long size, String hash,
                       long mtime, long createdAt, boolean deleted, boolean executable) {
            this(path, id, seq, parent, manifest, size, hash, mtime, createdAt, deleted, executable, false, false);
        }

        public Version(String path, String id, long seq, String parent, Manifest manifest, long size, String hash,
                       long mtime, long createdAt, boolean deleted, boolean executable, boolean link) {
            this(path, id, seq, parent, manifest, size, hash, mtime, createdAt, deleted, executable, link, false);
        }
    }

    private final HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, List<Version>> files = new TreeMap<>();
    private final Map<String, Version> byKey = new HashMap<>();
    private final List<String> changeLog = new ArrayList<>();
    /** The sync replica each version was committed by (its request's Chunkvault-Writer; "" for none), by version id. */
    private final Map<String, String> writers = new HashMap<>();
    /** The current request's Chunkvault-Writer header (requests are answered one at a time). */
    private String writer;
    /** Every Chunkvault-Writer header seen ("null" for a request without one). */
    public final java.util.Set<String> writersSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Entries the change feed has answered, in all. */
    public final AtomicInteger feedEntries = new AtomicInteger();
    private record Fault(int status, String code) {}

    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, Deque<byte[]>> bodies = new ConcurrentHashMap<>();
    public final AtomicInteger puts = new AtomicInteger();
    public final AtomicInteger gets = new AtomicInteger();
    public final AtomicInteger deltaUploads = new AtomicInteger();
    /** Delta batch requests ({@code POST /v1/delta-upload-batch}) answered, and the deltas they carried. */
    public final AtomicInteger deltaBatches = new AtomicInteger();
    public final AtomicInteger deltasInBatches = new AtomicInteger();
    /** Target chunks whose delta (alone or in a batch) is refused 422 DELTA_TARGET_MISMATCH, as a wrong rebuild would be. */
    public final Set<String> refuseDeltaTargets = ConcurrentHashMap.newKeySet();
    /** Deltas a batch may hold: more are answered 413 TOO_MANY_DELTAS, as the service's bound (128 by default). */
    public volatile int maxDeltasPerBatch = 128;
    public final AtomicInteger signatureCalls = new AtomicInteger();
    public final AtomicInteger gzippedRequests = new AtomicInteger();
    /** Requests that came gzip-compressed, by route ("POST /v1/commit-batch"). */
    public final Map<String, AtomicInteger> gzippedByRoute = new ConcurrentHashMap<>();
    /**
     * A service older than compressed request bodies: a gzip-compressed body is read as it came, and answered 400
     * {@code MALFORMED_JSON} (binary delta uploads are still taken).
     */
    public volatile boolean refuseGzipBodies;
    /** Compressed bodies refused so while {@link #refuseGzipBodies}. */
    public final AtomicInteger gzipRefused = new AtomicInteger();
    public final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    public volatile boolean corruptDownloads;
    /** The next this many chunk downloads break off half-way through their body (the connection closes). */
    public final AtomicInteger truncateDownloads = new AtomicInteger();
    public volatile boolean conflictCheckMissing;
    /**
     * Routes ("POST /v1/delete") this service does not have: each answers as API Gateway does for a route it has not
     * got, 404 {@code {"message":"Not Found"}} with no error code (as do routes the fake does not serve at all).
     */
    public final Set<String> missingRoutes = ConcurrentHashMap.newKeySet();
    /** How many upload grants answer "retry later" for every chunk (as while GC is deleting them). */
    public final AtomicInteger deferGrants = new AtomicInteger();
    /**
     * Chunks whose first PUT is answered 200 and lost (as if collected between the upload and the commit): each id is
     * lost once.
     */
    public final Set<String> loseFirstPut = ConcurrentHashMap.newKeySet();
    /**
     * A missing-chunks answer lists at most this many (0: all), in manifest order, as a large commit lists the ones of
     * the slice it had time to verify.
     */
    public volatile int missingListedPerCommit;
    /** Slows every chunk PUT down (to kill a client in the middle of an upload). */
    public volatile long putDelayMillis;
    /** Bearer tokens accepted (every one sees the same files: the fake has one owner). */
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();

    /** Runs before each API call is answered (not object transfers): tests use it to act "during" a sync. */
    public volatile Hook hook;
    /**
     * A hostile (or compromised) service: names listed besides the real files, each standing for a stored file
     * whose content is served for it ({@code "../x"} -> {@code "payload.txt"}). No real service holds such names.
     */
    public final Map<String, String> hostileNames = new ConcurrentHashMap<>();
    /** Every chunk id stored by a PUT, in order (duplicates mean a chunk was sent twice). */
    public final List<String> putLog = java.util.Collections.synchronizedList(new ArrayList<>());
    private long seq;

    public FakeVault() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        tokens.add("test-token");
        server.start();
    }

    /** A JWT-shaped token (not signed) with {@code sub}, accepted from now on. */
    public String tokenFor(String sub) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"" + sub + "\",\"token_use\":\"access\"}").getBytes(StandardCharsets.UTF_8))
                + ".sig";
        tokens.add(token);
        return token;
    }

    /** Forgets one version of a file's history (as retention expires old versions; the head stays). */
    public synchronized void expire(String path, String versionId) {
        List<Version> vs = files.get(FilePath.parse(path).foldKey());
        if (vs.get(vs.size() - 1).id().equals(versionId)) {
            throw new IllegalArgumentException("the head is never expired");
        }
        vs.removeIf(v -> v.id().equals(versionId));
    }

    /** Removes every trace of a file, its tombstone too (as the service does past the retention period). */
    public synchronized void purge(String path) {
        files.remove(FilePath.parse(path).foldKey());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Something a test does when the fake is about to answer {@code route} ("POST /v1/commits"). */
    @FunctionalInterface
    public interface Hook {
        void before(String route, JsonNode body, Map<String, String> query) throws IOException;
    }

    /** Paths whose new versions answer 429 TOO_MANY_VERSIONS (their hourly limit is reached), like the service's. */
    public final java.util.Set<String> busy = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The account's quota on logical bytes, like the service's (commits that would pass it answer 403); null: none. */
    public volatile Long quota;

    /** The sizes of the heads of the live files: what the quota limits. */
    public synchronized long logicalBytes() {
        long n = 0;
        for (List<Version> vs : files.values()) {
            Version h = vs.get(vs.size() - 1);
            n += h.deleted() ? 0 : h.size();
        }
        return n;
    }

    private Object usage() {
        long live = 0;
        long versions = 0;
        long history = 0;
        for (List<Version> vs : files.values()) {
            Version h = vs.get(vs.size() - 1);
            live += h.deleted() ? 0 : 1;
            for (Version v : vs) {
                if (!v.deleted()) {
                    versions++;
                    history += v == h ? 0 : v.size();
                }
            }
        }
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("logicalBytes", logicalBytes());
        u.put("files", live);
        u.put("versions", versions);
        u.put("historyBytes", history);
        if (quota != null) {
            u.put("quota", quota);
        }
        return u;
    }

    /** Drops the faults still queued for {@code route}. */
    public void clearFaults(String route) {
        faults.remove(route);
    }

    /** The next {@code times} calls of {@code route} ("POST /v1/commits", "PUT /objects") answer {@code status}. */
    public void fail(String route, int status, int times) {
        failWith(route, status, "INJECTED", times);
    }

    /** The next {@code times} calls of {@code route} answer {@code status} with error code {@code code}. */
    public void failWith(String route, int status, String code, int times) {
        Deque<Fault> q = faults.computeIfAbsent(route, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
        for (int i = 0; i < times; i++) {
            q.add(new Fault(status, code));
        }
    }

    /**
     * The next {@code times} calls of {@code route} get no answer at all: the request is read and the connection is
     * closed, as a network failure would (the client sees an {@link IOException}).
     */
    public void dropConnection(String route, int times) {
        failWith(route, DROP, null, times);
    }

    /** A queued fault that closes the connection instead of answering. */
    private static final int DROP = -1;

    /** The next call of {@code route} answers 200 with these raw bytes. */
    public void answerRaw(String route, String body) {
        bodies.computeIfAbsent(route, k -> new ArrayDeque<>()).add(body.getBytes(StandardCharsets.UTF_8));
    }

    public synchronized Version head(String path) {
        List<Version> vs = files.get(FilePath.parse(path).foldKey());
        return vs == null ? null : vs.get(vs.size() - 1);
    }

    public byte[] object(String id) {
        return objects.get(id);
    }

    public void dropObject(String id) {
        objects.remove(id);
    }

    /** The original name of the file's head (issue 21), or null. */
    public synchronized String originalName(String path) {
        Version v = head(path);
        return v == null ? null : originalNames.get(v.id());
    }

    /** Whether the file's head is a deletion. */
    public synchronized boolean isDeleted(String path) {
        Version v = head(path);
        return v != null && v.deleted();
    }

    public synchronized byte[] content(String path) {
        Version v = head(path);
        if (v == null || v.deleted()) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < v.manifest().chunkCount(); i++) {
            out.writeBytes(objects.get(v.manifest().id(i).hex()));
        }
        return out.toByteArray();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String route = ex.getRequestMethod() + " " + (path.startsWith("/objects/") ? "/objects"
                    : path.startsWith("/packs/") ? "/packs" : path);
            calls.computeIfAbsent(route, k -> new AtomicInteger()).incrementAndGet();
            if (missingRoutes.contains(route)) {
                ex.getRequestBody().readAllBytes();
                send(ex, 404, NO_ROUTE);
                return;
            }
            Deque<Fault> f = faults.get(route);
            Fault fault = f == null ? null : f.poll();
            if (fault != null && fault.status() == DROP) {
                ex.getRequestBody().readAllBytes();
                return;
            }
            if (fault != null) {
                ex.getResponseHeaders().set("Retry-After", "0");
                send(ex, fault.status(), error(fault.code(), "injected fault"));
                return;
            }
            Deque<byte[]> raw = bodies.get(route);
            byte[] canned = raw == null ? null : raw.poll();
            if (canned != null) {
                ex.getRequestBody().readAllBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, canned.length);
                ex.getResponseBody().write(canned);
                return;
            }
            if (path.startsWith("/objects/")) {
                object(ex, path.substring("/objects/".length()));
                return;
            }
            if (path.startsWith("/packs/")) {
                packObject(ex, path.substring("/packs/".length()));
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!path.startsWith("/local/") && (auth == null || !auth.startsWith("Bearer ")
                    || !tokens.contains(auth.substring("Bearer ".length())))) {
                send(ex, 401, error("UNAUTHORIZED", "Sign in."));
                return;
            }
            byte[] in = ex.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                if (refuseGzipBodies && !route.equals("POST /v1/delta-uploads")) {
                    gzipRefused.incrementAndGet();
                    send(ex, 400, error("MALFORMED_JSON", "The request body is not valid JSON of the expected shape."));
                    return;
                }
                in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(in)).readAllBytes();
                gzippedRequests.incrementAndGet();
                gzippedByRoute.computeIfAbsent(route, k -> new AtomicInteger()).incrementAndGet();
            }
            JsonNode body;
            List<byte[]> batchDeltas = null;
            if (route.equals("POST /v1/delta-upload-batch")) {
                if (!"application/octet-stream".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                    send(ex, 400, error("MALFORMED_BATCH", "not binary"));
                    return;
                }
                try {
                    batchDeltas = dev.chunkvault.core.delta.DeltaBatch.decode(in, maxDeltasPerBatch);
                } catch (dev.chunkvault.core.delta.DeltaException e) {
                    send(ex, e.reason() == dev.chunkvault.core.delta.DeltaException.Reason.TOO_LARGE ? 413 : 400,
                            error(e.reason() == dev.chunkvault.core.delta.DeltaException.Reason.TOO_LARGE
                                    ? "TOO_MANY_DELTAS" : "MALFORMED_BATCH", "bad batch"));
                    return;
                }
                body = JSON.createObjectNode().put("deltas", batchDeltas.size());
            } else if (route.equals("POST /v1/delta-uploads")
                    && "application/octet-stream".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                // a binary delta upload: the delta's header names base and target
                var h = dev.chunkvault.core.delta.Delta.Header.read(in).orElseThrow();
                body = JSON.createObjectNode().put("baseChunk", h.baseId().hex()).put("targetChunk", h.targetId().hex())
                        .put("delta", Base64.getEncoder().encodeToString(in));
            } else {
                body = in.length == 0 ? JSON.createObjectNode() : JSON.readTree(in);
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            Hook h = hook;
            if (h != null) {
                h.before(route, body, q);
            }
            Object answer;
            synchronized (this) {
                writer = ex.getRequestHeaders().getFirst("Chunkvault-Writer");
                writersSeen.add(String.valueOf(writer));
                try {
                    answer = switch (route) {
                        case "POST /v1/uploads" -> uploads(body);
                        case "POST /v1/packs" -> declarePack(body);
                        case "POST /v1/packs/seal" -> sealPack(body);
                        case "POST /v1/commits" -> commit(body);
                        case "POST /v1/commit-batch" -> commitBatch(body);
                        case "POST /v1/delete" -> delete(body);
                        case "POST /v1/restore" -> restore(body);
                        case "GET /v1/files" -> list(q);
                        case "GET /v1/file" -> file(q);
                        case "GET /v1/changes" -> changes(q);
                        case "GET /v1/history" -> history(q);
                        case "POST /v1/downloads" -> downloads(body);
                        case "POST /v1/download-batch" -> downloadBatch(body);
                        case "POST /v1/signatures" -> signatures(body);
                        case "POST /v1/delta-uploads" -> deltaUpload(body);
                        case "POST /v1/delta-upload-batch" -> deltaUploadBatch(batchDeltas);
                        case "POST /v1/conflict-check" -> conflictCheck(body);
                        case "GET /v1/usage" -> usage();
                        case "POST /v1/rewind" -> {
                            rewindRequests.add(body);
                            String page = rewindPages.poll();
                            yield page != null ? JSON.readTree(page) : new Status(404, error("NOT_FOUND", "No rewind here."));
                        }
                        case "POST /v1/admin/audit" -> auditReport != null ? Map.of("audit", JSON.readTree(auditReport))
                                : new Status(404, error("NOT_FOUND", "No audit here."));
                        case "PUT /v1/admin/quota" -> {
                            quota = body.hasNonNull("quotaBytes") && body.get("quotaBytes").asLong() > 0
                                    ? body.get("quotaBytes").asLong() : null;
                            Map<String, Object> u = new LinkedHashMap<>();
                            u.put("owner", body.path("owner").asText());
                            @SuppressWarnings("unchecked")
                            Map<String, Object> mine = (Map<String, Object>) usage();
                            u.putAll(mine);
                            yield u;
                        }
                        case "POST /v1/admin/gc" -> Map.of("gc", Map.of("runId", "r", "token", 1, "complete", true,
                                "versionsExpired", 0, "chunksSwept", 0, "bytesReclaimed", 0));
                        case "POST /v1/local/v1/token", "POST /local/v1/token" -> Map.of("token", "test-token",
                                "expiresAt", Instant.now().plusSeconds(3600).toString());
                        default -> new Status(404, NO_ROUTE);
                    };
                } finally {
                    writer = null; // what a test does to the vault directly is no replica's
                }
            }
            if (answer instanceof Status s) {
                send(ex, s.status, s.body);
            } else {
                send(ex, 200, answer);
            }
        } catch (RuntimeException e) {
            send(ex, 500, error("INTERNAL", "Internal error."));
        }
    }

    private record Status(int status, Object body) {}

    /** API Gateway's answer for a route it has not got: no error code, only its own message. */
    private static final Map<String, Object> NO_ROUTE = Map.of("message", "Not Found");

    /** Batches of commits answered (a batch route like the service's: one result per commit). */
    public final AtomicInteger commitBatches = new AtomicInteger();
    public final AtomicInteger commitsInBatches = new AtomicInteger();
    /** Answer the batch route as a gateway without it would (404, API Gateway's own body). */
    public volatile boolean batchRouteMissing;

    /** Whether a commit batch holding a deletion is refused whole (400), as by a service from before they were batched. */
    public volatile boolean batchDeletesRefused;
    /** Deletions that came in commit batches. */
    public final AtomicInteger deletesInBatches = new AtomicInteger();

    /** The report {@code POST /v1/admin/audit} answers (its JSON), or null (404). */
    public volatile String auditReport;

    /** The pages {@code POST /v1/rewind} answers in turn (their JSON); none left: 404. */
    public final java.util.concurrent.ConcurrentLinkedDeque<String> rewindPages = new java.util.concurrent.ConcurrentLinkedDeque<>();
    /** The bodies of the rewind requests received. */
    public final List<JsonNode> rewindRequests = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Whether commits carrying {@code executable} are refused whole (400 UNKNOWN_FIELD), as by a service from before. */
    public volatile boolean executableUnknown;
    /** Requests refused for carrying {@code executable} while {@link #executableUnknown}. */
    public final AtomicInteger executableRefusals = new AtomicInteger();

    /** Whether commits carrying {@code folder} are refused (400 UNKNOWN_FIELD), as by a service from before markers. */
    public volatile boolean folderUnknown;
    /** Requests refused for carrying {@code folder} while {@link #folderUnknown}. */
    public final AtomicInteger folderRefusals = new AtomicInteger();

    private Status refuseExecutable(JsonNode commit, String at) {
        if (folderUnknown && commit.has("folder")) {
            folderRefusals.incrementAndGet();
            return new Status(400, error("UNKNOWN_FIELD", "Unknown field 'folder' at " + at + "folder."));
        }
        if (executableUnknown && commit.has("executable")) {
            executableRefusals.incrementAndGet();
            return new Status(400, error("UNKNOWN_FIELD", "Unknown field 'executable' at " + at + "executable."));
        }
        return null;
    }

    /** Whether commit batches carrying {@code seal} are refused (400 UNKNOWN_FIELD), as by a service from before. */
    public volatile boolean batchSealUnknown;
    /** Packs sealed by commit batches (also counted in {@link #packsSealed}), and batches refused for carrying any. */
    public final AtomicInteger sealsInBatches = new AtomicInteger();
    public final AtomicInteger sealRefusals = new AtomicInteger();
    /** The next seals answer that their chunks are stored elsewhere: each chunk is to be sent alone. */
    public final AtomicInteger sealsAskingAlone = new AtomicInteger();
    /**
     * The next seals in commit batches are deferred (413 SEAL_DEFERRED: the request's budget of plain bytes spent),
     * the pack left unread and unsealed, as the service does past its budget.
     */
    public final AtomicInteger sealsDeferred = new AtomicInteger();
    /** Packs whose seal in a batch was deferred. */
    public final java.util.Set<String> deferredPacks = ConcurrentHashMap.newKeySet();
    /** Packs sealed (their chunks stored). */
    public final java.util.Set<String> sealedPacks = ConcurrentHashMap.newKeySet();

    private Status deferSeal(String packId) {
        deferredPacks.add(packId);
        return new Status(413, error("SEAL_DEFERRED", "Not sealed in this request."));
    }

    private Object commitBatch(JsonNode b) throws IOException {
        if (batchRouteMissing) {
            return new Status(404, NO_ROUTE);
        }
        List<Object> sealed = new ArrayList<>();
        if (b.has("seal")) {
            if (batchSealUnknown) {
                sealRefusals.incrementAndGet();
                return new Status(400, error("UNKNOWN_FIELD", "Unknown field 'seal' at $.seal."));
            }
            // Sealed first, as the service does, before any commit is looked at.
            for (JsonNode id : b.path("seal")) {
                Object one = sealsDeferred.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                        ? deferSeal(id.asText())
                        : sealPack(JSON.createObjectNode().put("packId", id.asText()));
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("packId", id.asText());
                if (one instanceof Status st) {
                    r.put("status", st.status());
                    @SuppressWarnings("unchecked")
                    Map<String, Object> body = (Map<String, Object>) st.body();
                    r.putAll(body);
                } else {
                    r.put("status", 200);
                    r.putAll(JSON.convertValue(one, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
                }
                sealed.add(r);
                sealsInBatches.incrementAndGet();
            }
        }
        int at = 0;
        for (JsonNode c : b.path("commits")) {
            Status refused = refuseExecutable(c, "$.commits[" + at++ + "].");
            if (refused != null) {
                return refused;
            }
        }
        List<Object> results = new ArrayList<>();
        if (batchDeletesRefused) {
            for (JsonNode c : b.path("commits")) {
                if (c.has("delete")) {
                    return new Status(400, error("INVALID_FIELD", "Unknown field 'delete'.")); // a service from before
                }
            }
        }
        for (JsonNode c : b.path("commits")) {
            if (c.path("delete").asBoolean(false)) {
                deletesInBatches.incrementAndGet();
            }
            Object one = c.path("delete").asBoolean(false) ? delete(c) : commit(c);
            Map<String, Object> r = new LinkedHashMap<>();
            if (one instanceof Status st) {
                r.put("status", st.status());
                @SuppressWarnings("unchecked")
                Map<String, Object> body = (Map<String, Object>) st.body();
                r.putAll(body);
            } else {
                r.put("status", 201);
                @SuppressWarnings("unchecked")
                Map<String, Object> body = (Map<String, Object>) one;
                r.putAll(body);
            }
            results.add(r);
        }
        commitBatches.incrementAndGet();
        commitsInBatches.addAndGet(results.size());
        return sealed.isEmpty() ? Map.of("results", results) : Map.of("results", results, "sealed", sealed);
    }

    private static Map<String, Object> error(String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", code);
        m.put("message", message);
        m.put("requestId", "req-1");
        return m;
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                m.put(java.net.URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private void object(HttpExchange ex, String id) throws IOException {
        if (ex.getRequestMethod().equals("PUT")) {
            byte[] b;
            try (InputStream in = ex.getRequestBody()) {
                b = in.readAllBytes();
            }
            String sum = ex.getRequestHeaders().getFirst("x-amz-checksum-sha256");
            String len = ex.getRequestHeaders().getFirst("Content-Length");
            String owner = ex.getRequestHeaders().getFirst("x-amz-meta-owner");
            ChunkId actual = ChunkId.sha256(b);
            // The grant's other signed headers, sent exactly (a signed header's value is part of the signature).
            boolean served = List.of("application/octet-stream").equals(ex.getRequestHeaders().get("Content-Type"))
                    && List.of("attachment").equals(ex.getRequestHeaders().get("Content-Disposition"))
                    && List.of("private, no-store").equals(ex.getRequestHeaders().get("Cache-Control"))
                    // ...and no x-amz-* header the grant did not sign (S3 refuses those: HeadersNotSigned).
                    && ex.getRequestHeaders().keySet().stream().map(k -> k.toLowerCase(java.util.Locale.ROOT))
                            .filter(k -> k.startsWith("x-amz-"))
                            .allMatch(k -> k.equals("x-amz-checksum-sha256") || k.equals("x-amz-meta-owner"));
            if (sum == null || !sum.equals(actual.base64()) || !actual.hex().equals(id) || len == null
                    || Integer.parseInt(len) != b.length || !"owner-1".equals(owner) || !served) {
                ex.sendResponseHeaders(403, -1);
                return;
            }
            if (putDelayMillis > 0) {
                try {
                    Thread.sleep(putDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            puts.incrementAndGet();
            putLog.add(id);
            if (!loseFirstPut.remove(id)) {
                objects.put(id, b);
            }
            ex.sendResponseHeaders(200, -1);
            return;
        }
        gets.incrementAndGet();
        byte[] b = objects.get(id);
        if (b == null) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        if (corruptDownloads) {
            b = b.clone();
            b[0] ^= 1;
        }
        ex.sendResponseHeaders(200, b.length);
        if (truncateDownloads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ex.getResponseBody().write(b, 0, b.length / 2);
            ex.getResponseBody().flush();
            ex.close(); // fewer bytes than the Content-Length: the client sees the connection end mid-body
            return;
        }
        ex.getResponseBody().write(b);
    }

    private Set<String> held() {
        Set<String> h = new HashSet<>();
        for (List<Version> vs : files.values()) {
            for (Version v : vs) {
                v.manifest().distinctIds().forEach(c -> h.add(c.hex()));
            }
        }
        return h;
    }

    private Object uploads(JsonNode body) {
        Set<String> held = held();
        ArrayNode have = JSON.createArrayNode();
        ArrayNode ups = JSON.createArrayNode();
        if (deferGrants.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ArrayNode later = JSON.createArrayNode();
            for (JsonNode c : body.path("chunks")) {
                later.addObject().put("id", c.path("id").asText()).put("retryAfterSeconds", 7);
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("have", have);
            out.set("uploads", ups);
            out.set("retry", later);
            return out;
        }
        ArrayNode pack = JSON.createArrayNode();
        for (JsonNode c : body.path("chunks")) {
            String id = c.path("id").asText();
            if (held.contains(id)) {
                have.add(id);
            } else if (packs && body.path("pack").asBoolean(false) && c.path("size").asInt() <= (1 << 20)) {
                pack.add(id);
            } else {
                ObjectNode u = ups.addObject();
                u.put("id", id);
                u.put("method", "PUT");
                u.put("url", endpoint() + "/objects/" + id + "?X-Amz-Signature=x");
                ObjectNode h = u.putObject("headers");
                h.put("x-amz-checksum-sha256", ChunkId.parse(id).base64());
                h.put("content-length", Integer.toString(c.path("size").asInt()));
                h.put("x-amz-meta-owner", "owner-1");
                h.put("content-type", "application/octet-stream");
                h.put("content-disposition", "attachment");
                h.put("cache-control", "private, no-store");
                u.put("expiresAt", Instant.now().plusSeconds(600).toString());
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("have", have);
        out.set("uploads", ups);
        out.set("retry", JSON.createArrayNode());
        if (packs) {
            out.set("pack", pack);
        }
        return out;
    }

    // ------------------------------------------------------------------ packs (opt-in: enablePacks)

    private volatile boolean packs;
    private final Map<String, JsonNode> declaredPacks = new ConcurrentHashMap<>();
    private final Map<String, byte[]> packObjects = new ConcurrentHashMap<>();
    /** Packs sealed, and the chunk ids stored from them. */
    public final AtomicInteger packsSealed = new AtomicInteger();
    public final List<String> packedChunks = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The next pack PUTs accepted and stored with a byte changed. */
    public final AtomicInteger damageNextPacks = new AtomicInteger();
    /** The next pack PUTs answered 403 (as if their URL had expired). */
    public final AtomicInteger expirePackPuts = new AtomicInteger();

    /** Offers packs in grants (like a service that has them); off by default, as in a service that does not. */
    public FakeVault enablePacks() {
        packs = true;
        return this;
    }

    /** Answers declarations as a service from before {@code unlessHeld} did: 400 UNKNOWN_FIELD when it is sent. */
    public volatile boolean declarationsRefuseUnlessHeld;
    /** Whether declarations of chunks over 1 MiB are refused (400 INVALID_PACK), as by a service from before they were taken. */
    public volatile boolean largeEntriesRefused;
    /** Large chunks (over 1 MiB) sealed compressed, each its pack's only entry. */
    public final AtomicInteger largeCompressedChunks = new AtomicInteger();
    /** Compressed chunks in sealed (or refused) packs. */
    public final AtomicInteger compressedChunks = new AtomicInteger();
    /** Declarations of compressed chunks are refused as by a service older than compression. */
    public volatile boolean refuseCompression;

    /** Pack declarations answered, and those that declared nothing because the caller held some chunks. */
    public final AtomicInteger packDeclarations = new AtomicInteger();
    public final AtomicInteger heldAnswers = new AtomicInteger();

    private Object declarePack(JsonNode body) {
        if (!packs) {
            return new Status(404, NO_ROUTE); // a service without packs
        }
        packDeclarations.incrementAndGet();
        if (refuseCompression) {
            for (JsonNode e : body.path("chunks")) {
                if (e.has("encoding")) {
                    return new Status(400, error("UNKNOWN_FIELD", "Unknown field 'encoding'."));
                }
            }
        }
        // The service's rules for an index (PackFormat.check): a large chunk only compressed and alone, at most 8 MiB.
        List<dev.chunkvault.core.pack.PackFormat.Entry> entries = new ArrayList<>();
        try {
            for (JsonNode e : body.path("chunks")) {
                int length = e.path("length").asInt();
                dev.chunkvault.core.compress.Encoding enc = dev.chunkvault.core.compress.Encoding.ofName(e.path("encoding").asText(null));
                entries.add(new dev.chunkvault.core.pack.PackFormat.Entry(ChunkId.parse(e.path("id").asText()), e.path("offset").asInt(),
                        length, enc, e.has("plainLength") ? e.path("plainLength").asInt() : length));
                if (largeEntriesRefused && (length > (1 << 20) || e.path("plainLength").asInt() > (1 << 20))) {
                    return new Status(400, error("INVALID_PACK", "A chunk in a pack is at most 1048576 bytes."));
                }
            }
            dev.chunkvault.core.pack.PackFormat.check(entries, body.path("size").asLong());
        } catch (dev.chunkvault.core.pack.PackFormatException bad) {
            return new Status(400, error("INVALID_PACK", bad.getMessage()));
        }
        if (dev.chunkvault.core.pack.PackFormat.plainBytes(entries) > dev.chunkvault.core.pack.PackFormat.MAX_PACK_PLAIN_BYTES) {
            return new Status(413, error("PACK_PLAIN_TOO_LARGE", "Too many plain bytes in one pack."));
        }
        if (body.has("unlessHeld")) {
            if (declarationsRefuseUnlessHeld) {
                return new Status(400, error("UNKNOWN_FIELD", "Unknown field 'unlessHeld'."));
            }
            Set<String> held = held();
            ArrayNode have = JSON.createArrayNode();
            for (JsonNode e : body.path("chunks")) {
                if (held.contains(e.path("id").asText())) {
                    have.add(e.path("id").asText());
                }
            }
            if (!have.isEmpty()) {
                heldAnswers.incrementAndGet();
                ObjectNode out = JSON.createObjectNode();
                out.set("have", have);
                return out;
            }
        }
        String id = java.util.UUID.randomUUID().toString().replace("-", "");
        declaredPacks.put(id, body);
        ObjectNode up = JSON.createObjectNode();
        up.put("method", "PUT").put("url", endpoint() + "/packs/" + id + "?X-Amz-Signature=x");
        ObjectNode h = up.putObject("headers");
        h.put("x-amz-checksum-sha256", ChunkId.parse(body.path("sha256").asText()).base64());
        h.put("content-length", Long.toString(body.path("size").asLong()));
        h.put("x-amz-meta-owner", "owner-1");
        ObjectNode out = JSON.createObjectNode().put("packId", id);
        out.set("upload", up);
        return out;
    }

    private void packObject(HttpExchange ex, String id) throws IOException {
        byte[] b;
        try (InputStream in = ex.getRequestBody()) {
            b = in.readAllBytes();
        }
        String sum = ex.getRequestHeaders().getFirst("x-amz-checksum-sha256");
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (!ex.getRequestMethod().equals("PUT") || expirePackPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                || sum == null || !sum.equals(ChunkId.sha256(b).base64()) || len == null || Integer.parseInt(len) != b.length) {
            ex.sendResponseHeaders(403, -1);
            return;
        }
        if (damageNextPacks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            b = b.clone();
            b[0] ^= 1; // stored other than sent: its seal finds the first chunk does not match its id
        }
        packObjects.put(id, b);
        ex.sendResponseHeaders(200, -1);
    }

    private Object sealPack(JsonNode body) {
        String id = body.path("packId").asText();
        JsonNode declared = declaredPacks.get(id);
        byte[] pack = packObjects.get(id);
        if (declared == null) {
            return new Status(404, error("NOT_FOUND", "No such pack."));
        }
        if (pack == null) {
            return new Status(409, error("PACK_NOT_UPLOADED", "The pack has not been uploaded yet."));
        }
        List<String> damaged = new ArrayList<>();
        Map<String, byte[]> plain = new LinkedHashMap<>();
        for (JsonNode e : declared.path("chunks")) {
            int off = e.path("offset").asInt();
            int len = e.path("length").asInt();
            byte[] bytes;
            try {
                bytes = dev.chunkvault.core.compress.ChunkCodec.decode(
                        dev.chunkvault.core.compress.Encoding.ofName(e.path("encoding").asText(null)), pack, off, len,
                        e.has("plainLength") ? e.path("plainLength").asInt() : len);
            } catch (dev.chunkvault.core.compress.EncodingException | NullPointerException bad) {
                bytes = new byte[0];
            }
            if (!ChunkId.sha256(bytes).hex().equals(e.path("id").asText())) {
                damaged.add(e.path("id").asText());
            }
            if (e.has("encoding")) {
                compressedChunks.incrementAndGet();
            }
            plain.put(e.path("id").asText(), bytes);
        }
        if (!damaged.isEmpty()) {
            return new Status(422, error("PACK_DAMAGED", damaged.size() + " chunk(s) do not match their ids."));
        }
        if (sealsAskingAlone.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            // As the service answers a pack whose chunks' verified bytes are stored elsewhere: a PUT of each, alone.
            ArrayNode uploads = JSON.createArrayNode();
            for (JsonNode e : declared.path("chunks")) {
                String cid = e.path("id").asText();
                ObjectNode u = uploads.addObject().put("id", cid).put("method", "PUT")
                        .put("url", endpoint() + "/objects/" + cid + "?X-Amz-Signature=x");
                u.putObject("headers").put("x-amz-checksum-sha256", ChunkId.parse(cid).base64())
                        .put("content-length", Integer.toString(e.path(e.has("plainLength") ? "plainLength" : "length").asInt()))
                        .put("x-amz-meta-owner", "owner-1")
                        .put("content-type", "application/octet-stream").put("content-disposition", "attachment")
                        .put("cache-control", "private, no-store");
                u.put("expiresAt", Instant.now().plusSeconds(600).toString());
            }
            ObjectNode out = JSON.createObjectNode().put("packId", id).put("placed", 0);
            out.set("uploads", uploads);
            out.set("retry", JSON.createArrayNode());
            return out;
        }
        if (declared.path("chunks").size() == 1 && declared.path("chunks").get(0).path("plainLength").asInt() > (1 << 20)) {
            largeCompressedChunks.incrementAndGet();
        }
        plain.forEach((chunk, bytes) -> {
            objects.put(chunk, bytes); // served whole and plain: the client's decoding is tested over the local cloud
            packedChunks.add(chunk);
        });
        packsSealed.incrementAndGet();
        sealedPacks.add(id);
        ObjectNode out = JSON.createObjectNode().put("packId", id).put("placed", declared.path("chunks").size());
        out.set("uploads", JSON.createArrayNode());
        out.set("retry", JSON.createArrayNode());
        return out;
    }

    private List<Version> versions(String path) {
        String stored = hostileNames.get(path);
        return files.get(FilePath.parse(stored != null ? stored : path).foldKey());
    }

    private Map<String, Object> view(Version v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", v.path());
        m.put("versionId", v.id());
        m.put("seq", v.seq());
        if (v.parent() != null) {
            m.put("parent", v.parent());
        }
        m.put("size", v.size());
        if (v.hash() != null) {
            m.put("contentHash", v.hash());
        }
        m.put("clientMtime", Instant.ofEpochMilli(v.mtime()).toString());
        m.put("createdAt", Instant.ofEpochMilli(v.createdAt()).toString());
        m.put("deleted", v.deleted());
        m.put("chunkCount", v.manifest().chunkCount());
        m.put("executable", v.executable());
        m.put("link", v.link());
        m.put("folder", v.folder());
        if (originalNames.containsKey(v.id())) {
            m.put("originalName", originalNames.get(v.id()));
        }
        return m;
    }

    private Map<String, Object> entry(Version v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", v.path());
        m.put("version", v.id());
        m.put("size", v.size());
        if (v.hash() != null) {
            m.put("contentHash", v.hash());
        }
        m.put("deleted", v.deleted());
        m.put("clientMtime", Instant.ofEpochMilli(v.mtime()).toString());
        m.put("updatedAt", Instant.ofEpochMilli(v.createdAt()).toString());
        m.put("executable", v.executable());
        m.put("link", v.link());
        m.put("folder", v.folder());
        if (originalNames.containsKey(v.id())) {
            m.put("originalName", originalNames.get(v.id()));
        }
        return m;
    }

    private Status stale(String path) {
        List<Version> vs = versions(path);
        Map<String, Object> e = error("STALE_PARENT", "The file changed since your parent version.");
        Map<String, Object> details = new HashMap<>();
        details.put("head", vs == null ? null : view(vs.get(vs.size() - 1)));
        e.put("details", details);
        return new Status(409, e);
    }

    private Object commitVersion(String path, String parent, Manifest m, long size, String hash, long mtime,
                                 String key, boolean deleted, boolean executable) {
        return commitVersion(path, parent, m, size, hash, mtime, key, deleted, executable, false);
    }

    private Object commitVersion(String path, String parent, Manifest m, long size, String hash, long mtime,
                                 String key, boolean deleted, boolean executable, boolean link) {
        return commitVersion(path, parent, m, size, hash, mtime, key, deleted, executable, link, false);
    }

    private Object commitVersion(String path, String parent, Manifest m, long size, String hash, long mtime,
                                 String key, boolean deleted, boolean executable, boolean link, boolean folder) {
        return commitVersion(path, parent, m, size, hash, mtime, key, deleted, executable, link, folder, null);
    }

    /** Original names (issue 21) by version id: given with new content, else kept from the head, as the service does. */
    private final Map<String, String> originalNames = new java.util.concurrent.ConcurrentHashMap<>();

    private Object commitVersion(String path, String parent, Manifest m, long size, String hash, long mtime,
                                 String key, boolean deleted, boolean executable, boolean link, boolean folder,
                                 String originalName) {
        Version replay = byKey.get(key);
        if (replay != null) {
            return Map.of("outcome", "replayed", "version", view(replay));
        }
        List<Version> vs = versions(path);
        Version head = vs == null ? null : vs.get(vs.size() - 1);
        String headId = head == null || (head.deleted() && parent == null) ? null : head.id();
        if (!java.util.Objects.equals(headId, parent)) {
            return stale(path);
        }
        String own = path.substring(path.lastIndexOf('/') + 1);
        String name = deleted || folder ? null : originalName != null ? (originalName.equals(own) ? null : originalName)
                : head != null && !head.deleted() ? originalNames.get(head.id()) : null;
        if (head != null && !head.deleted() && !deleted && head.manifest().equals(m) && head.executable() == executable
                && head.link() == link && head.folder() == folder
                && java.util.Objects.equals(name, originalNames.get(head.id()))) {
            return new Status(200, Map.of("outcome", "unchanged", "version", view(head)));
        }
        long n = ++seq;
        Version v = new Version(path, String.format("%010d-%016x", n, key.hashCode() & 0xffffffffL), n, parent, m, size,
                hash, mtime, System.currentTimeMillis(), deleted, executable, link, folder);
        if (name != null) {
            originalNames.put(v.id(), name);
        }
        files.computeIfAbsent(FilePath.parse(path).foldKey(), k -> new ArrayList<>()).add(v);
        byKey.put(key, v);
        changeLog.add(FilePath.parse(path).foldKey());
        writers.put(v.id(), writer == null ? "" : writer);
        return Map.of("outcome", "created", "version", view(v));
    }

    private Object commit(JsonNode b) throws IOException {
        Status refused = refuseExecutable(b, "$.");
        if (refused != null) {
            return refused;
        }
        String path = FilePath.parse(b.path("path").asText()).toString();
        String parent = b.hasNonNull("parentVersion") ? b.get("parentVersion").asText() : null;
        Manifest m;
        if (b.has("manifest")) {
            m = JSON.treeToValue(b.get("manifest"), Manifest.class);
        } else {
            List<Version> vs = versions(path);
            Version pv = vs == null ? null : vs.stream().filter(v -> v.id().equals(parent)).findFirst().orElse(null);
            if (pv == null) {
                return stale(path);
            }
            m = JSON.treeToValue(b.get("manifestDelta"), ManifestDelta.class).apply(pv.manifest());
        }
        List<String> missing = new ArrayList<>();
        for (ChunkId c : m.distinctIds()) {
            if (!objects.containsKey(c.hex())) {
                missing.add(c.hex());
            }
        }
        if (!missing.isEmpty() && !byKey.containsKey(b.path("idempotencyKey").asText())) {
            if (missingListedPerCommit > 0 && missing.size() > missingListedPerCommit) {
                missing = new ArrayList<>(missing.subList(0, missingListedPerCommit));
            }
            Map<String, Object> e = error("MISSING_CHUNKS", missing.size() + " chunk(s) are not stored.");
            e.put("details", Map.of("missing", missing, "missingCount", missing.size()));
            return new Status(422, e);
        }
        if (m.totalSize() != b.path("size").asLong()) {
            return new Status(400, error("SIZE_MISMATCH", "size does not equal the sum of the chunk sizes."));
        }
        if (busy.contains(path) && !byKey.containsKey(b.path("idempotencyKey").asText())) {
            Map<String, Object> e = error("TOO_MANY_VERSIONS", "This file got 600 new versions this hour already.");
            e.put("details", Map.of("limit", 600, "retryAfterSeconds", 1500));
            return new Status(429, e);
        }
        Long q = quota;
        if (q != null && !byKey.containsKey(b.path("idempotencyKey").asText())) {
            Version head = head(path);
            long growth = m.totalSize() - (head == null || head.deleted() ? 0 : head.size());
            long used = logicalBytes();
            if (growth > 0 && used + growth > q) {
                Map<String, Object> e = error("QUOTA_EXCEEDED", "This change would take your files past your storage"
                        + " quota; nothing was changed.");
                e.put("details", Map.of("quota", q, "used", used, "needed", growth));
                return new Status(403, e);
            }
        }
        return commitVersion(path, parent, m, m.totalSize(), b.path("contentHash").asText(), b.path("clientMtime").asLong(),
                b.path("idempotencyKey").asText(), false, executableOf(b), linkOf(b, m), folderOf(b, m),
                b.hasNonNull("originalName") ? b.get("originalName").asText() : null);
    }

    /** The commit's folder flag, checked as the service checks it. */
    private static boolean folderOf(JsonNode b, Manifest m) {
        JsonNode x = b.get("folder");
        if (x != null && !x.isNull() && !x.isBoolean()) {
            throw new IllegalArgumentException("folder is not a boolean");
        }
        boolean folder = x != null && x.asBoolean();
        if (folder && (executableOf(b) || linkOf(b, m) || m.chunkCount() > 0)) {
            throw new IllegalArgumentException("a folder has no content and is neither executable nor a link");
        }
        return folder;
    }

    /** The commit's link flag, checked as the service checks it. */
    private static boolean linkOf(JsonNode b, Manifest m) {
        JsonNode x = b.get("link");
        if (x != null && !x.isNull() && !x.isBoolean()) {
            throw new IllegalArgumentException("link is not a boolean");
        }
        boolean link = x != null && x.asBoolean();
        if (link && (executableOf(b) || m.totalSize() > 4096)) {
            throw new IllegalArgumentException("a link is not executable and at most 4096 bytes");
        }
        return link;
    }

    /** The commit's executable bit: absent is false, anything but a boolean is refused as the service refuses it. */
    private static boolean executableOf(JsonNode b) {
        JsonNode x = b.get("executable");
        if (x != null && !x.isNull() && !x.isBoolean()) {
            throw new IllegalArgumentException("executable is not a boolean");
        }
        return x != null && x.asBoolean();
    }

    private Object delete(JsonNode b) {
        String path = FilePath.parse(b.path("path").asText()).toString();
        List<Version> vs = versions(path);
        if (vs == null) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        String parent = b.hasNonNull("parentVersion") ? b.get("parentVersion").asText() : vs.get(vs.size() - 1).id();
        return commitVersion(vs.get(vs.size() - 1).path(), parent, Manifest.empty(PROFILE), 0, null, 0,
                b.path("idempotencyKey").asText(), true, false);
    }

    private Object restore(JsonNode b) {
        String path = FilePath.parse(b.path("path").asText()).toString();
        List<Version> vs = versions(path);
        if (vs == null) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        Version old = vs.stream().filter(v -> v.id().equals(b.path("version").asText())).findFirst().orElse(null);
        if (old == null) {
            return new Status(404, error("NOT_FOUND", "No such version of this file."));
        }
        return commitVersion(old.path(), vs.get(vs.size() - 1).id(), old.manifest(), old.size(), old.hash(), old.mtime(),
                b.path("idempotencyKey").asText(), false, old.executable(), old.link(), old.folder());
    }

    private Object list(Map<String, String> q) {
        boolean deleted = "true".equals(q.get("includeDeleted"));
        String folder = q.getOrDefault("folder", "");
        String prefix = folder.isEmpty() ? "" : FilePath.parse(folder).foldKey() + "/";
        List<Object> out = new ArrayList<>();
        for (Map.Entry<String, List<Version>> e : files.entrySet()) {
            Version h = e.getValue().get(e.getValue().size() - 1);
            if (e.getKey().startsWith(prefix) && (deleted || !h.deleted())) {
                out.add(entry(h));
            }
        }
        for (Map.Entry<String, String> hostile : hostileNames.entrySet()) {
            Map<String, Object> e = entry(head(hostile.getValue()));
            e.put("path", hostile.getKey()); // listed whatever folder was asked for
            out.add(e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", out);
        m.put("folders", List.of());
        m.put("changeCursor", "c." + changeLog.size());
        return m;
    }

    private Object file(Map<String, String> q) {
        List<Version> vs = versions(q.get("path"));
        if (vs == null || (vs.get(vs.size() - 1).deleted() && !"true".equals(q.get("includeDeleted")))) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        return entry(vs.get(vs.size() - 1));
    }

    private Object changes(Map<String, String> q) {
        int from = Integer.parseInt(q.get("cursor").substring(2));
        java.util.Set<String> except = q.get("exceptWriter") == null ? java.util.Set.of()
                : java.util.Set.of(q.get("exceptWriter").split(","));
        Map<String, Object> seen = new LinkedHashMap<>();
        for (int i = from; i < changeLog.size(); i++) {
            List<Version> vs = files.get(changeLog.get(i));
            if (vs == null) {
                continue; // purged
            }
            Version head = vs.get(vs.size() - 1);
            if (except.contains(writers.get(head.id()))) {
                seen.remove(changeLog.get(i)); // the head is the reader's own: left out, as the service does
                continue;
            }
            seen.put(changeLog.get(i), entry(head));
        }
        feedEntries.addAndGet(seen.size());
        return Map.of("changes", new ArrayList<>(seen.values()), "cursor", "c." + changeLog.size(), "more", false);
    }

    private Object history(Map<String, String> q) {
        List<Version> vs = versions(q.get("path"));
        if (vs == null) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        List<Object> out = new ArrayList<>();
        for (int i = vs.size() - 1; i >= 0; i--) {
            out.add(view(vs.get(i)));
        }
        return Map.of("path", vs.get(0).path(), "versions", out);
    }

    private Version version(String path, JsonNode id) {
        List<Version> vs = versions(path);
        if (vs == null) {
            return null;
        }
        if (id == null || id.isNull()) {
            return vs.get(vs.size() - 1);
        }
        return vs.stream().filter(v -> v.id().equals(id.asText())).findFirst().orElse(null);
    }

    private Object downloads(JsonNode b) {
        Version v = version(b.path("path").asText(), b.get("version"));
        if (v == null || v.deleted()) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        List<String> want = new ArrayList<>();
        if (b.has("chunks")) {
            b.get("chunks").forEach(c -> want.add(c.asText()));
        } else {
            v.manifest().distinctIds().forEach(c -> want.add(c.hex()));
        }
        List<Object> urls = new ArrayList<>();
        for (String c : want) {
            urls.add(Map.of("id", c, "url", endpoint() + "/objects/" + c, "headers", Map.of(),
                    "expiresAt", Instant.now().plusSeconds(900).toString()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", view(v));
        m.put("profile", v.manifest().profile());
        m.put("manifest", v.manifest());
        m.put("manifestHash", v.manifest().hash().hex());
        m.put("chunks", urls);
        m.put("allChunks", true);
        return m;
    }

    /** Like the service: each file's plan, or its error, with its status. */
    private Object downloadBatch(JsonNode b) {
        List<Object> results = new ArrayList<>();
        for (JsonNode f : b.path("files")) {
            Object one = downloads(f);
            Map<String, Object> r = new LinkedHashMap<>();
            if (one instanceof Status st) {
                r.put("status", st.status());
                r.putAll(JSON.convertValue(st.body(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
            } else {
                r.put("status", 200);
                r.putAll(JSON.convertValue(one, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
            }
            results.add(r);
        }
        return Map.of("results", results);
    }

    private Object signatures(JsonNode b) {
        signatureCalls.incrementAndGet();
        Version v = version(b.path("path").asText(), b.get("version"));
        if (v == null || v.deleted()) {
            return new Status(404, error("NOT_FOUND", "No such file."));
        }
        List<Object> sigs = new ArrayList<>();
        for (JsonNode c : b.path("chunks")) {
            byte[] bytes = objects.get(c.asText());
            sigs.add(Map.of("id", c.asText(), "size", bytes.length,
                    "signature", Base64.getEncoder().encodeToString(BlockSignature.compute(bytes).encode())));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", view(v));
        m.put("manifest", v.manifest());
        m.put("signatures", sigs);
        return m;
    }

    /** One result per delta, each the status and body the single route would have answered. */
    private Object deltaUploadBatch(List<byte[]> deltas) {
        deltaBatches.incrementAndGet();
        deltasInBatches.addAndGet(deltas.size());
        List<Map<String, Object>> results = new ArrayList<>();
        for (byte[] d : deltas) {
            var h = dev.chunkvault.core.delta.Delta.Header.read(d).orElse(null);
            Object one = h == null ? new Status(400, error("MALFORMED_DELTA", "not a delta"))
                    : deltaUpload(JSON.createObjectNode().put("baseChunk", h.baseId().hex())
                            .put("targetChunk", h.targetId().hex()).put("delta", Base64.getEncoder().encodeToString(d)));
            Map<String, Object> r = new LinkedHashMap<>();
            if (one instanceof Status st) {
                r.put("status", st.status());
                r.putAll(JSON.convertValue(st.body(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
            } else {
                r.put("status", 201);
                r.putAll(JSON.convertValue(one, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
            }
            results.add(r);
        }
        return Map.of("results", results);
    }

    private Object deltaUpload(JsonNode b) {
        String base = b.path("baseChunk").asText();
        String target = b.path("targetChunk").asText();
        if (!held().contains(base)) {
            return new Status(404, error("NOT_FOUND", "No such chunk among your files."));
        }
        if (refuseDeltaTargets.contains(target)) {
            return new Status(422, error("DELTA_TARGET_MISMATCH", "The rebuilt chunk does not have the expected SHA-256."));
        }
        byte[] rebuilt = DeltaApplier.apply(objects.get(base), Base64.getDecoder().decode(b.path("delta").asText()), 8 << 20);
        if (!ChunkId.sha256(rebuilt).hex().equals(target)) {
            return new Status(422, error("DELTA_TARGET_MISMATCH", "wrong result"));
        }
        objects.put(target, rebuilt);
        deltaUploads.incrementAndGet();
        return Map.of("id", target, "size", rebuilt.length, "stored", true);
    }

    private Object conflictCheck(JsonNode b) throws IOException {
        if (conflictCheckMissing) {
            return new Status(404, NO_ROUTE);
        }
        String path = b.path("path").asText();
        List<Version> vs = versions(path);
        Version head = vs == null ? null : vs.get(vs.size() - 1);
        Version base = b.hasNonNull("baseVersion") ? version(path, b.get("baseVersion")) : null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("baseStatus", base == null ? "NONE" : "RETAINED");
        m.put("collisions", List.of());
        if (head == null) {
            m.put("outcome", "FAST_FORWARD");
            m.put("direction", "PUSH");
            m.put("action", "PUSH");
            return m;
        }
        m.put("head", view(head));
        if (b.has("localManifestDelta") && base == null) {
            return new Status(422, error("BASE_NOT_RETAINED", "The base version is not retained; send localManifest."));
        }
        Manifest local = b.has("localManifest") ? JSON.treeToValue(b.get("localManifest"), Manifest.class)
                : b.has("localManifestDelta") && base != null
                ? JSON.treeToValue(b.get("localManifestDelta"), ManifestDelta.class).apply(base.manifest()) : null;
        if (local != null && local.equals(head.manifest())) {
            m.put("outcome", "IDENTICAL_CONTENT");
            m.put("action", "NONE");
            return m;
        }
        if (head.deleted()) {
            m.put("outcome", "MODIFY_DELETE");
            m.put("action", "PUSH");
            return m;
        }
        m.put("outcome", "MODIFY_MODIFY");
        m.put("mergeable", false);
        if (base != null && local != null) {
            Manifest merged = mergeSameLength(base.manifest(), local, head.manifest());
            if (merged != null) {
                m.put("mergeable", true);
                m.put("action", "COMMIT_MERGED");
                m.put("mergedFromLocal", ManifestDelta.compute(local, merged)); // like the service: a delta, not whole
                m.put("mergedManifestDelta", ManifestDelta.compute(head.manifest(), merged));
                return m;
            }
        }
        m.put("action", "KEEP_BOTH");
        String name = FilePath.parse(path).name();
        int dot = name.lastIndexOf('.');
        String copy = (dot > 0 ? name.substring(0, dot) : name) + " (conflicted copy " + b.path("device").asText("x")
                + " " + b.path("localTime").asText("2026-01-01T00:00:00").replace('T', ' ').replace(":", "") + ")"
                + (dot > 0 ? name.substring(dot) : "");
        m.put("conflictedCopyPath", FilePath.parse(path).withName(copy).toString());
        m.put("conflictedCopyName", copy);
        return m;
    }

    /** A minimal three-way merge: same chunk count on all sides, edits at disjoint positions. */
    private static Manifest mergeSameLength(Manifest base, Manifest local, Manifest head) {
        int n = base.chunkCount();
        if (local.chunkCount() != n || head.chunkCount() != n) {
            return null;
        }
        List<dev.chunkvault.core.manifest.ManifestEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean l = !local.entry(i).equals(base.entry(i));
            boolean h = !head.entry(i).equals(base.entry(i));
            if (l && h) {
                return null;
            }
            out.add(l ? local.entry(i) : head.entry(i));
        }
        return Manifest.of(base.profile(), out);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
