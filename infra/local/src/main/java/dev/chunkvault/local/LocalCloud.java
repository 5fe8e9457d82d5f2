package dev.chunkvault.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.aws.AwsClients;
import dev.chunkvault.emulators.Credentials;
import dev.chunkvault.emulators.FreePorts;
import dev.chunkvault.emulators.LocalDynamo;
import dev.chunkvault.emulators.LocalS3;
import dev.chunkvault.emulators.PortInUseException;
import dev.chunkvault.api.auth.JwtVerifier;
import dev.chunkvault.local.auth.LocalIssuer;
import dev.chunkvault.local.http.ConsoleSite;
import dev.chunkvault.local.http.LocalEndpoints;
import dev.chunkvault.local.http.OAuthEndpoints;
import dev.chunkvault.local.http.LocalHttpApi;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.schedule.LocalScheduler;
import dev.chunkvault.local.schedule.ScheduleExpression;
import dev.chunkvault.local.template.Iam;
import dev.chunkvault.local.template.SamTemplate;
import dev.chunkvault.local.template.TemplateException;
import dev.chunkvault.local.ws.LocalStreamMapping;
import dev.chunkvault.local.ws.LocalWebSocketApi;
import java.net.BindException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole cloud on one machine, in one JVM, with no AWS account and no Docker: DynamoDB Local and s3proxy
 * (Signature V4 enforced) in-process, the template's tables and buckets created from the template's own resource
 * definitions, an HTTP API that routes each request to the handler class the template names — constructed with the
 * environment the template gives it, plus local endpoints — behind a JWT authorizer that validates tokens like API
 * Gateway (with a local issuer standing in for Cognito), and the template's schedules fired as EventBridge would.
 * Each function reaches the local S3 with an access key of its own, which the local S3 limits to that function's
 * template policies the way S3 applies a role's (refused actions, and 403 rather than 404 for a missing key without
 * {@code s3:ListBucket}), so the template's policies and the code are tested together.
 *
 * <p>{@link Options#inMemory()} is for tests (free ports, nothing on disk, no schedules firing);
 * {@link Options#persistent(Path)} is the run mode ({@code infra/local-cloud start}): fixed ports, data and the
 * signing key kept in a directory, so files and tokens survive a restart.
 */
public final class LocalCloud implements AutoCloseable, LocalEndpoints.Control {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCloud.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int DEFAULT_API_PORT = 4750;
    public static final int DEFAULT_S3_PORT = 4751;
    public static final int DEFAULT_DYNAMODB_PORT = 4752;
    public static final int DEFAULT_WS_PORT = 4753;
    /**
     * The emulators' own identity (the bucket owner, unlimited; DynamoDB Local wants alphanumeric key ids): this fixed
     * one for in-memory clouds (tests); persistent ones make their own (see {@link #credentials()}). Each function gets
     * an access key of its own, derived from it and limited by the function's policies in the local S3.
     */
    public static final Credentials CREDENTIALS = new Credentials("chunkvaultlocal", "chunkvaultlocalsecret");

    /**
     * @param template  template.yaml, or null to find it in the working directory or a parent
     * @param dataDir   where DynamoDB Local, s3proxy and the signing key keep their data; null for memory only
     * @param apiPort   the HTTP API's port (0: any free one); likewise {@code s3Port} and {@code dynamoPort}
     * @param schedules whether the template's schedules fire by themselves (they can always be run on demand)
     */
    public record Options(Path template, Path dataDir, int apiPort, int s3Port, int dynamoPort, int wsPort, boolean schedules,
                          Map<String, String> parameters, Map<String, String> environment, String stack,
                          LocalFunction.HandlerFactory handlers, Clock clock) {
        public Options {
            parameters = Map.copyOf(parameters);
            environment = Map.copyOf(environment);
        }

        public static Options inMemory() {
            return new Options(null, null, 0, 0, 0, 0, false, Map.of(), Map.of(), "chunkvault-local",
                    LocalFunction.HandlerFactory.DEFAULT, Clock.systemUTC());
        }

        public static Options persistent(Path dataDir) {
            return new Options(null, dataDir, DEFAULT_API_PORT, DEFAULT_S3_PORT, DEFAULT_DYNAMODB_PORT, DEFAULT_WS_PORT, true, Map.of(),
                    Map.of(), "chunkvault-local", LocalFunction.HandlerFactory.DEFAULT, Clock.systemUTC());
        }

        public Options withTemplate(Path t) {
            return new Options(t, dataDir, apiPort, s3Port, dynamoPort, wsPort, schedules, parameters, environment, stack, handlers, clock);
        }

        public Options withPorts(int api, int s3, int dynamo) {
            return new Options(template, dataDir, api, s3, dynamo, api == 0 ? 0 : api + 3, schedules, parameters, environment, stack,
                    handlers, clock);
        }

        /** The WebSocket API's port (default: the HTTP API's + 3; 0: any free one). */
        public Options withWebSocketPort(int ws) {
            return new Options(template, dataDir, apiPort, s3Port, dynamoPort, ws, schedules, parameters, environment, stack, handlers, clock);
        }

        public Options withSchedules(boolean on) {
            return new Options(template, dataDir, apiPort, s3Port, dynamoPort, wsPort, on, parameters, environment, stack, handlers, clock);
        }

        /** Template parameter values (like {@code sam deploy --parameter-overrides}). */
        public Options withParameters(Map<String, String> p) {
            return new Options(template, dataDir, apiPort, s3Port, dynamoPort, wsPort, schedules, p, environment, stack, handlers, clock);
        }

        /** Extra environment variables for every function (after the template's and the local endpoints). */
        public Options withEnvironment(Map<String, String> env) {
            return new Options(template, dataDir, apiPort, s3Port, dynamoPort, wsPort, schedules, parameters, env, stack, handlers, clock);
        }

        public Options withHandlers(LocalFunction.HandlerFactory h) {
            return new Options(template, dataDir, apiPort, s3Port, dynamoPort, wsPort, schedules, parameters, environment, stack, h, clock);
        }
    }

    private final Options options;
    private final SamTemplate template;
    private final LocalDynamo dynamo;
    private final LocalS3 s3;
    private final LocalIssuer issuer;
    private final Map<String, LocalFunction> functions;
    private final LocalHttpApi api;
    private final LocalScheduler scheduler;
    private final LocalWebSocketApi webSocket;
    private final List<LocalStreamMapping> streams;
    private final Instant startedAt;
    private final Duration startup;
    private volatile boolean closed;

    private LocalCloud(Options options, SamTemplate template, LocalDynamo dynamo, LocalS3 s3, LocalIssuer issuer,
                       Map<String, LocalFunction> functions, LocalHttpApi api, LocalScheduler scheduler,
                       LocalWebSocketApi webSocket, List<LocalStreamMapping> streams, Instant startedAt, Duration startup) {
        this.options = options;
        this.template = template;
        this.dynamo = dynamo;
        this.s3 = s3;
        this.issuer = issuer;
        this.functions = functions;
        this.api = api;
        this.scheduler = scheduler;
        this.webSocket = webSocket;
        this.streams = List.copyOf(streams);
        this.startedAt = startedAt;
        this.startup = startup;
    }

    /**
     * Starts everything, or nothing: a failure part-way stops what was started.
     *
     * @throws PortInUseException if a fixed port is taken (another local cloud is probably running)
     * @throws TemplateException  if the template cannot be run locally
     */
    public static LocalCloud start(Options options) {
        long t0 = System.nanoTime();
        Path templateFile = options.template() != null ? options.template() : findTemplate();
        SamTemplate template = SamTemplate.load(templateFile, options.stack(), options.parameters());
        for (int port : new int[] {options.apiPort(), options.s3Port(), options.dynamoPort(), options.wsPort()}) {
            if (port != 0 && FreePorts.isBusy(port)) {
                throw new PortInUseException("the local cloud", port);
            }
        }
        List<AutoCloseable> started = new ArrayList<>();
        try {
            Path data = options.dataDir();
            Credentials credentials = data == null ? CREDENTIALS : storedCredentials(data.resolve("keys").resolve("emulator-credentials"));
            LocalDynamo dynamo = LocalDynamo.start(LocalDynamo.Options.inMemory().withPort(options.dynamoPort())
                    .withDbPath(data == null ? null : data.resolve("dynamodb")));
            started.add(dynamo);
            // Each function signs its S3 requests (and the URLs it presigns) with its own access key, limited by the
            // template's policies for it, as a function's execution role is on AWS.
            Map<String, Credentials> functionCredentials = new LinkedHashMap<>();
            List<LocalS3.Identity> identities = new ArrayList<>();
            for (SamTemplate.Function f : template.functions()) {
                Credentials c = functionCredentials(credentials, f.logicalId());
                functionCredentials.put(f.logicalId(), c);
                List<Object> policies = f.policies();
                identities.add(new LocalS3.Identity(c, (action, resource) -> Iam.allows(policies, action, resource)));
            }
            LocalS3 s3 = LocalS3.start(LocalS3.Options.temporary().withPort(options.s3Port()).withCredentials(credentials)
                    .withIdentities(identities).withDataDir(data == null ? null : data.resolve("s3")));
            started.add(s3);

            Map<String, String> localEnv = new LinkedHashMap<>();
            localEnv.put("AWS_REGION", SamTemplate.REGION);
            localEnv.put("AWS_DEFAULT_REGION", SamTemplate.REGION);
            localEnv.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
            localEnv.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
            localEnv.put("S3_FORCE_PATH_STYLE", "true");
            localEnv.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
            localEnv.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
            try (DynamoDbClient ddb = new AwsClients(localEnv, Duration.ofSeconds(30), List.of()).dynamo()) {
                Provisioner.tables(ddb, template.tables());
            }
            Provisioner.buckets(s3, template.buckets());

            // The WebSocket API first: its URL goes into the functions' environment, its routes reach them once made.
            Map<String, LocalFunction> functions = new java.util.concurrent.ConcurrentHashMap<>();
            LocalWebSocketApi webSocket = null;
            if (!template.webSocketApis().isEmpty()) {
                webSocket = webSocketApi(template, options, functions, functionCredentials);
                started.add(webSocket);
                localEnv.put("NOTIFY_URL", webSocket.url().toString());
                localEnv.put("NOTIFY_MANAGEMENT_ENDPOINT", webSocket.managementEndpoint().toString());
            }

            LocalHttpApi api = null;
            LocalIssuer issuer = null;
            LocalCloud[] self = new LocalCloud[1];
            LocalEndpoints endpoints = new LocalEndpoints(new LocalEndpoints.Control() {
                @Override
                public LocalIssuer issuer() {
                    return self[0].issuer();
                }

                @Override
                public ObjectNode schedules() {
                    return self[0].schedules();
                }

                @Override
                public Optional<JsonNode> runSchedule(String name) throws Exception {
                    return self[0].runSchedule(name);
                }

                @Override
                public ObjectNode status() {
                    return self[0].status();
                }
            }, new OAuthEndpoints(() -> self[0].issuer(),
                    data == null ? null : data.resolve("keys").resolve("refresh-tokens.json"), options.clock()));
            for (int attempt = 0; api == null; attempt++) {
                int port = options.apiPort() != 0 ? options.apiPort() : FreePorts.pick();
                String issuerUrl = "http://127.0.0.1:" + port + "/local";
                issuer = data == null ? LocalIssuer.ephemeral(issuerUrl, options.clock())
                        : LocalIssuer.persistent(issuerUrl, data.resolve("keys").resolve("jwt-signing-key.pem"), options.clock());
                // The WebSocket authorizer verifies tokens of the local issuer (found by OpenID discovery, as on AWS).
                localEnv.put("JWT_ISSUER", issuerUrl);
                localEnv.put("JWT_AUDIENCE", LocalIssuer.AUDIENCE);
                List<LocalFunction> made = functions(template, options, localEnv, functionCredentials, functions);
                try {
                    api = new LocalHttpApi(port, template, functions, authorizers(template, issuer, options.clock()),
                            template.apis().isEmpty() ? null : template.apis().get(0).defaultAuthorizer(), endpoints,
                            ConsoleSite.local(s3.endpoint()), options.clock());
                    started.addAll(made);
                } catch (BindException e) {
                    made.forEach(LocalFunction::close);
                    functions.clear();
                    if (options.apiPort() != 0 || attempt >= 4) {
                        throw new PortInUseException("the local HTTP API", port);
                    }
                }
            }
            started.add(api);
            List<LocalStreamMapping> mappings = new ArrayList<>();
            for (SamTemplate.StreamSource source : template.streams()) {
                LocalStreamMapping m = new LocalStreamMapping(source, template.physicalName(source.tableId()),
                        functions.get(source.functionId()), dynamo.endpoint(), credentials);
                mappings.add(m);
                started.add(m);
            }

            List<LocalScheduler.Rule> rules = new ArrayList<>();
            for (SamTemplate.Schedule s : template.schedules()) {
                rules.add(new LocalScheduler.Rule(s.ruleName(options.stack()), s.functionId(),
                        ScheduleExpression.parse(s.expression()), s.enabled(), s.input()));
            }
            LocalScheduler scheduler = new LocalScheduler(options.clock(), rules, (rule, time) ->
                    self[0].fire(rule, time));
            started.add(scheduler);

            LocalCloud cloud = new LocalCloud(options, template, dynamo, s3, issuer, Map.copyOf(functions), api, scheduler,
                    webSocket, mappings, options.clock().instant(), Duration.ofNanos(System.nanoTime() - t0));
            self[0] = cloud;
            mappings.forEach(LocalStreamMapping::start);
            if (webSocket != null) {
                webSocket.start();
            }
            api.start();
            if (options.schedules()) {
                scheduler.start();
            }
            return cloud;
        } catch (RuntimeException e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The template's functions, each with its environment and access key; put in {@code into} by logical id. */
    private static List<LocalFunction> functions(SamTemplate template, Options options, Map<String, String> localEnv,
                                                 Map<String, Credentials> functionCredentials, Map<String, LocalFunction> into) {
        List<LocalFunction> made = new ArrayList<>();
        for (SamTemplate.Function f : template.functions()) {
            String name = template.physicalName(f.logicalId());
            Map<String, String> env = new LinkedHashMap<>(f.environment());
            env.putAll(localEnv);
            env.put("AWS_LAMBDA_FUNCTION_NAME", name);
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(f.memoryMb()));
            env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            env.put("_HANDLER", f.handler());
            env.put("AWS_ACCESS_KEY_ID", functionCredentials.get(f.logicalId()).accessKeyId());
            env.put("AWS_SECRET_ACCESS_KEY", functionCredentials.get(f.logicalId()).secretAccessKey());
            env.putAll(options.environment());
            LocalFunction lf = new LocalFunction(f, name, env, options.handlers());
            into.put(f.logicalId(), lf);
            made.add(lf);
        }
        return made;
    }

    /**
     * The template's WebSocket API (the first one), its management API open to the access keys of the functions whose
     * policies allow {@code execute-api:ManageConnections} on the connection.
     */
    private static LocalWebSocketApi webSocketApi(SamTemplate template, Options options, Map<String, LocalFunction> functions,
                                                  Map<String, Credentials> functionCredentials) {
        Map<String, List<Object>> policiesByKey = new LinkedHashMap<>();
        for (SamTemplate.Function f : template.functions()) {
            policiesByKey.put(functionCredentials.get(f.logicalId()).accessKeyId(), f.policies());
        }
        int port = options.wsPort();
        try {
            return new LocalWebSocketApi(port, template.webSocketApis().get(0), functions, (keyId, arn) ->
                    policiesByKey.containsKey(keyId) && Iam.allows(policiesByKey.get(keyId), "execute-api:ManageConnections", arn),
                    options.clock(), LocalWebSocketApi.IDLE_TIMEOUT);
        } catch (BindException e) {
            throw new PortInUseException("the local WebSocket API", port);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot open the local WebSocket API on port " + port, e);
        }
    }

    /**
     * The template's JWT authorizers with the local issuer in place of the template's (Cognito, or an external issuer
     * only reachable on AWS): same names and identity sources, tokens verified through the local issuer's JWKS.
     */
    private static Map<String, LocalHttpApi.Authorizer> authorizers(SamTemplate template, LocalIssuer issuer, Clock clock) {
        Map<String, LocalHttpApi.Authorizer> out = new LinkedHashMap<>();
        for (SamTemplate.HttpApi a : template.apis()) {
            for (SamTemplate.JwtAuthorizer j : a.authorizers().values()) {
                String source = j.identitySource();
                if (!source.startsWith("$request.header.")) {
                    throw new TemplateException("authorizer " + j.name() + ": only $request.header.* identity sources are supported");
                }
                out.put(j.name(), new LocalHttpApi.Authorizer(j.name(), source.substring("$request.header.".length()),
                        new JwtVerifier(issuer.issuer(), Set.of(LocalIssuer.AUDIENCE), issuer.jwks(), clock)));
            }
        }
        return out;
    }

    /**
     * The emulators' identity in the run mode: random, made on first start and kept (owner-only) with the data, so
     * nobody who merely knows this source code can sign requests to this machine's s3proxy.
     */
    static Credentials storedCredentials(Path file) {
        try {
            if (Files.exists(file)) {
                String[] kv = Files.readString(file, StandardCharsets.US_ASCII).trim().split(":", 2);
                if (kv.length == 2 && kv[0].matches("[A-Za-z0-9]{16,}") && kv[1].length() >= 16) {
                    return new Credentials(kv[0], kv[1]);
                }
                throw new IllegalStateException(file + " is not 'keyid:secret'; delete it to make new credentials");
            }
            java.security.SecureRandom random = new java.security.SecureRandom();
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            StringBuilder id = new StringBuilder("CVL");
            for (int i = 0; i < 17; i++) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            byte[] secret = new byte[30];
            random.nextBytes(secret);
            Credentials c = new Credentials(id.toString(), java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, c.accessKeyId() + ":" + c.secretAccessKey() + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // the directory's ACL applies
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return c;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /**
     * A function's own access key, derived from the emulators' identity (so a persistent cloud's stay the same across
     * restarts and nobody without that identity's secret can make them): the key id names the function; DynamoDB Local
     * wants it alphanumeric.
     */
    static Credentials functionCredentials(Credentials owner, String logicalId) {
        if (!logicalId.matches("[A-Za-z0-9]+")) {
            throw new TemplateException("function " + logicalId + ": a logical id is alphanumeric");
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(owner.secretAccessKey().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] secret = mac.doFinal(("function:" + logicalId).getBytes(StandardCharsets.UTF_8));
            return new Credentials(owner.accessKeyId() + logicalId,
                    java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path findTemplate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path t = dir.resolve("template.yaml");
            if (Files.isRegularFile(t)) {
                return t;
            }
        }
        throw new TemplateException("no template.yaml in " + Path.of("").toAbsolutePath() + " or its parents; give --template");
    }

    /** One scheduled delivery: the EventBridge "Scheduled Event" JSON, invoked asynchronously (queued behind reserved concurrency). */
    private JsonNode fire(LocalScheduler.Rule rule, Instant time) throws Exception {
        LocalFunction f = functions.get(rule.functionId());
        byte[] event;
        if (rule.input() != null) {
            event = rule.input().getBytes(StandardCharsets.UTF_8);
        } else {
            ObjectNode e = JSON.createObjectNode();
            e.put("version", "0");
            e.put("id", UUID.randomUUID().toString());
            e.put("detail-type", "Scheduled Event");
            e.put("source", "aws.events");
            e.put("account", SamTemplate.ACCOUNT);
            e.put("time", time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            e.put("region", SamTemplate.REGION);
            e.putArray("resources").add("arn:aws:events:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":rule/" + rule.name());
            e.putObject("detail");
            event = JSON.writeValueAsBytes(e);
        }
        long t0 = System.nanoTime();
        byte[] out = f.invoke(event, UUID.randomUUID().toString(), true);
        LOG.info("schedule {} ran {} in {} ms", rule.name(), rule.functionId(), (System.nanoTime() - t0) / 1_000_000);
        return JSON.readTree(out);
    }

    // ------------------------------------------------------------------------------------------ the public API

    public URI apiEndpoint() {
        return api.endpoint();
    }

    public URI s3Endpoint() {
        return s3.endpoint();
    }

    /** Where clients open their notification socket, if the template has a WebSocket API. */
    public Optional<URI> webSocketUrl() {
        return webSocket == null ? Optional.empty() : Optional.of(webSocket.url());
    }

    /** The local WebSocket API (tests look at its connections). */
    public Optional<LocalWebSocketApi> webSocketApi() {
        return Optional.ofNullable(webSocket);
    }

    public URI dynamoEndpoint() {
        return dynamo.endpoint();
    }

    /** The identity s3proxy accepts (and DynamoDB Local is sent) in this cloud. */
    public Credentials credentials() {
        return s3.credentials();
    }

    public SamTemplate template() {
        return template;
    }

    public Options options() {
        return options;
    }

    /** How long {@link #start} took. */
    public Duration startupTime() {
        return startup;
    }

    /**
     * The environment a function runs with (the template's, plus the local endpoints and the function's own access key,
     * which the local S3 limits to the function's policies).
     */
    public Map<String, String> functionEnvironment(String logicalId) {
        LocalFunction f = functions.get(logicalId);
        if (f == null) {
            throw new IllegalArgumentException("no function " + logicalId);
        }
        return f.environment();
    }

    /**
     * A function's environment with the emulators' own identity ({@link #credentials()}) in place of the function's
     * access key: for tools and tests that look at or arrange raw state beyond what the function may do.
     */
    public Map<String, String> ownerEnvironment(String logicalId) {
        Map<String, String> env = new LinkedHashMap<>(functionEnvironment(logicalId));
        env.put("AWS_ACCESS_KEY_ID", credentials().accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", credentials().secretAccessKey());
        return Map.copyOf(env);
    }

    @Override
    public LocalIssuer issuer() {
        return issuer;
    }

    /** A token for {@code user} with the read, write and admin scopes, valid for 12 hours. */
    public String mintToken(String user) {
        return issuer.mint(user, LocalIssuer.DEFAULT_SCOPES, LocalIssuer.DEFAULT_TTL).token();
    }

    public String mintToken(String user, List<String> scopes, Duration ttl) {
        return issuer.mint(user, scopes, ttl).token();
    }

    /** Runs the nightly GC now, as its schedule would, and returns the function's output. */
    public JsonNode runGc() {
        try {
            return runSchedule("GcFunction").orElseThrow(() -> new IllegalStateException("the template has no GcFunction schedule"));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the GC run failed", e);
        }
    }

    @Override
    public Optional<JsonNode> runSchedule(String name) throws Exception {
        for (LocalScheduler.Rule r : scheduler.rules()) {
            if (r.name().equals(name) || r.functionId().equals(name)) {
                return Optional.of(fire(r, options.clock().instant()));
            }
        }
        return Optional.empty();
    }

    @Override
    public ObjectNode schedules() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("schedules");
        Map<String, Instant> next = new LinkedHashMap<>();
        scheduler.upcoming().forEach(n -> next.put(n.rule().name(), n.at()));
        for (LocalScheduler.Rule r : scheduler.rules()) {
            ObjectNode s = list.addObject();
            s.put("rule", r.name());
            s.put("function", r.functionId());
            s.put("expression", r.expression().toString());
            s.put("enabled", r.enabled());
            s.put("running", options.schedules() && r.enabled());
            s.put("next", next.containsKey(r.name()) ? next.get(r.name()).toString() : null);
        }
        return out;
    }

    @Override
    public ObjectNode status() {
        ObjectNode out = JSON.createObjectNode();
        out.put("api", apiEndpoint().toString());
        out.put("s3", s3Endpoint().toString());
        out.put("dynamodb", dynamoEndpoint().toString());
        out.put("websocket", webSocket == null ? null : webSocket.url().toString());
        out.put("websocketConnections", webSocket == null ? 0 : webSocket.openConnections());
        out.put("issuer", issuer.issuer());
        out.put("audience", LocalIssuer.AUDIENCE);
        // chunkvault login --cognito-domain <api> --client-id <oauthClientId> signs in here as on Cognito.
        out.put("oauthClientId", OAuthEndpoints.CLIENT_ID);
        out.put("authorizationEndpoint", apiEndpoint() + OAuthEndpoints.AUTHORIZE_PATH);
        out.put("tokenEndpoint", apiEndpoint() + OAuthEndpoints.TOKEN_PATH);
        out.put("template", template.file().toString());
        out.put("dataDir", options.dataDir() == null ? null : options.dataDir().toAbsolutePath().toString());
        out.put("startedAt", startedAt.toString());
        out.put("startupMillis", startup.toMillis());
        out.put("requests", api.requests());
        ObjectNode fns = out.putObject("functions");
        functions.forEach((id, f) -> {
            ObjectNode n = fns.putObject(id);
            n.put("handler", f.spec().handler());
            n.put("invocations", f.invocations());
            ArrayNode routes = n.putArray("routes");
            f.spec().routes().forEach(r -> routes.add(r.routeKey()));
        });
        return out;
    }

    /** Template properties the emulators do not reproduce (PITR, encryption, versioning, lifecycle...). */
    public List<String> notEmulated() {
        List<SamTemplate.Resource> all = new ArrayList<>(template.tables());
        all.addAll(template.buckets());
        return Provisioner.notEmulated(all);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.close();
        streams.forEach(LocalStreamMapping::close);
        if (webSocket != null) {
            webSocket.close();
        }
        api.close();
        functions.values().forEach(LocalFunction::close);
        s3.close();
        dynamo.close();
    }
}
