package dev.chunkvault.api.wiring;

import dev.chunkvault.api.auth.ConnectAuthorizer;
import dev.chunkvault.api.auth.JwksSource;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.aws.ApiGatewayPusher;
import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.aws.DynamoItemStore;
import dev.chunkvault.aws.FaultInjector;
import dev.chunkvault.aws.S3BlobStore;
import dev.chunkvault.aws.S3ChunkPresigner;
import dev.chunkvault.service.blob.BlobStore;
import dev.chunkvault.service.blob.Presigner;
import dev.chunkvault.service.notify.Connections;
import dev.chunkvault.service.notify.Notifier;
import dev.chunkvault.service.notify.Pusher;
import dev.chunkvault.service.store.ItemStore;
import dev.chunkvault.service.vault.AuditService;
import dev.chunkvault.service.vault.CommitBatches;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.ConflictService;
import dev.chunkvault.service.vault.DeltaService;
import dev.chunkvault.service.vault.GcService;
import dev.chunkvault.service.vault.Parallel;
import dev.chunkvault.service.vault.ReadService;
import dev.chunkvault.service.vault.Retry;
import dev.chunkvault.service.vault.RewindService;
import dev.chunkvault.service.vault.Settings;
import dev.chunkvault.service.vault.Tables;
import dev.chunkvault.service.vault.PackService;
import dev.chunkvault.service.vault.UploadService;
import dev.chunkvault.service.vault.Usage;
import dev.chunkvault.service.vault.UsageService;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The one place configuration is read: a function's environment becomes clients, adapters, settings and
 * services. Handlers get a {@code Wiring} from their no-arg constructor ({@code System.getenv()}) or from
 * the local cloud (the template's environment plus local endpoints). Everything is built once per cold
 * start, lazily, so each function pays only for what it uses.
 *
 * <p>Environment: {@code FILES_TABLE, VERSIONS_TABLE, CHUNKS_TABLE, REFS_TABLE, CONTROL_TABLE, CHUNK_BUCKET}
 * (required); {@code RETENTION_DAYS} (30), {@code GC_GRACE_HOURS} (24), {@code SERVICE_NAME} (chunkvault),
 * {@code STORE_PARALLELISM} (16), {@code COMMIT_BUDGET_SECONDS} (20), {@code DEFAULT_QUOTA_GIB} (0 = unlimited),
 * {@code MAX_VERSIONS_PER_FILE_PER_HOUR} (0 = unlimited); push notifications: {@code CONNECTIONS_TABLE},
 * {@code NOTIFY_URL} (the WebSocket URL clients connect to), {@code NOTIFY_CATCH_UP_SECONDS} (600),
 * {@code NOTIFY_MANAGEMENT_ENDPOINT} (where the notifier
 * posts to connections), {@code JWT_ISSUER}, {@code JWT_AUDIENCE} (comma-separated) and optionally
 * {@code JWT_JWKS_URL} (the WebSocket authorizer; without it the keys are found by OpenID discovery); endpoint
 * overrides as read by {@link AwsClients}; {@code CHUNKVAULT_FAULTS} enables fault injection (tests only);
 * {@code CHUNKVAULT_CLOCK_OFFSET_SECONDS} moves the clock (local cloud only).
 */
public final class Wiring {
    public static final List<String> REQUIRED = List.of("FILES_TABLE", "VERSIONS_TABLE", "CHUNKS_TABLE",
            "REFS_TABLE", "CONTROL_TABLE", "CONNECTIONS_TABLE", "CHUNK_BUCKET");
    /** Which environment variable names the physical table of each of the service's tables. */
    public static final Map<String, String> TABLE_VARIABLES = Map.of(Tables.FILES, "FILES_TABLE",
            Tables.VERSIONS, "VERSIONS_TABLE", Tables.CHUNKS, "CHUNKS_TABLE", Tables.REFS, "REFS_TABLE",
            Tables.CONTROL, "CONTROL_TABLE", Tables.CONNECTIONS, "CONNECTIONS_TABLE");

    private final Map<String, String> env;
    private final Settings settings;
    private final Clock clock;
    private final String service;
    private final Supplier<ItemStore> items;
    private final Supplier<BlobStore> blobs;
    private final Supplier<Presigner> presigner;
    private final Supplier<Parallel> parallel;
    private final Supplier<UploadService> uploads;
    private final Supplier<PackService> packs;
    private final Supplier<CommitService> commits;
    private final Supplier<CommitBatches> commitBatches;
    private final Supplier<ReadService> reads;
    private final Supplier<RewindService> rewinds;
    private final Supplier<GcService> gc;
    private final Supplier<AuditService> audit;
    private final Supplier<DeltaService> deltas;
    private final Supplier<ConflictService> conflicts;
    private final Supplier<UsageService> usage;
    private final Supplier<Connections> connections;
    private final Supplier<Pusher> pusher;
    private final Supplier<Notifier> notifier;
    private final Supplier<ConnectAuthorizer> connectAuthorizer;

    private Wiring(Map<String, String> env, Settings s, Clock clock, Supplier<ItemStore> items,
                   Supplier<BlobStore> blobs, Supplier<Presigner> presigner,
                   Supplier<Pusher> pusher) {
        this.env = Map.copyOf(env);
        this.settings = s;
        this.clock = clock;
        this.service = env.getOrDefault("SERVICE_NAME", "chunkvault");
        this.items = items;
        this.blobs = blobs;
        this.presigner = presigner;
        this.parallel = memo(() -> {
            ExecutorService pool = Executors.newFixedThreadPool(s.parallelism(), r -> {
                Thread t = new Thread(r, "store-io");
                t.setDaemon(true);
                return t;
            });
            return new Parallel(pool, s.parallelism());
        });
        this.uploads = memo(() -> new UploadService(items.get(), presigner.get(), clock, s, parallel.get(), retry()));
        PackService.SealLimits sealLimits = sealLimits(env);
        this.packs = memo(() -> new PackService(items.get(), blobs.get(), presigner.get(), clock, s, parallel.get(), retry(),
                dev.chunkvault.service.vault.PackIds.secure(), sealLimits));
        this.commits = memo(() -> new CommitService(items.get(), blobs.get(), clock, s, parallel.get(), retry()));
        this.commitBatches = memo(() -> new CommitBatches(packs.get(), commits.get()));
        this.reads = memo(() -> new ReadService(items.get(), blobs.get(), presigner.get(), clock, s, retry()));
        this.rewinds = memo(() -> new RewindService(items.get(), commits.get(), clock, s, retry()));
        this.gc = memo(() -> new GcService(items.get(), blobs.get(), clock, System::nanoTime, s, parallel.get(), retry()));
        this.audit = memo(() -> new AuditService(items.get(), blobs.get(), clock, s, retry()));
        DeltaService.BatchLimits deltaBatch = deltaBatchLimits(env);
        this.deltas = memo(() -> new DeltaService(items.get(), blobs.get(), presigner.get(), clock, s, parallel.get(), retry(),
                deltaBatch));
        this.conflicts = memo(() -> new ConflictService(items.get(), blobs.get(), clock, s, retry()));
        this.usage = memo(() -> new UsageService(items.get(), s, retry()));
        this.pusher = pusher;
        this.connections = memo(() -> new Connections(items.get(), clock, retry()));
        this.notifier = memo(() -> new Notifier(connections.get(), pusher.get(),
                parallel.get()));
        this.connectAuthorizer = memo(() -> connectAuthorizer(env, clock));
    }

    /** The WebSocket authorizer's verifier: {@code JWT_ISSUER}, {@code JWT_AUDIENCE}, optional {@code JWT_JWKS_URL}. */
    private static ConnectAuthorizer connectAuthorizer(Map<String, String> env, Clock clock) {
        String issuer = env.get("JWT_ISSUER");
        String audience = env.get("JWT_AUDIENCE");
        if (blank(issuer) || blank(audience)) {
            throw new IllegalStateException("missing environment variables: JWT_ISSUER and JWT_AUDIENCE");
        }
        java.util.Set<String> audiences = java.util.Arrays.stream(audience.split(",")).map(String::trim)
                .filter(a -> !a.isEmpty()).collect(java.util.stream.Collectors.toSet());
        String jwks = env.get("JWT_JWKS_URL");
        return new ConnectAuthorizer(issuer, audiences, new JwksSource(
                issuer, blank(jwks) ? null : URI.create(jwks), JwksSource.http(), clock), clock);
    }

    /** The production wiring: DynamoDB and S3, configured by the function's environment. */
    public static Wiring fromEnv(Map<String, String> env) {
        return fromEnv(env, List.of());
    }

    /**
     * The production wiring with extra SDK interceptors on every client (tests record or disturb the calls a
     * function makes this way).
     */
    public static Wiring fromEnv(Map<String, String> env, List<ExecutionInterceptor> extraInterceptors) {
        List<String> missing = REQUIRED.stream().filter(k -> blank(env.get(k))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing environment variables: " + missing);
        }
        Settings s = Settings.DEFAULTS
                .withRetention(Duration.ofDays(longEnv(env, "RETENTION_DAYS", 30)))
                .withGrace(Duration.ofHours(longEnv(env, "GC_GRACE_HOURS", 24)))
                .withParallelism((int) longEnv(env, "STORE_PARALLELISM", 16))
                .withCommitBudget(Duration.ofSeconds(commitBudgetSeconds(longEnv(env, "COMMIT_BUDGET_SECONDS", 20))))
                .withDefaultQuotaBytes(quotaBytes(longEnv(env, "DEFAULT_QUOTA_GIB", 0)))
                .withMaxVersionsPerFilePerHour(versionsPerHour(longEnv(env, "MAX_VERSIONS_PER_FILE_PER_HOUR", 0)));
        String faults = env.get("CHUNKVAULT_FAULTS");
        List<ExecutionInterceptor> interceptors = new java.util.ArrayList<>(extraInterceptors);
        if (!blank(faults)) {
            interceptors.add(FaultInjector.parse(faults));
        }
        Supplier<AwsClients> clients = memo(() -> new AwsClients(env, s.storeCallTimeout(), interceptors));
        Wiring w = new Wiring(env, s, clock(env),
                memo(() -> new DynamoItemStore(clients.get().dynamo(), Tables.all(), physicalTables(env), s.storeCallTimeout())),
                memo(() -> new S3BlobStore(clients.get().s3(), env.get("CHUNK_BUCKET"), s.storeCallTimeout())),
                memo(() -> new S3ChunkPresigner(clients.get().presigner(), env.get("CHUNK_BUCKET"))),
                memo(() -> new ApiGatewayPusher(clients.get().connections(
                        URI.create(required(env, "NOTIFY_MANAGEMENT_ENDPOINT"))))));
        Priming.register(w);
        return w;
    }

    /**
     * The services' clock: the system's, or — in the local cloud only, where {@code CHUNKVAULT_CLOCK_OFFSET_SECONDS} is
     * given with endpoint overrides — that many seconds ahead, so that retention, grace periods and GC can be tried
     * (and tested, across restarts) without waiting. Presigned URLs and tokens keep the real time.
     */
    static Clock clock(Map<String, String> env) {
        long offset = longEnv(env, "CHUNKVAULT_CLOCK_OFFSET_SECONDS", 0);
        if (offset == 0) {
            return Clock.systemUTC();
        }
        if (blank(env.get("AWS_ENDPOINT_URL_DYNAMODB"))) {
            throw new IllegalStateException("CHUNKVAULT_CLOCK_OFFSET_SECONDS is for the local cloud only");
        }
        return Clock.offset(Clock.systemUTC(), Duration.ofSeconds(offset));
    }

    private static Map<String, String> physicalTables(Map<String, String> env) {
        Map<String, String> out = new java.util.HashMap<>();
        TABLE_VARIABLES.forEach((table, variable) -> {
            if (!blank(env.get(variable))) {
                out.put(table, env.get(variable));
            }
        });
        return Map.copyOf(out);
    }

    /** What SnapStart's hook does before the snapshot ({@link Priming}); the cold-start measurement calls it too. */
    public void prime() throws java.io.IOException, java.security.NoSuchAlgorithmException {
        Priming.prime(this);
    }

    /** Builds the store, blob and presign clients (and the notifier's, where configured) without calling anything. */
    void buildClients() {
        items.get();
        blobs.get();
        presigner.get();
        if (!blank(env.get("NOTIFY_MANAGEMENT_ENDPOINT"))) {
            pusher.get();
        }
    }

    /** Wiring over given ports (handler tests run the real handlers on the in-memory fakes this way). */
    public static Wiring of(ItemStore items, BlobStore blobs, Presigner presigner, Clock clock, Settings settings) {
        return of(items, blobs, presigner, clock, settings, (id, message) -> {
            throw new IllegalStateException("no pusher in this wiring");
        }, Map.of());
    }

    /** Wiring over given ports, with a pusher for notifications and extra environment (NOTIFY_URL, JWT_*). */
    public static Wiring of(ItemStore items, BlobStore blobs, Presigner presigner, Clock clock, Settings settings,
                            Pusher pusher, Map<String, String> env) {
        return new Wiring(env, settings, clock, () -> items, () -> blobs, () -> presigner, () -> pusher);
    }

    private static Retry retry() {
        return Retry.standard();
    }

    public Settings settings() {
        return settings;
    }

    public UploadService uploads() {
        return uploads.get();
    }

    public PackService packs() {
        return packs.get();
    }

    public CommitService commits() {
        return commits.get();
    }

    /** Commit batches that may carry packs to seal first. */
    public CommitBatches commitBatches() {
        return commitBatches.get();
    }

    public ReadService reads() {
        return reads.get();
    }

    public RewindService rewinds() {
        return rewinds.get();
    }

    public GcService gc() {
        return gc.get();
    }

    public AuditService audit() {
        return audit.get();
    }

    public DeltaService deltas() {
        return deltas.get();
    }

    public ConflictService conflicts() {
        return conflicts.get();
    }

    public UsageService usage() {
        return usage.get();
    }

    public Connections connections() {
        return connections.get();
    }

    public Notifier notifier() {
        return notifier.get();
    }

    public ConnectAuthorizer connectAuthorizer() {
        return connectAuthorizer.get();
    }

    /**
     * How often a client with a socket still reads the change feed ({@code NOTIFY_CATCH_UP_SECONDS}, default 600, 1 to
     * 3600): a notification lost (its notifier failed) waits at most this long.
     */
    public int notifyCatchUpSeconds() {
        long s = longEnv(env, "NOTIFY_CATCH_UP_SECONDS", 600);
        if (s < 1 || s > 3600) {
            throw new IllegalStateException("environment variable NOTIFY_CATCH_UP_SECONDS must be 1 to 3600");
        }
        return (int) s;
    }

    /** Where clients open their notification socket ({@code NOTIFY_URL}), if this deployment has one. */
    public Optional<String> notifyUrl() {
        String url = env.get("NOTIFY_URL");
        return blank(url) ? Optional.empty() : Optional.of(url.trim());
    }

    /** A logger for one function, writing JSON lines to stdout. */
    public StructuredLog log(String function) {
        return new StructuredLog(service, env.getOrDefault("AWS_LAMBDA_FUNCTION_NAME", function), null, System.out);
    }

    /** The template allows 0–25 s: a commit request must answer well inside the functions' 29 s timeout. */
    static long commitBudgetSeconds(long seconds) {
        if (seconds < 0 || seconds > 25) {
            throw new IllegalStateException("environment variable COMMIT_BUDGET_SECONDS must be 0 to 25 seconds");
        }
        return seconds;
    }

    /** The template's DefaultQuotaGiB: whole GiB, 0 = unlimited. */
    static long quotaBytes(long gib) {
        if (gib < 0 || gib > (Usage.MAX_QUOTA_BYTES >> 30)) {
            throw new IllegalStateException("environment variable DEFAULT_QUOTA_GIB must be 0 (unlimited) to "
                    + (Usage.MAX_QUOTA_BYTES >> 30));
        }
        return gib << 30;
    }

    /**
     * The bounds of one delta batch ({@code POST /v1/delta-upload-batch}): {@code DELTA_BATCH_MAX_ITEMS} deltas and
     * {@code DELTA_BATCH_MAX_REBUILT_MIB} of rebuilt chunks, each defaulting to {@link DeltaService.BatchLimits#DEFAULTS}.
     */
    static DeltaService.BatchLimits deltaBatchLimits(Map<String, String> env) {
        DeltaService.BatchLimits d = DeltaService.BatchLimits.DEFAULTS;
        long items = longEnv(env, "DELTA_BATCH_MAX_ITEMS", d.maxItems());
        long mib = longEnv(env, "DELTA_BATCH_MAX_REBUILT_MIB", d.maxRebuiltBytes() >> 20);
        if (items < 1 || items > 10_000 || mib < 8 || mib > 1024) {
            throw new IllegalStateException("environment variables DELTA_BATCH_MAX_ITEMS (1 to 10000) and"
                    + " DELTA_BATCH_MAX_REBUILT_MIB (8 to 1024) are out of range");
        }
        return new DeltaService.BatchLimits((int) items, mib << 20);
    }

    /**
     * The bounds on the plain bytes seals decode: a pack declares at most {@link
     * dev.chunkvault.core.pack.PackFormat#MAX_PACK_PLAIN_BYTES} (fixed: clients close their packs before it), and one
     * request decodes at most {@code SEAL_MAX_PLAIN_MIB_PER_REQUEST} to seal packs (default 256; from one pack's bound
     * to 1024), the packs past it left PENDING for another request (docs/compression.md).
     */
    static PackService.SealLimits sealLimits(Map<String, String> env) {
        PackService.SealLimits d = PackService.SealLimits.DEFAULTS;
        long mib = longEnv(env, "SEAL_MAX_PLAIN_MIB_PER_REQUEST", d.maxSealPlainBytesPerRequest() >> 20);
        if (mib < (d.maxPackPlainBytes() >> 20) || mib > 1024) {
            throw new IllegalStateException("environment variable SEAL_MAX_PLAIN_MIB_PER_REQUEST must be "
                    + (d.maxPackPlainBytes() >> 20) + " to 1024");
        }
        return new PackService.SealLimits(d.maxPackPlainBytes(), mib << 20);
    }

    /** The template's MaxVersionsPerFilePerHour: 0 = unlimited. */
    static int versionsPerHour(long n) {
        if (n < 0 || n > 1_000_000) {
            throw new IllegalStateException("environment variable MAX_VERSIONS_PER_FILE_PER_HOUR must be 0 (unlimited)"
                    + " to 1000000");
        }
        return (int) n;
    }

    private static long longEnv(Map<String, String> env, String name, long fallback) {
        String v = env.get(name);
        if (blank(v)) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("environment variable " + name + " is not a number");
        }
    }

    private static String required(Map<String, String> env, String name) {
        if (blank(env.get(name))) {
            throw new IllegalStateException("missing environment variable: " + name);
        }
        return env.get(name).trim();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static <T> Supplier<T> memo(Supplier<T> s) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        v = value;
                        if (v == null) {
                            v = s.get();
                            value = v;
                        }
                    }
                }
                return v;
            }
        };
    }
}
