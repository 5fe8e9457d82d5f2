package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaBatch;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.delta.DeltaOp;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.manifest.Manifest;
import dev.chunkvault.core.manifest.ManifestEntry;
import dev.chunkvault.local.auth.LocalIssuer;
import dev.chunkvault.local.http.LocalHttpApi;
import dev.chunkvault.service.vault.DeltaService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every route of the template × bad input, over real HTTP to the local cloud (issue "Storage API", test 7). Each case
 * must answer its 4xx with the API's JSON error shape {@code {"error", "message", "requestId"}} (the gateway's own
 * 401/403/413 with API Gateway's {@code {"message"}}), carry no stack trace or exception text, and change NOTHING:
 * after every case the raw tables in DynamoDB Local and the objects in s3proxy are compared with a snapshot taken
 * before the first, and at the end both tenants' observable state (listings, files, histories) is compared too.
 *
 * <p>The table is keyed by route. Each route also has one VALID request; the auth cases send it with a missing,
 * expired, forged or under-scoped token (so an authorizer that failed open would change state), the bad-input cases
 * break exactly one thing in it, and the last test sends each valid request as it is and expects it to be served —
 * so a case that fails only because its base request was broken is caught too.
 */
@ExtendWith(LocalCloudExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiInputsIT {
    static final String UPLOADS = "POST /v1/uploads";
    static final String COMMITS = "POST /v1/commits";
    static final String BATCH = "POST /v1/commit-batch";
    static final String DELETE = "POST /v1/delete";
    static final String RESTORE = "POST /v1/restore";
    static final String FILES = "GET /v1/files";
    static final String FILE = "GET /v1/file";
    static final String CHANGES = "GET /v1/changes";
    static final String HISTORY = "GET /v1/history";
    static final String DOWNLOADS = "POST /v1/downloads";
    static final String DOWNLOAD_BATCH = "POST /v1/download-batch";
    static final String SIGNATURES = "POST /v1/signatures";
    static final String DELTAS = "POST /v1/delta-uploads";
    static final String DELTA_BATCH = "POST /v1/delta-upload-batch";
    static final String CONFLICTS = "POST /v1/conflict-check";
    static final String GC = "POST /v1/admin/gc";
    static final String AUDIT = "POST /v1/admin/audit";
    static final String USAGE = "GET /v1/usage";
    static final String NOTIFICATIONS = "GET /v1/notifications";
    static final String QUOTA = "PUT /v1/admin/quota";
    static final String PACKS = "POST /v1/packs";
    static final String SEAL = "POST /v1/packs/seal";
    static final String REWIND = "POST /v1/rewind";
    /** Routes that read no input at all: only the auth and gateway cases apply to them. */
    static final Set<String> NO_INPUT = Set.of(GC, USAGE, NOTIFICATIONS);

    /** Bodies go out with every non-ASCII character escaped, so lone surrogates and controls reach the API as written. */
    static final ObjectMapper OUT = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    /** What must never appear in an answer: exception class names, stack frames, library packages. */
    static final List<String> LEAKS = List.of("Exception", "exception", "\tat ", "at dev.", "at java.", ".java:",
            "java.lang", "com.fasterxml", "software.amazon", "jackson", "Caused by", "dev.chunkvault");
    static final Pattern CODE = Pattern.compile("[A-Z][A-Z_]+");
    static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    static final String RANDOM_VERSION = "0000000001-0123456789abcdef";

    private final LocalCloud cloud;
    private final URI api;
    private Tenant alice;
    private Tenant bob;
    private RawState raw;
    private RawState.Snapshot baseline;
    private JsonNode observedBefore;

    // The fixture: alice's files and versions, bob's file.
    private Tenant.Content a1;
    private Tenant.Content a2;
    private String aV1;
    private String aV2;
    private String delHead;
    private String resV1;
    private String resV2;
    private String goneTomb;
    private String bobV1;
    /** Alice's pack, declared and uploaded, not sealed (the valid seal seals it); one declared only; one of Bob's. */
    private String packToSeal;
    private String packNotUploaded;
    private String bobsPack;
    private Tenant.Content bobContent;
    private String changeCursor;
    private String bobChangeCursor;
    private long fixtureDone;
    private final Map<String, Req> valid = new LinkedHashMap<>();
    private final List<Case> cases = new ArrayList<>();
    /** Cases that changed the stored state (the baseline moved on after each). */
    private final List<String> failures = new ArrayList<>();

    ApiInputsIT(LocalCloud cloud) {
        this.cloud = cloud;
        this.api = cloud.apiEndpoint();
    }

    // ------------------------------------------------------------------------------------------ the table's types

    /** One HTTP request to the API: method, path with query, body (null for none). */
    record Req(String method, String target, byte[] body, String contentType) {
        Req(String method, String target, byte[] body) {
            this(method, target, body, "application/json");
        }

        Http.Response send(URI api, String token) {
            return Http.send(method, api.resolve(target), token, body == null ? null : contentType, body, Map.of());
        }
    }

    /** What a case must answer: a status and the service's error code, or the gateway's message. */
    record Expect(int status, String code, String gatewayMessage) {
        static Expect service(int status, String code) {
            return new Expect(status, code, null);
        }

        static Expect gateway(int status, String message) {
            return new Expect(status, null, message);
        }
    }

    /**
     * One row: {@code route} sent {@code req} with {@code token} answers {@code expect}. With a {@code twin}, the twin
     * request must answer the very same body (minus the request id; with {@code sameButIds}, also minus chunk ids):
     * another tenant's thing against a missing one.
     */
    record Case(String route, String kind, String name, Req req, String token, Expect expect, Req twin, boolean sameButIds) {
        String display() {
            return route + " | " + kind + " | " + name;
        }
    }

    // ------------------------------------------------------------------------------------------ fixture

    @BeforeAll
    void fixture() {
        alice = new Tenant(cloud, "inputs-alice");
        bob = new Tenant(cloud, "inputs-bob");
        raw = new RawState(cloud);
        // Feed positions from before the fixture's first write (a listing's change cursor is 10 s in the past).
        changeCursor = Tenant.expect(200, alice.get("/v1/files")).path("changeCursor").asText();
        bobChangeCursor = Tenant.expect(200, bob.get("/v1/files")).path("changeCursor").asText();

        a1 = Tenant.Content.of(Tenant.random(701, 70_000));
        a2 = Tenant.Content.of(Tenant.random(702, 70_000));
        alice.upload(a1);
        aV1 = Tenant.expect(201, alice.post("/v1/commits", Tenant.commitBody("docs/a.bin", null, a1, "inputs-a-v1")))
                .path("version").path("versionId").asText();
        alice.upload(a2);
        aV2 = Tenant.expect(201, alice.post("/v1/commits", Tenant.commitBody("docs/a.bin", aV1, a2, "inputs-a-v2")))
                .path("version").path("versionId").asText();
        delHead = alice.putId("docs/del.bin", null, Tenant.Content.of(Tenant.random(703, 3000)));
        resV1 = alice.putId("docs/res.bin", null, Tenant.Content.of(Tenant.random(704, 3000)));
        resV2 = alice.putId("docs/res.bin", resV1, Tenant.Content.of(Tenant.random(705, 3000)));
        String goneV1 = alice.putId("docs/gone.bin", null, Tenant.Content.of(Tenant.random(706, 3000)));
        goneTomb = alice.delete("docs/gone.bin", goneV1).path("versionId").asText();
        bobContent = Tenant.Content.of(Tenant.random(707, 5000));
        bobV1 = bob.putId("secret/b.bin", null, bobContent);
        packToSeal = declarePack(alice, 710, true);
        packNotUploaded = declarePack(alice, 711, false);
        bobsPack = declarePack(bob, 712, true);
        fixtureDone = System.nanoTime();

        buildValidRequests();
        buildCases();
        observedBefore = observed();
        baseline = raw.snapshot();
        System.out.printf("ApiInputsIT: %d cases over %d routes; baseline of %d items and objects%n", cases.size(),
                valid.size(), baseline.size());
    }

    @AfterAll
    void close() {
        raw.close();
    }

    private String chunkA2() {
        return a2.id(0).hex();
    }

    private void buildValidRequests() {
        valid.put(UPLOADS, post(UPLOADS, obj(n -> n.putArray("chunks").addObject()
                .put("id", ChunkId.sha256("inputs-valid-upload".getBytes(StandardCharsets.UTF_8)).hex()).put("size", 1000))));
        valid.put(COMMITS, post(COMMITS, Tenant.commitBody("docs/a.bin", aV2, a1, "inputs-commit-valid")));
        valid.put(BATCH, post(BATCH, obj(n -> n.putArray("commits")
                .add(Tenant.commitBody("docs/batch-1.bin", null, a1, "inputs-batch-valid-1"))
                .add(Tenant.commitBody("docs/batch-2.bin", null, a2, "inputs-batch-valid-2")))));
        valid.put(DELETE, post(DELETE, obj(n -> n.put("path", "docs/del.bin").put("parentVersion", delHead)
                .put("idempotencyKey", "inputs-delete-valid"))));
        valid.put(RESTORE, post(RESTORE, obj(n -> n.put("path", "docs/res.bin").put("version", resV1)
                .put("parentVersion", resV2).put("idempotencyKey", "inputs-restore-valid"))));
        valid.put(FILES, get(FILES, "folder=docs&recursive=true&includeDeleted=true&limit=10"));
        valid.put(FILE, get(FILE, "path=docs/a.bin&includeDeleted=false"));
        valid.put(CHANGES, get(CHANGES, "cursor=" + Tenant.encode(changeCursor) + "&limit=10"));
        valid.put(HISTORY, get(HISTORY, "path=docs/a.bin&limit=10"));
        valid.put(DOWNLOADS, post(DOWNLOADS, obj(n -> n.put("path", "docs/a.bin").put("version", aV2)
                .putArray("chunks").add(chunkA2()))));
        valid.put(DOWNLOAD_BATCH, post(DOWNLOAD_BATCH, obj(n -> {
            ArrayNode files = n.putArray("files");
            files.addObject().put("path", "docs/a.bin").put("version", aV2);
            files.addObject().put("path", "docs/gone.bin");
        })));
        valid.put(SIGNATURES, post(SIGNATURES, obj(n -> n.put("path", "docs/a.bin").put("version", aV2)
                .put("against", aV1).putArray("chunks").add(chunkA2()))));
        valid.put(DELTAS, post(DELTAS, deltaBody(chunkA2(), a2.chunk(0))));
        valid.put(DELTA_BATCH, binary(DELTA_BATCH, DeltaBatch.encode(List.of(Base64.getDecoder().decode(
                deltaOf(valid.get(DELTAS)))))));
        valid.put(CONFLICTS, post(CONFLICTS, conflictBody()));
        valid.put(GC, new Req("POST", "/v1/admin/gc", null));
        valid.put(AUDIT, new Req("POST", "/v1/admin/audit?fix=false&checkObjects=false", null));
        valid.put(USAGE, get(USAGE, ""));
        valid.put(NOTIFICATIONS, get(NOTIFICATIONS, ""));
        valid.put(QUOTA, post(QUOTA, obj(n -> n.put("owner", "inputs-quota-target").put("quotaBytes", 10L << 30))));
        valid.put(PACKS, post(PACKS, packBody(pack(713))));
        valid.put(SEAL, post(SEAL, obj(n -> n.put("packId", packToSeal))));
        // Last: served after the other valid requests, it puts docs back as it was when the table was built.
        String builtAt = java.time.Instant.now().toString();
        valid.put(REWIND, post(REWIND, obj(n -> n.put("folder", "docs").put("to", builtAt)
                .put("idempotencyKey", "inputs-rewind-valid").put("limit", 100))));
    }

    /** A pack of two random chunks. */
    private static byte[] pack(int seed) {
        dev.chunkvault.core.pack.PackFormat.Builder b = new dev.chunkvault.core.pack.PackFormat.Builder();
        byte[] c1 = Tenant.random(seed, 1500);
        byte[] c2 = Tenant.random(seed + 1000, 2500);
        b.add(ChunkId.sha256(c1), c1);
        b.add(ChunkId.sha256(c2), c2);
        return b.finish();
    }

    /** The declaration of {@code pack}: its checksum, size and the entries its own index lists. */
    private static ObjectNode packBody(byte[] pack) {
        var entries = dev.chunkvault.core.pack.PackFormat.decodeIndex(dev.chunkvault.core.pack.PackFormat.trailingIndex(pack),
                pack.length);
        return obj(n -> {
            n.put("sha256", ChunkId.sha256(pack).hex()).put("size", pack.length);
            ArrayNode chunks = n.putArray("chunks");
            entries.forEach(e -> chunks.addObject().put("id", e.id().hex()).put("offset", e.offset()).put("length", e.length()));
        });
    }

    /** Declares a pack for {@code t} (and uploads it when {@code upload}); its id. */
    private static String declarePack(Tenant t, int seed, boolean upload) {
        byte[] pack = pack(seed);
        JsonNode d = Tenant.expect(200, t.post("/v1/packs", packBody(pack)));
        if (upload) {
            JsonNode u = d.path("upload");
            Http.Response put = Http.send("PUT", URI.create(u.path("url").asText()), null, null, pack, Tenant.headers(u));
            assertEquals(200, put.status(), () -> "pack PUT: " + put.text());
        }
        return d.path("packId").asText();
    }

    private ObjectNode conflictBody() {
        return obj(n -> {
            n.put("path", "docs/a.bin").put("localName", "a.bin").put("baseVersion", aV2);
            n.set("localManifest", Tenant.json(a1.manifest()));
            n.put("device", "laptop").put("localTime", "2026-01-02T03:04:05");
        });
    }

    /** A delta-upload body: {@code base} edited in its middle. */
    private static ObjectNode deltaBody(String baseId, byte[] baseBytes) {
        byte[] target = Tenant.edit(baseBytes, baseBytes.length / 2, 16, 99);
        Delta d = DeltaEncoder.encode(BlockSignature.compute(baseBytes), target);
        return obj(n -> n.put("baseChunk", baseId).put("targetChunk", d.targetId().hex())
                .put("delta", Base64.getEncoder().encodeToString(d.encode())));
    }

    /** A delta that claims {@code base} (of {@code baseLength} bytes) as its base and rebuilds fixed literal bytes. */
    private static ObjectNode deltaClaiming(ChunkId base, int baseLength) {
        byte[] target = "rebuilt from a base the caller does not hold".getBytes(StandardCharsets.UTF_8);
        Delta d = new Delta(baseLength, base, target.length, ChunkId.sha256(target),
                List.of(DeltaOp.Literal.copyOf(target, 0, target.length)));
        return obj(n -> n.put("baseChunk", base.hex()).put("targetChunk", d.targetId().hex())
                .put("delta", Base64.getEncoder().encodeToString(d.encode())));
    }

    // ------------------------------------------------------------------------------------------ request builders

    static ObjectNode obj(Consumer<ObjectNode> fill) {
        ObjectNode n = Tenant.MAPPER.createObjectNode();
        fill.accept(n);
        return n;
    }

    static String pathOf(String route) {
        return route.substring(route.indexOf(' ') + 1);
    }

    static String methodOf(String route) {
        return route.substring(0, route.indexOf(' '));
    }

    /** A request with a JSON body to {@code route} (POST, or the route's own method). */
    static Req post(String route, JsonNode body) {
        try {
            return new Req(methodOf(route), pathOf(route), OUT.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request with a binary body ({@code application/octet-stream}) to {@code route}. */
    static Req binary(String route, byte[] body) {
        return new Req(methodOf(route), pathOf(route), body, "application/octet-stream");
    }

    static Req postText(String route, String body) {
        return new Req(methodOf(route), pathOf(route), body.getBytes(StandardCharsets.UTF_8));
    }

    static Req get(String route, String query) {
        return new Req("GET", pathOf(route) + (query.isEmpty() ? "" : "?" + query), null);
    }

    /** The valid body of {@code route} with {@code change} applied to a copy. */
    private Req mutate(String route, Consumer<ObjectNode> change) {
        ObjectNode copy;
        try {
            copy = (ObjectNode) Tenant.MAPPER.readTree(valid.get(route).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        change.accept(copy);
        return post(route, copy);
    }

    private void bad(String route, String name, Req req, int status, String code) {
        cases.add(new Case(route, "input", name, req, alice.token, Expect.service(status, code), null, false));
    }

    private void like(String route, String name, Req req, Req twin, int status, String code) {
        cases.add(new Case(route, "tenant", name, req, alice.token, Expect.service(status, code), twin, false));
    }

    private void likeButIds(String route, String name, Req req, Req twin, int status, String code) {
        cases.add(new Case(route, "tenant", name, req, alice.token, Expect.service(status, code), twin, true));
    }

    // ------------------------------------------------------------------------------------------ bad values

    static Map<String, String> badPaths() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("empty", "");
        m.put("only a slash", "/");
        m.put("'.'", ".");
        m.put("'..'", "..");
        m.put("a '.' segment", "docs/./a.bin");
        m.put("a '..' segment", "docs/../a.bin");
        m.put("escaping the root", "../../etc/passwd");
        m.put("an empty segment", "docs//a.bin");
        m.put("two leading slashes", "//docs/a.bin");
        m.put("a trailing slash", "docs/");
        m.put("NUL", "docs/a\u0000.bin");
        m.put("a C0 control", "docs/a\u0007.bin");
        m.put("a newline", "docs/a\n.bin");
        m.put("DEL", "docs/a\u007f.bin");
        m.put("a C1 control", "docs/a\u0085.bin");
        m.put("a line separator", "docs/a\u2028.bin");
        m.put("a backslash", "docs\\a.bin");
        m.put("a bidi override", "docs/invoice\u202Efdp.exe");
        m.put("a name starting with U+10FFFF (a noncharacter)", "docs/\uDBFF\uDFFFa.bin");
        m.put("only invisible characters", "docs/\u200B\u200D");
        m.put("a 256-byte segment", "docs/" + "x".repeat(256));
        m.put("a 256-byte segment of 128 characters", "docs/" + "\u00e9".repeat(128));
        m.put("65 segments", "a/".repeat(64) + "a");
        m.put("4,097+ bytes", ("y".repeat(250) + "/").repeat(17) + "z");
        m.put("a key over 1,021 bytes", ("s".repeat(200) + "/").repeat(5) + "t".repeat(17));
        m.put("a key made too long by case folding", ("\u0130".repeat(100) + "/").repeat(3) + "\u0130".repeat(100));
        return m;
    }

    /** Bad paths that JSON can carry but a URL query cannot (a lone surrogate has no UTF-8 form). */
    static Map<String, String> badJsonOnlyPaths() {
        return Map.of("a lone surrogate", "docs/a\uD800.bin");
    }

    static Map<String, String> badVersions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("empty", "");
        m.put("no dash", "0000000001x0123456789abcdef");
        m.put("short", "1-0123456789abcdef");
        m.put("sequence 0", "0000000000-0123456789abcdef");
        m.put("upper-case hex", "0000000001-0123456789ABCDEF");
        m.put("one digit too many", "00000000010-0123456789abcdef");
        m.put("letters in the sequence", "00000000a1-0123456789abcdef");
        m.put("a path", "../../etc/passwd");
        m.put("NUL", "0000000001-0123456789abcde\u0000");
        return m;
    }

    static Map<String, String> badChunkIds() {
        String hex = ChunkId.sha256(new byte[] {1}).hex();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("empty", "");
        m.put("upper-case hex", hex.toUpperCase(java.util.Locale.ROOT));
        m.put("63 digits", hex.substring(1));
        m.put("65 digits", hex + "0");
        m.put("not hex", "g".repeat(64));
        m.put("base64 instead of hex", ChunkId.sha256(new byte[] {1}).base64());
        m.put("a path", "../" + hex.substring(3));
        return m;
    }

    /** A listing cursor whose key is {@code key}. */
    static String cursor(String kind, String key) {
        return kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, String> badCursors(String kind) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("garbage", "garbage");
        m.put("empty", "");
        m.put("not base64", kind + ".!!!");
        m.put("another kind of cursor", cursor(kind.equals("h") ? "l" : "h", "docs/a.bin"));
        m.put("longer than 4 KiB", kind + "." + "A".repeat(5000));
        m.put("not UTF-8", kind + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe}));
        return m;
    }

    // ------------------------------------------------------------------------------------------ the table

    private void buildCases() {
        List<String> jsonRoutes = List.of(UPLOADS, COMMITS, BATCH, DELETE, RESTORE, DOWNLOADS, DOWNLOAD_BATCH, SIGNATURES,
                DELTAS, CONFLICTS, QUOTA, PACKS, SEAL, REWIND);
        for (String route : jsonRoutes) {
            jsonCases(route);
        }
        uploadCases();
        packCases();
        commitCases();
        batchCases();
        deleteCases();
        restoreCases();
        rewindCases();
        downloadCases();
        downloadBatchCases();
        signatureCases();
        deltaCases();
        deltaBatchCases();
        conflictCases();
        listCases();
        fileCases();
        changesCases();
        historyCases();
        auditCases();
        quotaCases();
        for (String route : valid.keySet()) {
            authCases(route);
            cases.add(new Case(route, "gateway", "a body over API Gateway's 10 MB", new Req(valid.get(route).method(),
                    valid.get(route).target(), new byte[LocalHttpApi.MAX_BODY_BYTES + 1]), alice.token,
                    Expect.gateway(413, "Request Entity Too Large"), null, false));
        }
    }

    /** What every JSON route must refuse the same way, whatever its fields. */
    private void jsonCases(String route) {
        String path = pathOf(route);
        bad(route, "malformed JSON", postText(route, "{\"path\": "), 400, "MALFORMED_JSON");
        bad(route, "not JSON at all", postText(route, "hello"), 400, "MALFORMED_JSON");
        bad(route, "an empty body", new Req(methodOf(route), path, null), 400, "EMPTY_BODY");
        bad(route, "JSON null", postText(route, "null"), 400, "EMPTY_BODY");
        bad(route, "an array", postText(route, "[]"), 400, "INVALID_FIELD");
        bad(route, "a string", postText(route, "\"x\""), 400, "INVALID_FIELD");
        bad(route, "an unknown field", mutate(route, n -> n.put("bogus", true)), 400, "UNKNOWN_FIELD");
        bad(route, "trailing data", postText(route, new String(valid.get(route).body(), StandardCharsets.UTF_8) + " {}"),
                400, "INVALID_FIELD");
        bad(route, "a duplicate key", postText(route, "{\"bogus\": 1, \"bogus\": 2}"), 400, "MALFORMED_JSON");
        // Over 6 MiB the payload-v2 event exceeds Lambda's 6,291,456-byte synchronous limit before the handler's own
        // check can run: the invocation is refused and the gateway answers 413 in its own shape.
        String overSix = "{\"bogus\": \"" + "a".repeat(6 * 1024 * 1024) + "\"}";
        cases.add(new Case(route, "gateway", "a body over Lambda's 6 MB payload", postText(route, overSix), alice.token,
                Expect.gateway(413, "Request Entity Too Large"), null, false));
    }

    private void uploadCases() {
        String id = ChunkId.sha256(new byte[] {7}).hex();
        bad(UPLOADS, "no chunks field", postText(UPLOADS, "{}"), 400, "MISSING_FIELD");
        bad(UPLOADS, "chunks not a list", mutate(UPLOADS, n -> n.put("chunks", "all")), 400, "INVALID_FIELD");
        bad(UPLOADS, "an empty list", mutate(UPLOADS, n -> n.putArray("chunks")), 400, "NO_CHUNKS");
        bad(UPLOADS, "a null chunk", mutate(UPLOADS, n -> n.putArray("chunks").addNull()), 400, "INVALID_FIELD");
        badChunkIds().forEach((name, bad) -> bad(UPLOADS, "chunk id: " + name,
                mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", bad).put("size", 10)), 400, "INVALID_CHUNK_ID"));
        bad(UPLOADS, "chunk id a number", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", 5).put("size", 10)),
                400, "INVALID_FIELD");
        bad(UPLOADS, "no size", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id)), 400, "MISSING_FIELD");
        bad(UPLOADS, "size 0", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id).put("size", 0)), 400,
                "INVALID_FIELD");
        bad(UPLOADS, "a negative size", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id).put("size", -1)),
                400, "INVALID_FIELD");
        bad(UPLOADS, "a size over the largest chunk", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id)
                .put("size", dev.chunkvault.service.vault.Limits.MAX_CHUNK_SIZE + 1)), 400, "BAD_CHUNK_SIZE");
        bad(UPLOADS, "a size as a string", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id)
                .put("size", "10")), 400, "INVALID_FIELD");
        bad(UPLOADS, "a fractional size", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id)
                .put("size", 1.5)), 400, "INVALID_FIELD");
        bad(UPLOADS, "an unknown chunk field", mutate(UPLOADS, n -> n.putArray("chunks").addObject().put("id", id)
                .put("size", 1).put("owner", "bob")), 400, "UNKNOWN_FIELD");
        bad(UPLOADS, "a chunk listed twice", mutate(UPLOADS, n -> {
            ArrayNode a = n.putArray("chunks");
            a.addObject().put("id", id).put("size", 10);
            a.addObject().put("id", id).put("size", 10);
        }), 400, "DUPLICATE_CHUNK");
        bad(UPLOADS, "1,001 chunks", mutate(UPLOADS, n -> fillChunks(n.putArray("chunks"), 1001)), 413, "TOO_MANY_CHUNKS");
        bad(UPLOADS, "10,001 chunks", mutate(UPLOADS, n -> fillChunks(n.putArray("chunks"), 10_001)), 400, "TOO_MANY_ITEMS");
        bad(UPLOADS, "a bad chunk after a good one", mutate(UPLOADS, n -> {
            ArrayNode a = n.putArray("chunks");
            a.addObject().put("id", id).put("size", 10);
            a.addObject().put("id", ChunkId.sha256(new byte[] {8}).hex()).put("size", dev.chunkvault.service.vault.Limits.MAX_CHUNK_SIZE + 1);
        }), 400, "BAD_CHUNK_SIZE");
    }

    private void packCases() {
        String id = ChunkId.sha256(new byte[] {9}).hex();
        bad(PACKS, "no sha256", mutate(PACKS, n -> n.remove("sha256")), 400, "INVALID_CHUNK_ID");
        bad(PACKS, "sha256 not hex", mutate(PACKS, n -> n.put("sha256", "xyz")), 400, "INVALID_CHUNK_ID");
        bad(PACKS, "no size", mutate(PACKS, n -> n.remove("size")), 400, "MISSING_FIELD");
        bad(PACKS, "size 0", mutate(PACKS, n -> n.put("size", 0)), 400, "INVALID_FIELD");
        bad(PACKS, "a size that is not the chunks' and index's", mutate(PACKS, n -> n.put("size", n.path("size").asLong() + 1)),
                400, "INVALID_PACK");
        bad(PACKS, "a size over 16 MiB", mutate(PACKS, n -> n.put("size", (16 << 20) + 1)), 400, "INVALID_PACK");
        bad(PACKS, "no chunks", mutate(PACKS, n -> n.putArray("chunks")), 400, "INVALID_PACK");
        bad(PACKS, "a gap between chunks", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(1))
                .put("offset", n.path("chunks").get(1).path("offset").asInt() + 1)), 400, "INVALID_PACK");
        bad(PACKS, "chunks out of order", mutate(PACKS, n -> {
            ArrayNode c = (ArrayNode) n.path("chunks");
            JsonNode first = c.remove(0);
            c.add(first);
        }), 400, "INVALID_PACK");
        bad(PACKS, "a chunk listed twice", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(1))
                .put("id", n.path("chunks").get(0).path("id").asText())), 400, "INVALID_PACK");
        bad(PACKS, "a chunk over 1 MiB", mutate(PACKS, n -> {
            ArrayNode c = n.putArray("chunks");
            c.addObject().put("id", id).put("offset", 0).put("length", (1 << 20) + 1);
            n.put("size", (1 << 20) + 1 + 40 + 9);
        }), 400, "INVALID_PACK");
        bad(PACKS, "a negative offset", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(0)).put("offset", -1)), 400,
                "INVALID_FIELD");
        bad(PACKS, "a zero length", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(0)).put("length", 0)), 400,
                "INVALID_FIELD");
        bad(PACKS, "a bad chunk id", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(0)).put("id", "ABC")), 400,
                "INVALID_CHUNK_ID");
        bad(PACKS, "an unknown chunk field", mutate(PACKS, n -> ((ObjectNode) n.path("chunks").get(0)).put("owner", "bob")),
                400, "UNKNOWN_FIELD");
        bad(PACKS, "4,097 chunks", mutate(PACKS, n -> {
            ArrayNode c = n.putArray("chunks");
            for (int i = 0; i < 4097; i++) {
                c.addObject().put("id", ChunkId.sha256(("p-" + i).getBytes(StandardCharsets.UTF_8)).hex()).put("offset", i)
                        .put("length", 1);
            }
        }), 400, "TOO_MANY_ITEMS");
        bad(SEAL, "no packId", postText(SEAL, "{}"), 400, "MISSING_FIELD");
        bad(SEAL, "a packId that is no id", mutate(SEAL, n -> n.put("packId", "../x")), 404, "NOT_FOUND");
        bad(SEAL, "a pack declared but never uploaded", mutate(SEAL, n -> n.put("packId", packNotUploaded)), 409,
                "PACK_NOT_UPLOADED");
        like(SEAL, "another tenant's pack, like a missing one", mutate(SEAL, n -> n.put("packId", bobsPack)),
                mutate(SEAL, n -> n.put("packId", "0123456789abcdef0123456789abcdef")), 404, "NOT_FOUND");
    }

    private static void fillChunks(ArrayNode a, int n) {
        for (int i = 0; i < n; i++) {
            a.addObject().put("id", ChunkId.sha256(("many-" + i).getBytes(StandardCharsets.UTF_8)).hex()).put("size", 10);
        }
    }

    private static Manifest manifestOf(ChunkId id, int size) {
        return Manifest.of(Tenant.PROFILE, List.of(new ManifestEntry(id, size)));
    }

    /** A bad batch is refused whole (one bad commit in it is enough) and changes nothing. */
    private void batchCases() {
        bad(BATCH, "no commits", mutate(BATCH, n -> n.remove("commits")), 400, "MISSING_FIELD");
        bad(BATCH, "commits not a list", mutate(BATCH, n -> n.put("commits", "all")), 400, "INVALID_FIELD");
        bad(BATCH, "an empty list", mutate(BATCH, n -> n.putArray("commits")), 400, "EMPTY_BATCH");
        bad(BATCH, "a null commit", mutate(BATCH, n -> ((ArrayNode) n.get("commits")).addNull()), 400, "INVALID_FIELD");
        bad(BATCH, "a commit that is a string", mutate(BATCH, n -> ((ArrayNode) n.get("commits")).add("x")), 400,
                "INVALID_FIELD");
        bad(BATCH, "two commits of one file (case-folded)", mutate(BATCH, n -> ((ObjectNode) n.get("commits").get(1))
                .put("path", "DOCS/Batch-1.bin")), 400, "DUPLICATE_PATH");
        badPaths().forEach((name, p) -> bad(BATCH, "second commit's path: " + name, mutate(BATCH, n ->
                ((ObjectNode) n.get("commits").get(1)).put("path", p)), 400, "INVALID_PATH"));
        bad(BATCH, "second commit without a size", mutate(BATCH, n -> ((ObjectNode) n.get("commits").get(1))
                .remove("size")), 400, "MISSING_FIELD");
        bad(BATCH, "second commit with an unknown field", mutate(BATCH, n -> ((ObjectNode) n.get("commits").get(1))
                .put("owner", "bob")), 400, "UNKNOWN_FIELD");
        bad(BATCH, "second commit's idempotencyKey too short", mutate(BATCH, n -> ((ObjectNode) n.get("commits").get(1))
                .put("idempotencyKey", "short")), 400, "INVALID_IDEMPOTENCY_KEY");
        bad(BATCH, "101 commits", mutate(BATCH, n -> {
            ArrayNode list = n.putArray("commits");
            for (int i = 0; i <= 100; i++) {
                list.add(Tenant.commitBody("docs/many-" + i + ".bin", null, a1, "inputs-batch-many-" + i));
            }
        }), 413, "TOO_MANY_COMMITS");
    }

    private void commitCases() {
        bad(COMMITS, "no path", mutate(COMMITS, n -> n.remove("path")), 400, "MISSING_FIELD");
        bad(COMMITS, "path a number", mutate(COMMITS, n -> n.put("path", 7)), 400, "INVALID_FIELD");
        bad(COMMITS, "path null", mutate(COMMITS, n -> n.putNull("path")), 400, "MISSING_FIELD");
        pathCases(COMMITS, "path");
        versionCases(COMMITS, "parentVersion");
        bad(COMMITS, "a stale parent", mutate(COMMITS, n -> n.put("parentVersion", aV1)), 409, "STALE_PARENT");
        like(COMMITS, "another tenant's version as parent",
                mutate(COMMITS, n -> n.put("parentVersion", bobV1)),
                mutate(COMMITS, n -> n.put("parentVersion", RANDOM_VERSION)), 409, "STALE_PARENT");
        bad(COMMITS, "a parent for a file that does not exist", mutate(COMMITS, n -> n.put("path", "docs/none.bin")), 409,
                "STALE_PARENT");
        bad(COMMITS, "both manifest and manifestDelta", mutate(COMMITS, n -> n.set("manifestDelta",
                Tenant.MAPPER.createObjectNode().set("ops", Tenant.MAPPER.createArrayNode()))), 400, "MANIFEST_REQUIRED");
        bad(COMMITS, "no manifest", mutate(COMMITS, n -> n.remove("manifest")), 400, "MANIFEST_REQUIRED");
        bad(COMMITS, "manifest not an object", mutate(COMMITS, n -> n.put("manifest", "a1")), 400, "INVALID_FIELD");
        bad(COMMITS, "an unknown manifest field", mutate(COMMITS, n -> ((ObjectNode) n.get("manifest")).put("owner", "bob")),
                400, "UNKNOWN_FIELD");
        bad(COMMITS, "an unknown profile", mutate(COMMITS, n -> ((ObjectNode) n.get("manifest")).put("profile", "fixed-4k")),
                400, "UNKNOWN_PROFILE");
        bad(COMMITS, "no profile", mutate(COMMITS, n -> ((ObjectNode) n.get("manifest")).remove("profile")), 400,
                "INVALID_FIELD");
        bad(COMMITS, "manifest chunks not a list", mutate(COMMITS, n -> ((ObjectNode) n.get("manifest")).put("chunks", 1)),
                400, "INVALID_FIELD");
        badChunkIds().forEach((name, id) -> bad(COMMITS, "manifest chunk id: " + name, mutate(COMMITS, n ->
                ((ObjectNode) n.get("manifest").get("chunks").get(0)).put("id", id)), 400, "INVALID_FIELD"));
        bad(COMMITS, "a manifest chunk of size 0", mutate(COMMITS, n ->
                ((ObjectNode) n.get("manifest").get("chunks").get(0)).put("size", 0)), 400, "INVALID_FIELD");
        bad(COMMITS, "a manifest chunk size as a string", mutate(COMMITS, n ->
                ((ObjectNode) n.get("manifest").get("chunks").get(0)).put("size", "70000")), 400, "INVALID_FIELD");
        bad(COMMITS, "a manifest chunk size over 2^31", mutate(COMMITS, n ->
                ((ObjectNode) n.get("manifest").get("chunks").get(0)).put("size", 1L << 32)), 400, "INVALID_FIELD");
        bad(COMMITS, "an unknown manifest chunk field", mutate(COMMITS, n ->
                ((ObjectNode) n.get("manifest").get("chunks").get(0)).put("offset", 0)), 400, "UNKNOWN_FIELD");
        ChunkId big = ChunkId.sha256("big".getBytes(StandardCharsets.UTF_8));
        bad(COMMITS, "a chunk over the profile's largest", mutate(COMMITS, n -> {
            n.set("manifest", Tenant.json(manifestOf(big, (1 << 20) + 1)));
            n.put("size", (1 << 20) + 1);
        }), 400, "CHUNK_TOO_LARGE");
        bad(COMMITS, "one chunk id with two sizes", mutate(COMMITS, n -> {
            n.set("manifest", Tenant.json(Manifest.of(Tenant.PROFILE, List.of(new ManifestEntry(big, 10), new ManifestEntry(big, 11)))));
            n.put("size", 21);
        }), 400, "INCONSISTENT_CHUNK_SIZE");
        bad(COMMITS, "a negative size", mutate(COMMITS, n -> n.put("size", -1)), 400, "INVALID_SIZE");
        bad(COMMITS, "a size that is not the manifest's", mutate(COMMITS, n -> n.put("size", a1.bytes().length + 1)), 400,
                "SIZE_MISMATCH");
        bad(COMMITS, "a fractional size", mutate(COMMITS, n -> n.put("size", 1.5)), 400, "INVALID_FIELD");
        bad(COMMITS, "a size as a string", mutate(COMMITS, n -> n.put("size", "70000")), 400, "INVALID_FIELD");
        bad(COMMITS, "no size", mutate(COMMITS, n -> n.remove("size")), 400, "MISSING_FIELD");
        bad(COMMITS, "no contentHash", mutate(COMMITS, n -> n.remove("contentHash")), 400, "MISSING_FIELD");
        bad(COMMITS, "an upper-case contentHash", mutate(COMMITS, n -> n.put("contentHash", a1.sha256().toUpperCase(java.util.Locale.ROOT))),
                400, "INVALID_CONTENT_HASH");
        bad(COMMITS, "a short contentHash", mutate(COMMITS, n -> n.put("contentHash", "abc")), 400, "INVALID_CONTENT_HASH");
        bad(COMMITS, "no idempotencyKey", mutate(COMMITS, n -> n.remove("idempotencyKey")), 400, "MISSING_FIELD");
        bad(COMMITS, "a 7-character idempotencyKey", mutate(COMMITS, n -> n.put("idempotencyKey", "abcdefg")), 400,
                "INVALID_IDEMPOTENCY_KEY");
        bad(COMMITS, "a 129-character idempotencyKey", mutate(COMMITS, n -> n.put("idempotencyKey", "k".repeat(129))), 400,
                "INVALID_IDEMPOTENCY_KEY");
        bad(COMMITS, "an idempotencyKey with a space", mutate(COMMITS, n -> n.put("idempotencyKey", "has a space")), 400,
                "INVALID_IDEMPOTENCY_KEY");
        bad(COMMITS, "an idempotencyKey as a number", mutate(COMMITS, n -> n.put("idempotencyKey", 12345678)), 400,
                "INVALID_FIELD");
        bad(COMMITS, "a clientMtime as text", mutate(COMMITS, n -> n.put("clientMtime", "yesterday")), 400, "INVALID_FIELD");
        bad(COMMITS, "a manifest delta without a parent", mutate(COMMITS, n -> {
            n.put("path", "docs/new.bin");
            n.remove("parentVersion");
            n.remove("manifest");
            n.set("manifestDelta", Tenant.json(dev.chunkvault.core.manifest.ManifestDelta.compute(a2.manifest(), a1.manifest())));
        }), 400, "DELTA_WITHOUT_PARENT");
        bad(COMMITS, "a manifest delta copying past the parent", mutate(COMMITS, n -> {
            n.remove("manifest");
            n.set("manifestDelta", obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(99)));
        }), 400, "INVALID_MANIFEST_DELTA");
        bad(COMMITS, "an unknown manifest delta op", mutate(COMMITS, n -> {
            n.remove("manifest");
            n.set("manifestDelta", obj(d -> d.putArray("ops").addObject().putArray("move").add(0).add(1)));
        }), 400, "UNKNOWN_FIELD");
        ChunkId missing = ChunkId.sha256("never uploaded".getBytes(StandardCharsets.UTF_8));
        bad(COMMITS, "a chunk that was never uploaded", mutate(COMMITS, n -> {
            n.set("manifest", Tenant.json(manifestOf(missing, 5000)));
            n.put("size", 5000);
        }), 422, "MISSING_CHUNKS");
        likeButIds(COMMITS, "another tenant's chunk", mutate(COMMITS, n -> {
            n.set("manifest", Tenant.json(manifestOf(bobContent.id(0), 5000)));
            n.put("size", 5000);
        }), mutate(COMMITS, n -> {
            n.set("manifest", Tenant.json(manifestOf(missing, 5000)));
            n.put("size", 5000);
        }), 422, "MISSING_CHUNKS");
        bad(COMMITS, "an idempotency key reused for another commit", mutate(COMMITS, n -> {
            n.put("parentVersion", aV1);
            n.put("idempotencyKey", "inputs-a-v2");
        }), 422, "IDEMPOTENCY_KEY_REUSED");
        bad(COMMITS, "a manifest delta repeating one chunk past 50,000 entries", mutate(COMMITS, n -> {
            n.remove("manifest");
            ArrayNode ops = n.putObject("manifestDelta").putArray("ops");
            for (int i = 0; i <= 50_000; i++) {
                ops.addObject().putArray("copy").add(0).add(1);
            }
        }), 413, "TOO_MANY_CHUNKS");
    }

    /** The bad paths in the JSON field {@code field} of {@code route}. */
    private void pathCases(String route, String field) {
        Map<String, String> all = new LinkedHashMap<>(badPaths());
        all.putAll(badJsonOnlyPaths());
        all.forEach((name, p) -> bad(route, field + ": " + name, mutate(route, n -> n.put(field, p)), 400, "INVALID_PATH"));
    }

    private void versionCases(String route, String field) {
        badVersions().forEach((name, v) -> bad(route, field + ": " + name, mutate(route, n -> n.put(field, v)), 400,
                "INVALID_VERSION"));
        bad(route, field + " a number", mutate(route, n -> n.put(field, 1)), 400, "INVALID_FIELD");
    }

    private void deleteCases() {
        bad(DELETE, "no path", mutate(DELETE, n -> n.remove("path")), 400, "MISSING_FIELD");
        pathCases(DELETE, "path");
        bad(DELETE, "a file that does not exist", mutate(DELETE, n -> n.put("path", "docs/none.bin")), 404, "NOT_FOUND");
        like(DELETE, "another tenant's file", mutate(DELETE, n -> n.put("path", "secret/b.bin").put("parentVersion", bobV1)),
                mutate(DELETE, n -> n.put("path", "secret/none.bin").put("parentVersion", bobV1)), 404, "NOT_FOUND");
        versionCases(DELETE, "parentVersion");
        bad(DELETE, "a stale parent", mutate(DELETE, n -> n.put("parentVersion", aV1)), 409, "STALE_PARENT");
        bad(DELETE, "no idempotencyKey", mutate(DELETE, n -> n.remove("idempotencyKey")), 400, "MISSING_FIELD");
        bad(DELETE, "a bad idempotencyKey", mutate(DELETE, n -> n.put("idempotencyKey", "x y")), 400, "INVALID_IDEMPOTENCY_KEY");
    }

    private void restoreCases() {
        bad(RESTORE, "no path", mutate(RESTORE, n -> n.remove("path")), 400, "MISSING_FIELD");
        pathCases(RESTORE, "path");
        bad(RESTORE, "no version", mutate(RESTORE, n -> n.remove("version")), 400, "MISSING_FIELD");
        versionCases(RESTORE, "version");
        versionCases(RESTORE, "parentVersion");
        bad(RESTORE, "a version that does not exist", mutate(RESTORE, n -> n.put("version", RANDOM_VERSION)), 404, "NOT_FOUND");
        like(RESTORE, "another tenant's version", mutate(RESTORE, n -> n.put("version", bobV1)),
                mutate(RESTORE, n -> n.put("version", RANDOM_VERSION)), 404, "NOT_FOUND");
        like(RESTORE, "another tenant's file", mutate(RESTORE, n -> n.put("path", "secret/b.bin").put("version", bobV1)
                .remove("parentVersion")), mutate(RESTORE, n -> n.put("path", "secret/none.bin").put("version", bobV1)
                .remove("parentVersion")), 404, "NOT_FOUND");
        bad(RESTORE, "a deletion", mutate(RESTORE, n -> n.put("path", "docs/gone.bin").put("version", goneTomb)
                .put("parentVersion", goneTomb)), 400, "CANNOT_RESTORE_DELETION");
        bad(RESTORE, "a stale parent", mutate(RESTORE, n -> n.put("parentVersion", resV1)), 409, "STALE_PARENT");
        bad(RESTORE, "a bad idempotencyKey", mutate(RESTORE, n -> n.put("idempotencyKey", "short")), 400,
                "INVALID_IDEMPOTENCY_KEY");
    }

    private void rewindCases() {
        bad(REWIND, "no to", mutate(REWIND, n -> n.remove("to")), 400, "MISSING_FIELD");
        bad(REWIND, "to not a time", mutate(REWIND, n -> n.put("to", "yesterday")), 400, "INVALID_TIME");
        bad(REWIND, "to without an offset", mutate(REWIND, n -> n.put("to", "2026-01-01T00:00:00")), 400, "INVALID_TIME");
        bad(REWIND, "to in the future", mutate(REWIND, n -> n.put("to", java.time.Instant.now().plus(Duration.ofDays(1))
                .toString())), 400, "TIME_IN_FUTURE");
        Map<String, String> paths = new LinkedHashMap<>(badPaths());
        paths.putAll(badJsonOnlyPaths());
        paths.keySet().removeAll(List.of("empty", "only a slash", "a trailing slash")); // the root, and docs/ is docs
        paths.forEach((name, p) -> bad(REWIND, "folder: " + name, mutate(REWIND, n -> n.put("folder", p)), 400,
                "INVALID_PATH"));
        bad(REWIND, "no idempotencyKey", mutate(REWIND, n -> n.remove("idempotencyKey")), 400, "INVALID_IDEMPOTENCY_KEY");
        bad(REWIND, "a bad idempotencyKey", mutate(REWIND, n -> n.put("idempotencyKey", "x y")), 400,
                "INVALID_IDEMPOTENCY_KEY");
        bad(REWIND, "dryRun not a boolean", mutate(REWIND, n -> n.put("dryRun", "yes")), 400, "INVALID_FIELD");
        bad(REWIND, "limit 0", mutate(REWIND, n -> n.put("limit", 0)), 400, "INVALID_LIMIT");
        bad(REWIND, "limit 101", mutate(REWIND, n -> n.put("limit", 101)), 400, "INVALID_LIMIT");
        bad(REWIND, "a junk cursor", mutate(REWIND, n -> n.put("cursor", "junk")), 400, "INVALID_CURSOR");
        bad(REWIND, "a listing's cursor", mutate(REWIND, n -> n.put("cursor", "l.ZG9jcy8")), 400, "INVALID_CURSOR");
        bad(REWIND, "another folder's cursor", mutate(REWIND, n -> n.put("cursor", "w.c2VjcmV0Lw")), 400, "INVALID_CURSOR");
    }

    private void downloadCases() {
        bad(DOWNLOADS, "no path", mutate(DOWNLOADS, n -> n.remove("path")), 400, "MISSING_FIELD");
        pathCases(DOWNLOADS, "path");
        like(DOWNLOADS, "another tenant's file", mutate(DOWNLOADS, n -> n.put("path", "secret/b.bin").remove(List.of("version", "chunks"))),
                mutate(DOWNLOADS, n -> n.put("path", "secret/none.bin").remove(List.of("version", "chunks"))), 404, "NOT_FOUND");
        bad(DOWNLOADS, "a deleted file", mutate(DOWNLOADS, n -> n.put("path", "docs/gone.bin").remove(List.of("version", "chunks"))),
                404, "NOT_FOUND");
        bad(DOWNLOADS, "a deletion by version", mutate(DOWNLOADS, n -> n.put("path", "docs/gone.bin").put("version", goneTomb)
                .remove("chunks")), 404, "NOT_FOUND");
        versionCases(DOWNLOADS, "version");
        like(DOWNLOADS, "another tenant's version", mutate(DOWNLOADS, n -> n.put("version", bobV1).remove("chunks")),
                mutate(DOWNLOADS, n -> n.put("version", RANDOM_VERSION).remove("chunks")), 404, "NOT_FOUND");
        chunkListCases(DOWNLOADS, 1000);
        bad(DOWNLOADS, "1,001 chunks", mutate(DOWNLOADS, n -> fillIds(n.putArray("chunks"), 1001)), 413, "TOO_MANY_CHUNKS");
        bad(DOWNLOADS, "10,001 chunks", mutate(DOWNLOADS, n -> fillIds(n.putArray("chunks"), 10_001)), 400, "TOO_MANY_ITEMS");
    }

    private void downloadBatchCases() {
        bad(DOWNLOAD_BATCH, "no files", mutate(DOWNLOAD_BATCH, n -> n.remove("files")), 400, "MISSING_FIELD");
        bad(DOWNLOAD_BATCH, "files not a list", mutate(DOWNLOAD_BATCH, n -> n.put("files", "all")), 400, "INVALID_FIELD");
        bad(DOWNLOAD_BATCH, "an empty list", mutate(DOWNLOAD_BATCH, n -> n.putArray("files")), 400, "EMPTY_BATCH");
        bad(DOWNLOAD_BATCH, "a null file", mutate(DOWNLOAD_BATCH, n -> ((ArrayNode) n.get("files")).addNull()), 400,
                "INVALID_FIELD");
        bad(DOWNLOAD_BATCH, "a file without a path", mutate(DOWNLOAD_BATCH, n -> ((ObjectNode) n.get("files").get(1))
                .remove("path")), 400, "MISSING_FIELD");
        badPaths().forEach((name, p) -> bad(DOWNLOAD_BATCH, "second file's path: " + name, mutate(DOWNLOAD_BATCH, n ->
                ((ObjectNode) n.get("files").get(1)).put("path", p)), 400, "INVALID_PATH"));
        bad(DOWNLOAD_BATCH, "a file with an unknown field", mutate(DOWNLOAD_BATCH, n -> ((ObjectNode) n.get("files").get(1))
                .put("extra", 1)), 400, "UNKNOWN_FIELD");
        bad(DOWNLOAD_BATCH, "101 files", mutate(DOWNLOAD_BATCH, n -> {
            ArrayNode list = n.putArray("files");
            for (int i = 0; i <= 100; i++) {
                list.addObject().put("path", "docs/many-" + i + ".bin");
            }
        }), 413, "TOO_MANY_FILES");
        bad(DOWNLOAD_BATCH, "1,001 chunks in all", mutate(DOWNLOAD_BATCH, n -> {
            fillIds(((ObjectNode) n.get("files").get(0)).putArray("chunks"), 600);
            fillIds(((ObjectNode) n.get("files").get(1)).putArray("chunks"), 401);
        }), 413, "TOO_MANY_CHUNKS");
    }

    private static void fillIds(ArrayNode a, int n) {
        for (int i = 0; i < n; i++) {
            a.add(ChunkId.sha256(("many-" + i).getBytes(StandardCharsets.UTF_8)).hex());
        }
    }

    /** Chunk lists (of ids) in {@code route}'s {@code chunks} field. */
    private void chunkListCases(String route, int max) {
        badChunkIds().forEach((name, id) -> bad(route, "chunk id: " + name, mutate(route, n -> n.putArray("chunks").add(id)),
                400, "INVALID_CHUNK_ID"));
        bad(route, "a null chunk id", mutate(route, n -> n.putArray("chunks").addNull()), 400, "INVALID_FIELD");
        bad(route, "chunks not a list", mutate(route, n -> n.put("chunks", chunkA2())), 400, "INVALID_FIELD");
        like(route, "another tenant's chunk", mutate(route, n -> n.putArray("chunks").add(bobContent.id(0).hex())),
                mutate(route, n -> n.putArray("chunks").add(ChunkId.sha256(new byte[] {42}).hex())), 400,
                "CHUNK_NOT_IN_VERSION");
    }

    private void signatureCases() {
        bad(SIGNATURES, "no path", mutate(SIGNATURES, n -> n.remove("path")), 400, "MISSING_FIELD");
        pathCases(SIGNATURES, "path");
        like(SIGNATURES, "another tenant's file", mutate(SIGNATURES, n -> n.put("path", "secret/b.bin")
                .remove(List.of("version", "against", "chunks"))), mutate(SIGNATURES, n -> n.put("path", "secret/none.bin")
                .remove(List.of("version", "against", "chunks"))), 404, "NOT_FOUND");
        versionCases(SIGNATURES, "version");
        versionCases(SIGNATURES, "against");
        like(SIGNATURES, "another tenant's version as 'against'", mutate(SIGNATURES, n -> n.put("against", bobV1)),
                mutate(SIGNATURES, n -> n.put("against", RANDOM_VERSION)), 404, "NOT_FOUND");
        bad(SIGNATURES, "a deletion", mutate(SIGNATURES, n -> n.put("path", "docs/gone.bin").remove(List.of("version", "against",
                "chunks"))), 404, "NOT_FOUND");
        chunkListCases(SIGNATURES, DeltaService.MAX_SIGNATURES);
        bad(SIGNATURES, "33 chunks", mutate(SIGNATURES, n -> fillIds(n.putArray("chunks"), DeltaService.MAX_SIGNATURES + 1)),
                413, "TOO_MANY_CHUNKS");
        bad(SIGNATURES, "1,001 chunks", mutate(SIGNATURES, n -> fillIds(n.putArray("chunks"), 1001)), 400, "TOO_MANY_ITEMS");
    }

    private void deltaCases() {
        for (String field : List.of("baseChunk", "targetChunk")) {
            badChunkIds().forEach((name, id) -> bad(DELTAS, field + ": " + name, mutate(DELTAS, n -> n.put(field, id)), 400,
                    "INVALID_CHUNK_ID"));
            bad(DELTAS, "no " + field, mutate(DELTAS, n -> n.remove(field)), 400, "INVALID_CHUNK_ID");
        }
        bad(DELTAS, "no delta", mutate(DELTAS, n -> n.remove("delta")), 400, "MISSING_FIELD");
        bad(DELTAS, "a delta that is not base64", mutate(DELTAS, n -> n.put("delta", "not base64!")), 400, "INVALID_FIELD");
        bad(DELTAS, "a delta as a number", mutate(DELTAS, n -> n.put("delta", 5)), 400, "INVALID_FIELD");
        bad(DELTAS, "a delta of random bytes", mutate(DELTAS, n -> n.put("delta",
                Base64.getEncoder().encodeToString(Tenant.random(5, 100)))), 400, "MALFORMED_DELTA");
        byte[] good = Base64.getDecoder().decode(deltaOf(valid.get(DELTAS)));
        bad(DELTAS, "a truncated delta", mutate(DELTAS, n -> n.put("delta",
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(good, good.length - 3)))), 400, "MALFORMED_DELTA");
        bad(DELTAS, "a delta with a trailing byte", mutate(DELTAS, n -> n.put("delta",
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(good, good.length + 1)))), 400, "MALFORMED_DELTA");
        bad(DELTAS, "a delta for another target", mutate(DELTAS, n -> n.put("targetChunk",
                ChunkId.sha256(new byte[] {3}).hex())), 422, "DELTA_MISMATCH");
        bad(DELTAS, "a delta over 4 MiB", mutate(DELTAS, n -> n.put("delta",
                Base64.getEncoder().encodeToString(new byte[DeltaService.MAX_DELTA_BYTES + 1]))), 413, "DELTA_TOO_LARGE");
        like(DELTAS, "another tenant's base chunk", post(DELTAS, deltaClaiming(bobContent.id(0), bobContent.chunks().get(0).size())),
                post(DELTAS, deltaClaiming(ChunkId.sha256(new byte[] {4}), bobContent.chunks().get(0).size())), 404, "NOT_FOUND");
    }

    /** A batch that is itself bad is refused whole (the deltas in a good batch are answered one by one, with 200). */
    private void deltaBatchCases() {
        byte[] good = Base64.getDecoder().decode(deltaOf(valid.get(DELTAS)));
        byte[] framed = valid.get(DELTA_BATCH).body();
        bad(DELTA_BATCH, "a lone delta, not framed", binary(DELTA_BATCH, good), 400, "MALFORMED_BATCH");
        bad(DELTA_BATCH, "a truncated batch", binary(DELTA_BATCH, java.util.Arrays.copyOf(framed, framed.length - 3)), 400,
                "MALFORMED_BATCH");
        bad(DELTA_BATCH, "a batch with a trailing byte", binary(DELTA_BATCH, java.util.Arrays.copyOf(framed, framed.length + 1)),
                400, "MALFORMED_BATCH");
        byte[] v2 = framed.clone();
        v2[4] = 2;
        bad(DELTA_BATCH, "a batch of an unknown version", binary(DELTA_BATCH, v2), 400, "MALFORMED_BATCH");
        bad(DELTA_BATCH, "a batch of no deltas", binary(DELTA_BATCH, new byte[] {'C', 'V', 'D', 'B', 1, 0}), 400,
                "MALFORMED_BATCH");
        bad(DELTA_BATCH, "JSON instead of a batch", postText(DELTA_BATCH, "{\"deltas\": []}"), 400, "MALFORMED_BATCH");
        bad(DELTA_BATCH, "an empty body", new Req(methodOf(DELTA_BATCH), pathOf(DELTA_BATCH), null), 400, "MALFORMED_BATCH");
        bad(DELTA_BATCH, "129 deltas", binary(DELTA_BATCH, DeltaBatch.encode(java.util.Collections.nCopies(
                DeltaService.BatchLimits.DEFAULTS.maxItems() + 1, good))), 413, "TOO_MANY_DELTAS");
    }

    private static String deltaOf(Req r) {
        try {
            return Tenant.MAPPER.readTree(r.body()).path("delta").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void conflictCases() {
        bad(CONFLICTS, "no path", mutate(CONFLICTS, n -> n.remove("path")), 400, "MISSING_FIELD");
        pathCases(CONFLICTS, "path");
        versionCases(CONFLICTS, "baseVersion");
        bad(CONFLICTS, "localManifest and localDeleted", mutate(CONFLICTS, n -> n.put("localDeleted", true)), 400,
                "AMBIGUOUS_LOCAL_STATE");
        bad(CONFLICTS, "localManifest and localManifestDelta", mutate(CONFLICTS, n -> n.set("localManifestDelta",
                obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(1)))), 400, "AMBIGUOUS_LOCAL_STATE");
        bad(CONFLICTS, "localDeleted as text", mutate(CONFLICTS, n -> {
            n.remove("localManifest");
            n.put("localDeleted", "yes");
        }), 400,
                "INVALID_FIELD");
        bad(CONFLICTS, "a 257-character device", mutate(CONFLICTS, n -> n.put("device", "d".repeat(257))), 400, "INVALID_FIELD");
        for (String t : List.of("yesterday", "2026-01-02 03:04:05", "2026-01-02T03:04:05Z", "2026-13-02T03:04:05", "+10000-01-01T00:00:00")) {
            bad(CONFLICTS, "localTime '" + t + "'", mutate(CONFLICTS, n -> n.put("localTime", t)), 400, "INVALID_LOCAL_TIME");
        }
        bad(CONFLICTS, "a localName of another file", mutate(CONFLICTS, n -> n.put("localName", "b.bin")), 400,
                "LOCAL_NAME_MISMATCH");
        bad(CONFLICTS, "a localName with a slash", mutate(CONFLICTS, n -> n.put("localName", "docs/a.bin")), 400,
                "INVALID_LOCAL_NAME");
        bad(CONFLICTS, "an empty localName", mutate(CONFLICTS, n -> n.put("localName", "")), 400, "INVALID_LOCAL_NAME");
        bad(CONFLICTS, "a localName with NUL", mutate(CONFLICTS, n -> n.put("localName", "a\u0000.bin")), 400, "INVALID_LOCAL_NAME");
        bad(CONFLICTS, "unchanged without a base", mutate(CONFLICTS, n -> n.remove(List.of("baseVersion", "localManifest"))), 400,
                "BASE_REQUIRED");
        bad(CONFLICTS, "a local delta without a base", mutate(CONFLICTS, n -> {
            n.remove(List.of("baseVersion", "localManifest"));
            n.set("localManifestDelta", obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(1)));
        }), 400, "DELTA_WITHOUT_BASE");
        bad(CONFLICTS, "a local delta copying past the base", mutate(CONFLICTS, n -> {
            n.remove("localManifest");
            n.set("localManifestDelta", obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(99)));
        }), 400, "INVALID_MANIFEST_DELTA");
        like(CONFLICTS, "a local delta on another tenant's version", mutate(CONFLICTS, n -> {
            n.remove("localManifest");
            n.put("baseVersion", bobV1);
            n.set("localManifestDelta", obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(1)));
        }), mutate(CONFLICTS, n -> {
            n.remove("localManifest");
            n.put("baseVersion", RANDOM_VERSION);
            n.set("localManifestDelta", obj(d -> d.putArray("ops").addObject().putArray("copy").add(0).add(1)));
        }), 422, "BASE_NOT_RETAINED");
        bad(CONFLICTS, "an unknown profile", mutate(CONFLICTS, n -> ((ObjectNode) n.get("localManifest")).put("profile", "x")),
                400, "UNKNOWN_PROFILE");
        badChunkIds().forEach((name, id) -> bad(CONFLICTS, "local manifest chunk id: " + name, mutate(CONFLICTS, n ->
                ((ObjectNode) n.get("localManifest").get("chunks").get(0)).put("id", id)), 400, "INVALID_FIELD"));
    }

    /** Bad paths in a query parameter. */
    private void queryPathCases(String route, String param, String rest) {
        badPaths().forEach((name, p) -> bad(route, param + ": " + name, get(route, param + "=" + Tenant.encode(p) + rest), 400,
                "INVALID_PATH"));
    }

    private void limitCases(String route, String base, int max) {
        for (String l : List.of("0", "-1", Integer.toString(max + 1), "abc", "1.5", "", "99999999999", "1,2")) {
            bad(route, "limit '" + l + "'", get(route, base + "limit=" + Tenant.encode(l)), 400, "INVALID_PARAMETER");
        }
        bad(route, "limit given twice", get(route, base + "limit=1&limit=2"), 400, "INVALID_PARAMETER");
    }

    private void listCases() {
        Map<String, String> folders = new LinkedHashMap<>(badPaths());
        folders.remove("empty");
        folders.remove("only a slash"); // both are the root
        folders.remove("a trailing slash"); // "docs/" is the folder docs
        folders.put("two trailing slashes", "docs//");
        folders.forEach((name, p) -> bad(FILES, "folder: " + name, get(FILES, "folder=" + Tenant.encode(p)), 400, "INVALID_PATH"));
        for (String param : List.of("recursive", "includeDeleted")) {
            for (String v : List.of("yes", "1", "TRUE", "")) {
                bad(FILES, param + " '" + v + "'", get(FILES, param + "=" + v), 400, "INVALID_PARAMETER");
            }
        }
        limitCases(FILES, "folder=docs&", 1000);
        badCursors("l").forEach((name, c) -> bad(FILES, "cursor: " + name, get(FILES, "folder=docs&cursor=" + Tenant.encode(c)),
                400, "INVALID_CURSOR"));
        bad(FILES, "cursor of another folder", get(FILES, "folder=other&cursor=" + Tenant.encode(cursor("l", "docs/zzz"))), 400,
                "INVALID_CURSOR");
        bad(FILES, "cursor with a key too long to be a path", get(FILES, "cursor=" + Tenant.encode(cursor("l", "k".repeat(1500)))),
                400, "INVALID_CURSOR");
    }

    private void fileCases() {
        bad(FILE, "no path", get(FILE, ""), 400, "MISSING_PARAMETER");
        queryPathCases(FILE, "path", "");
        bad(FILE, "a file that does not exist", get(FILE, "path=docs/none.bin"), 404, "NOT_FOUND");
        like(FILE, "another tenant's file", get(FILE, "path=secret/b.bin"), get(FILE, "path=secret/none.bin"), 404, "NOT_FOUND");
        like(FILE, "another tenant's file, with deletions", get(FILE, "path=secret/b.bin&includeDeleted=true"),
                get(FILE, "path=secret/none.bin&includeDeleted=true"), 404, "NOT_FOUND");
        like(FILE, "a deleted file", get(FILE, "path=docs/gone.bin"), get(FILE, "path=docs/none.bin"), 404, "NOT_FOUND");
        bad(FILE, "includeDeleted 'maybe'", get(FILE, "path=docs/a.bin&includeDeleted=maybe"), 400, "INVALID_PARAMETER");
    }

    private void changesCases() {
        bad(CHANGES, "no cursor", get(CHANGES, ""), 400, "MISSING_PARAMETER");
        badCursors("c").forEach((name, c) -> bad(CHANGES, "cursor: " + name, get(CHANGES, "cursor=" + Tenant.encode(c)), 400,
                "INVALID_CURSOR"));
        bad(CHANGES, "cursor with a key too long to be a change", get(CHANGES, "cursor=" + Tenant.encode(cursor("c", "k".repeat(1500)))),
                400, "INVALID_CURSOR");
        limitCases(CHANGES, "cursor=" + Tenant.encode(changeCursor) + "&", 1000);
    }

    private void historyCases() {
        bad(HISTORY, "no path", get(HISTORY, ""), 400, "MISSING_PARAMETER");
        queryPathCases(HISTORY, "path", "");
        like(HISTORY, "another tenant's file", get(HISTORY, "path=secret/b.bin"), get(HISTORY, "path=secret/none.bin"), 404,
                "NOT_FOUND");
        badCursors("h").forEach((name, c) -> bad(HISTORY, "cursor: " + name, get(HISTORY, "path=docs/a.bin&cursor="
                + Tenant.encode(c)), 400, "INVALID_CURSOR"));
        bad(HISTORY, "cursor with an empty key", get(HISTORY, "path=docs/a.bin&cursor=h."), 400, "INVALID_CURSOR");
        bad(HISTORY, "cursor that is not a version", get(HISTORY, "path=docs/a.bin&cursor=" + Tenant.encode(cursor("h", "k".repeat(1500)))),
                400, "INVALID_CURSOR");
        limitCases(HISTORY, "path=docs/a.bin&", 100);
    }

    private void auditCases() {
        for (String v : List.of("zz", "ABC", "0123", "../x")) {
            bad(AUDIT, "contentAfter '" + v + "'", new Req("POST", "/v1/admin/audit?checkContent=true&contentAfter="
                    + Tenant.encode(v), null), 400, "INVALID_CURSOR");
        }
        for (String param : List.of("fix", "checkObjects", "checkContent", "contentOnly")) {
            for (String v : List.of("maybe", "1", "")) {
                bad(AUDIT, param + " '" + v + "'", new Req("POST", "/v1/admin/audit?" + param + "=" + v, null), 400,
                        "INVALID_PARAMETER");
            }
        }
    }

    private void quotaCases() {
        bad(QUOTA, "no owner", mutate(QUOTA, n -> n.remove("owner")), 400, "MISSING_FIELD");
        bad(QUOTA, "owner null", mutate(QUOTA, n -> n.putNull("owner")), 400, "MISSING_FIELD");
        bad(QUOTA, "owner a number", mutate(QUOTA, n -> n.put("owner", 7)), 400, "INVALID_FIELD");
        bad(QUOTA, "owner an object", mutate(QUOTA, n -> n.putObject("owner")), 400, "INVALID_FIELD");
        bad(QUOTA, "an empty owner", mutate(QUOTA, n -> n.put("owner", "")), 400, "INVALID_OWNER");
        bad(QUOTA, "an owner of 257 characters", mutate(QUOTA, n -> n.put("owner", "o".repeat(257))), 400, "INVALID_OWNER");
        bad(QUOTA, "an owner with a newline", mutate(QUOTA, n -> n.put("owner", "alice\nbob")), 400, "INVALID_OWNER");
        bad(QUOTA, "an owner with NUL", mutate(QUOTA, n -> n.put("owner", "alice\u0000")), 400, "INVALID_OWNER");
        bad(QUOTA, "a negative quota", mutate(QUOTA, n -> n.put("quotaBytes", -1)), 400, "INVALID_QUOTA");
        bad(QUOTA, "a quota over 1 EiB", mutate(QUOTA, n -> n.put("quotaBytes", (1L << 60) + 1)), 400, "INVALID_QUOTA");
        bad(QUOTA, "a fractional quota", mutate(QUOTA, n -> n.put("quotaBytes", 1.5)), 400, "INVALID_FIELD");
        bad(QUOTA, "a quota as a string", mutate(QUOTA, n -> n.put("quotaBytes", "100")), 400, "INVALID_FIELD");
        bad(QUOTA, "a quota as a boolean", mutate(QUOTA, n -> n.put("quotaBytes", true)), 400, "INVALID_FIELD");
        bad(QUOTA, "a quota past a 64-bit number", postText(QUOTA, "{\"owner\": \"x\", \"quotaBytes\": 99999999999999999999}"),
                400, "INVALID_FIELD");
        bad(QUOTA, "a quota in GiB (unknown field)", mutate(QUOTA, n -> n.put("quotaGiB", 10)), 400, "UNKNOWN_FIELD");
    }

    /** Missing, malformed, expired, forged and under-scoped tokens, each on the route's valid request. */
    private void authCases(String route) {
        Req req = valid.get(route);
        LocalIssuer issuer = cloud.issuer();
        String sub = LocalIssuer.subjectOf(alice.user);
        long now = Instant.now().getEpochSecond();
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("no token", null);
        tokens.put("not a JWT", "not-a-jwt");
        tokens.put("an empty bearer token", "");
        tokens.put("an expired token", issuer.sign(claims(sub, now - 3600, now - 60, "chunkvault/read chunkvault/write chunkvault/admin")));
        tokens.put("a token not valid yet", issuer.sign(claims(sub, now, now + 3600, "chunkvault/read chunkvault/write chunkvault/admin")
                .put("nbf", now + 600)));
        tokens.put("a token of another key", LocalIssuer.ephemeral(issuer.issuer(), Clock.systemUTC())
                .mint(alice.user, LocalIssuer.DEFAULT_SCOPES, Duration.ofMinutes(5)).token());
        String good = alice.token;
        tokens.put("a tampered signature", good.substring(0, good.lastIndexOf('.') + 1)
                + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[256]));
        tokens.put("a tampered payload", tamperedPayload(good));
        tokens.put("alg none", algNone(claims(sub, now, now + 300, "chunkvault/read chunkvault/write chunkvault/admin")));
        tokens.put("another issuer", issuer.sign(claims(sub, now, now + 300, "chunkvault/read chunkvault/write chunkvault/admin")
                .put("iss", "https://evil.example")));
        tokens.put("another audience", issuer.sign(claims(sub, now, now + 300, "chunkvault/read chunkvault/write chunkvault/admin")
                .put("aud", "someone-else")));
        tokens.forEach((name, token) -> cases.add(new Case(route, "auth", name, req, token, Expect.gateway(401, "Unauthorized"),
                null, false)));

        List<String> scopes = cloud.template().routes().stream().filter(r -> r.routeKey().equals(route)).findFirst()
                .orElseThrow().scopes();
        List<String> others = new ArrayList<>(LocalIssuer.DEFAULT_SCOPES);
        others.removeAll(scopes);
        cases.add(new Case(route, "auth", "a token without " + scopes, req,
                cloud.mintToken(alice.user, others, Duration.ofMinutes(30)), Expect.gateway(403, "Forbidden"), null, false));
        cases.add(new Case(route, "auth", "a token with no scopes", req,
                cloud.mintToken(alice.user, List.of(), Duration.ofMinutes(30)), Expect.gateway(403, "Forbidden"), null, false));
    }

    private ObjectNode claims(String sub, long iat, long exp, String scope) {
        ObjectNode c = Tenant.MAPPER.createObjectNode();
        c.put("iss", cloud.issuer().issuer());
        c.put("sub", sub);
        c.put("aud", LocalIssuer.AUDIENCE);
        c.put("scope", scope);
        c.put("iat", iat);
        c.put("exp", exp);
        return c;
    }

    /** The same signature over a payload naming another subject. */
    private static String tamperedPayload(String token) {
        String[] parts = token.split("\\.");
        try {
            ObjectNode payload = (ObjectNode) Tenant.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            payload.put("sub", "someone-else");
            return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(Tenant.MAPPER.writeValueAsBytes(payload))
                    + "." + parts[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String algNone(ObjectNode claims) {
        try {
            String header = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + cloud.issuer().kid() + "\"}").getBytes(StandardCharsets.UTF_8));
            return header + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(Tenant.MAPPER.writeValueAsBytes(claims)) + ".";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------ the checks

    /** The tenants' state as the API shows it: every file (with deletions) and every file's history. */
    private JsonNode observed() {
        ObjectNode out = Tenant.MAPPER.createObjectNode();
        for (Tenant t : List.of(alice, bob)) {
            JsonNode listing = Tenant.expect(200, t.get("/v1/files?recursive=true&includeDeleted=true&limit=1000"));
            ObjectNode mine = out.putObject(t.user);
            mine.set("files", listing.path("files"));
            mine.set("folders", listing.path("folders"));
            for (JsonNode f : listing.path("files")) {
                String p = f.path("path").asText();
                mine.set("history " + p, Tenant.expect(200, t.get("/v1/history?path=" + Tenant.encode(p))));
                mine.set("file " + p, Tenant.expect(200, t.get("/v1/file?includeDeleted=true&path=" + Tenant.encode(p))));
            }
        }
        return out;
    }

    @Test
    @Order(1)
    void everyTemplateRouteHasCases() {
        Set<String> routes = new TreeSet<>();
        cloud.template().routes().forEach(r -> routes.add(r.routeKey()));
        assertEquals(routes, new TreeSet<>(valid.keySet()), "every template route, and only those, has a valid request here");
        Set<String> withInputCases = new TreeSet<>();
        Set<String> withAuthCases = new TreeSet<>();
        for (Case c : cases) {
            (c.kind().equals("auth") ? withAuthCases : withInputCases).add(c.route());
        }
        Set<String> noInputCases = new TreeSet<>(routes);
        noInputCases.removeAll(withInputCases);
        Set<String> expectedGaps = new TreeSet<>(NO_INPUT);
        expectedGaps.retainAll(routes);
        // the gateway's 10 MB case counts as an input case, so look at the route-specific ones
        Set<String> noSpecific = new TreeSet<>(routes);
        cases.stream().filter(c -> c.kind().equals("input") || c.kind().equals("tenant")).forEach(c -> noSpecific.remove(c.route()));
        assertEquals(expectedGaps, noSpecific, "routes without bad-input cases (only routes that read no input may lack them)");
        assertEquals(routes, withAuthCases, "every route has the auth cases");
        assertTrue(noInputCases.isEmpty(), "every route has a gateway case: " + noInputCases);
    }

    @TestFactory
    @Order(2)
    Stream<DynamicTest> everyRouteRefusesBadInputAndChangesNothing() {
        Iterator<Case> it = cases.iterator();
        return Stream.generate(() -> it.hasNext() ? it.next() : null).takeWhile(c -> c != null)
                .map(c -> DynamicTest.dynamicTest(c.display(), () -> check(c)));
    }

    private void check(Case c) {
        AssertionError wrong = null;
        try {
            Http.Response r = c.req().send(api, c.token());
            assertAnswer(c, r);
            if (c.twin() != null) {
                Http.Response twin = c.twin().send(api, c.token());
                assertAnswer(c, twin);
                assertEquals(comparable(twin, c.sameButIds()), comparable(r, c.sameButIds()),
                        "another tenant's thing must answer exactly like a missing one");
            }
        } catch (AssertionError e) {
            wrong = e;
        }
        RawState.Snapshot after = raw.snapshot();
        List<String> diff = baseline.diff(after);
        if (!diff.isEmpty()) {
            baseline = after; // judge the next cases on their own
            failures.add(c.display());
        }
        if (wrong != null) {
            throw wrong;
        }
        assertTrue(diff.isEmpty(), () -> c.display() + " changed the stored state:\n  " + String.join("\n  ", diff));
    }

    private static void assertAnswer(Case c, Http.Response r) {
        String text = r.text();
        assertEquals(c.expect().status(), r.status(), () -> c.display() + " -> " + r.status() + " " + abbreviate(text));
        for (String leak : LEAKS) {
            assertFalse(text.contains(leak), () -> "the answer leaks '" + leak + "': " + abbreviate(text));
        }
        String type = r.header("content-type");
        assertNotNull(type, "an error answer has a content type");
        assertTrue(type.startsWith("application/json"), type);
        JsonNode body = r.json();
        assertTrue(body.isObject(), text);
        Set<String> fields = new HashSet<>();
        body.fieldNames().forEachRemaining(fields::add);
        if (c.expect().code() == null) {
            assertEquals(Set.of("message"), fields, "API Gateway's own errors are {\"message\": ...}: " + text);
            assertEquals(c.expect().gatewayMessage(), body.path("message").asText());
            return;
        }
        assertTrue(fields.containsAll(Set.of("error", "message", "requestId")), "the error shape: " + text);
        assertTrue(Set.of("error", "message", "requestId", "details").containsAll(fields), "only the error shape's fields: " + text);
        assertEquals(c.expect().code(), body.path("error").asText(), () -> c.display() + ": " + abbreviate(text));
        assertTrue(CODE.matcher(body.path("error").asText()).matches(), text);
        assertTrue(body.path("message").isTextual() && !body.path("message").asText().isBlank(), text);
        assertTrue(body.path("message").asText().length() < 300, "a short message for people: " + text);
        assertEquals(r.header("apigw-requestid"), body.path("requestId").asText(), "the request id is the gateway's");
        if (fields.contains("details")) {
            assertTrue(body.path("details").isObject(), text);
        }
    }

    private static String comparable(Http.Response r, boolean butIds) {
        ObjectNode body = (ObjectNode) r.json().deepCopy();
        body.remove("requestId");
        String s = body.toString();
        return butIds ? HEX64.matcher(s).replaceAll("<id>") : s;
    }

    private static String abbreviate(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    /** The change feed from {@code cursor} to now, as path -> version (the latest change of each file). */
    private static Map<String, String> feed(Tenant t, String cursor) {
        Map<String, String> out = new TreeMap<>();
        for (int pages = 0; pages < 100; pages++) {
            JsonNode page = Tenant.expect(200, t.get("/v1/changes?limit=1000&cursor=" + Tenant.encode(cursor)));
            page.path("changes").forEach(c -> out.put(c.path("path").asText(), c.path("version").asText()));
            cursor = page.path("cursor").asText();
            if (!page.path("more").asBoolean()) {
                return out;
            }
        }
        throw new AssertionError("the change feed does not end");
    }

    private static Map<String, String> versions(JsonNode observedTenant) {
        Map<String, String> out = new TreeMap<>();
        observedTenant.path("files").forEach(f -> out.put(f.path("path").asText(), f.path("version").asText()));
        return out;
    }

    @Test
    @Order(3)
    void theTenantsSeeExactlyWhatTheyHadBefore() throws InterruptedException {
        assertTrue(failures.isEmpty(), "cases that changed the stored state: " + failures);
        assertEquals(observedBefore, observed(), "listings, files and histories after all the bad requests");
        // The change feed shows a change only once it has settled (10 s); the cases took longer than that as a rule.
        long settle = Duration.ofSeconds(11).toNanos() - (System.nanoTime() - fixtureDone);
        if (settle > 0) {
            Thread.sleep(settle / 1_000_000);
        }
        assertEquals(versions(observedBefore.path(alice.user)), feed(alice, changeCursor),
                "alice's change feed since the fixture: the fixture's own changes, nothing else");
        assertEquals(versions(observedBefore.path(bob.user)), feed(bob, bobChangeCursor), "bob's change feed");
        List<String> diff = baseline.diff(raw.snapshot());
        assertTrue(diff.isEmpty(), () -> "the stored state changed:\n  " + String.join("\n  ", diff));
    }

    @Test
    @Order(4)
    void theValidRequestsOfTheTableAreServed() {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        valid.forEach((route, req) -> {
            Http.Response r = req.send(api, alice.token);
            statuses.put(route, r.status());
            if (r.status() / 100 != 2) {
                failed.add(route + " -> " + r.status() + " " + abbreviate(r.text()));
            }
        });
        assertTrue(failed.isEmpty(), "each route's valid request must be served:\n  " + String.join("\n  ", failed));
        assertEquals(201, statuses.get(COMMITS), "the valid commit really commits");
        List<String> diff = baseline.diff(raw.snapshot());
        assertFalse(diff.isEmpty(), "the valid requests do change the stored state (the snapshot sees changes)");
    }

}
