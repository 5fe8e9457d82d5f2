package dev.chunkvault.local.template;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the local cloud needs from a SAM template, evaluated for one local "stack": the functions (handler, the
 * environment after {@code Globals}, timeout, memory, reserved concurrency, policies), their HTTP API routes (method,
 * path, authorizer, scopes) and schedules, the HTTP API's JWT authorizers, and the DynamoDB tables and S3 buckets
 * with their properties. Intrinsics are resolved against local names: a resource's {@code Ref} is
 * {@code <stack>-<LogicalId>} (buckets lower-cased), ARNs use the local region and account.
 */
public final class SamTemplate {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";
    /** The function (and qualifier) an API Gateway Lambda integration URI names. */
    private static final java.util.regex.Pattern LAMBDA_URI = java.util.regex.Pattern.compile(
            ":function:([^:/]+)(?::[^/]+)?/invocations$");

    /**
     * One API route of a function: {@code method} is upper case or ANY; {@code apiId} is the resolved {@code ApiId}
     * (null: the implicit API); {@code authorizer} is the authorizer's name, "" for the API's default, NONE for none.
     */
    public record Route(String functionId, String eventName, String apiId, String method, String path, String authorizer,
                        List<String> scopes) {
        public String routeKey() {
            return method + " " + path;
        }
    }

    /** One schedule of a function: an EventBridge {@code cron(...)} or {@code rate(...)} expression. */
    public record Schedule(String functionId, String eventName, String expression, boolean enabled, String input) {
        public String ruleName(String stack) {
            return stack + "-" + functionId + eventName;
        }
    }

    public record Function(String logicalId, String handler, Map<String, String> environment, int timeoutSeconds,
                           int memoryMb, Integer reservedConcurrency, List<Route> routes, List<Schedule> schedules,
                           List<Object> policies, Map<String, Object> properties, List<StreamSource> streams) {
        /** The handler's class name (the part before {@code ::}). */
        public String handlerClass() {
            int at = handler.indexOf("::");
            return at < 0 ? handler : handler.substring(0, at);
        }

        /** The handler method name, {@code handleRequest} unless the template names another. */
        public String handlerMethod() {
            int at = handler.indexOf("::");
            return at < 0 ? "handleRequest" : handler.substring(at + 2);
        }
    }

    /** A JWT authorizer of the HTTP API; issuer and audiences as the template resolves them (may be unusable locally). */
    public record JwtAuthorizer(String name, String identitySource, String issuer, List<String> audiences) {}

    public record HttpApi(String logicalId, String physicalName, String defaultAuthorizer,
                          Map<String, JwtAuthorizer> authorizers) {}

    /**
     * A DynamoDB stream event source of a function (Lambda's event source mapping): the table by logical id, and the
     * mapping's batch size, starting position ({@code LATEST} or {@code TRIM_HORIZON}) and retry limits (-1: none).
     */
    public record StreamSource(String functionId, String eventName, String tableId, int batchSize, String startingPosition,
                               int maxRetries, int maxRecordAgeSeconds, boolean bisectOnError) {}

    /**
     * A route of a WebSocket API: its key ({@code $connect}, {@code $disconnect}, {@code $default} or a value of the
     * route selection expression); the REQUEST authorizer's function and identity header (null: none); the
     * integration: a function (AWS_PROXY) or, for a MOCK integration, the response template it answers with.
     */
    public record WebSocketRoute(String routeKey, String authorizerFunctionId, String identityHeader, String functionId,
                                 String mockResponse) {}

    /** An API Gateway WebSocket API ({@code AWS::ApiGatewayV2::Api}, {@code ProtocolType: WEBSOCKET}) and its stage. */
    public record WebSocketApi(String logicalId, String physicalName, String routeSelectionExpression, String stage,
                               Map<String, WebSocketRoute> routes) {}

    /** A resource the local cloud provisions, with its physical name and resolved properties. */
    public record Resource(String logicalId, String type, String physicalName, Map<String, Object> properties) {}

    private final Path file;
    private final String stack;
    private final Map<String, Object> raw;
    private final Map<String, Object> parameters;
    private final List<Function> functions;
    private final List<Resource> tables;
    private final List<Resource> buckets;
    private final List<HttpApi> apis;
    private final List<WebSocketApi> webSocketApis;

    private SamTemplate(Path file, String stack, Map<String, Object> raw, Map<String, Object> parameters,
                        List<Function> functions, List<Resource> tables, List<Resource> buckets, List<HttpApi> apis,
                        List<WebSocketApi> webSocketApis) {
        this.file = file;
        this.stack = stack;
        this.raw = raw;
        this.parameters = parameters;
        this.functions = functions;
        this.tables = tables;
        this.buckets = buckets;
        this.apis = apis;
        this.webSocketApis = webSocketApis;
    }

    public static SamTemplate load(Path file, String stack, Map<String, String> parameterOverrides) {
        Map<String, Object> raw;
        try {
            raw = CfnYaml.load(file);
        } catch (IOException e) {
            throw new TemplateException("cannot read " + file + ": " + e.getMessage());
        }
        return parse(file, raw, stack, parameterOverrides);
    }

    @SuppressWarnings("unchecked")
    static SamTemplate parse(Path file, Map<String, Object> raw, String stack, Map<String, String> overrides) {
        Map<String, Object> resources = map(raw.get("Resources"), "Resources");
        Map<String, Object> parameters = parameters(map(raw.getOrDefault("Parameters", Map.of()), "Parameters"), overrides);
        parameters.put("AWS::Region", REGION);
        parameters.put("AWS::AccountId", ACCOUNT);
        parameters.put("AWS::StackName", stack);
        parameters.put("AWS::StackId", "arn:aws:cloudformation:" + REGION + ":" + ACCOUNT + ":stack/" + stack + "/local");
        parameters.put("AWS::Partition", "aws");
        parameters.put("AWS::URLSuffix", "amazonaws.com");
        parameters.put("AWS::NotificationARNs", List.of());

        Map<String, String> types = new HashMap<>();
        resources.forEach((id, r) -> types.put(id, String.valueOf(map(r, "resource " + id).get("Type"))));
        // A stage's Ref is its name (what ARNs and URLs hold), any other resource's its physical name.
        java.util.function.Function<String, String> refOf = id -> !types.containsKey(id) ? null
                : types.get(id).equals("AWS::ApiGatewayV2::Stage") && map(map(resources.get(id), id).get("Properties"), id)
                        .get("StageName") instanceof String name ? name
                : physicalName(stack, id, types.get(id));
        Intrinsics in = new Intrinsics(parameters, refOf, (id, attr) -> attribute(stack, id, types.get(id), attr),
                map(raw.getOrDefault("Conditions", Map.of()), "Conditions"),
                map(raw.getOrDefault("Mappings", Map.of()), "Mappings"));

        Map<String, Object> globals = map(map(raw.getOrDefault("Globals", Map.of()), "Globals").getOrDefault("Function", Map.of()),
                "Globals.Function");
        List<Function> functions = new ArrayList<>();
        List<Resource> tables = new ArrayList<>();
        List<Resource> buckets = new ArrayList<>();
        List<HttpApi> apis = new ArrayList<>();
        Map<String, Map<String, Object>> gateway = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : resources.entrySet()) {
            String id = e.getKey();
            Map<String, Object> r = map(e.getValue(), "resource " + id);
            String cond = r.get("Condition") instanceof String c ? c : null;
            if (cond != null && !in.condition(cond)) {
                continue;
            }
            String type = types.get(id);
            Map<String, Object> props = map(r.getOrDefault("Properties", Map.of()), id + ".Properties");
            switch (type) {
                case "AWS::Serverless::Function" -> functions.add(function(id, props, globals, in));
                case "AWS::DynamoDB::Table" -> tables.add(new Resource(id, type, refOf.apply(id),
                        (Map<String, Object>) in.resolve(props)));
                case "AWS::S3::Bucket" -> buckets.add(new Resource(id, type, refOf.apply(id),
                        (Map<String, Object>) in.resolve(props)));
                case "AWS::Serverless::HttpApi" -> apis.add(httpApi(id, refOf.apply(id), props, in));
                case "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration",
                     "AWS::ApiGatewayV2::IntegrationResponse", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Stage" -> {
                    Map<String, Object> resolved = new LinkedHashMap<>((Map<String, Object>) in.resolve(props));
                    resolved.put("::Type", type);
                    resolved.put("::Ref", refOf.apply(id));
                    gateway.put(id, resolved);
                }
                default -> { /* identity, logs, policies: nothing to run locally */ }
            }
        }
        Map<String, String> functionByName = new HashMap<>();
        for (Function f : functions) {
            functionByName.put(physicalName(stack, f.logicalId(), "AWS::Serverless::Function"), f.logicalId());
        }
        return new SamTemplate(file, stack, raw, parameters, List.copyOf(functions), List.copyOf(tables),
                List.copyOf(buckets), List.copyOf(apis), webSocketApis(gateway, functionByName));
    }

    private static Map<String, Object> parameters(Map<String, Object> defs, Map<String, String> overrides) {
        for (String k : overrides.keySet()) {
            if (!defs.containsKey(k)) {
                throw new TemplateException("unknown parameter '" + k + "' (the template has " + defs.keySet() + ")");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : defs.entrySet()) {
            Map<String, Object> def = map(e.getValue(), "parameter " + e.getKey());
            String type = String.valueOf(def.getOrDefault("Type", "String"));
            String value = overrides.containsKey(e.getKey()) ? overrides.get(e.getKey())
                    : def.containsKey("Default") ? Intrinsics.scalar(def.get("Default")) : null;
            if (value == null) {
                throw new TemplateException("parameter '" + e.getKey() + "' has no default: give it a value");
            }
            validate(e.getKey(), def, type, value);
            out.put(e.getKey(), type.equals("CommaDelimitedList") || type.startsWith("List<")
                    ? List.copyOf(value.isEmpty() ? List.of() : List.of(value.split("\\s*,\\s*"))) : value);
        }
        return out;
    }

    private static void validate(String name, Map<String, Object> def, String type, String value) {
        if (type.equals("Number")) {
            double d;
            try {
                d = Double.parseDouble(value);
            } catch (NumberFormatException ex) {
                throw new TemplateException("parameter " + name + " must be a number, got '" + value + "'");
            }
            if (def.get("MinValue") != null && d < Double.parseDouble(Intrinsics.scalar(def.get("MinValue")))) {
                throw new TemplateException("parameter " + name + " must be at least " + Intrinsics.scalar(def.get("MinValue")));
            }
            if (def.get("MaxValue") != null && d > Double.parseDouble(Intrinsics.scalar(def.get("MaxValue")))) {
                throw new TemplateException("parameter " + name + " must be at most " + Intrinsics.scalar(def.get("MaxValue")));
            }
        }
        if (def.get("AllowedValues") instanceof List<?> allowed
                && allowed.stream().map(Intrinsics::scalar).noneMatch(value::equals)) {
            throw new TemplateException("parameter " + name + " must be one of " + allowed);
        }
    }

    @SuppressWarnings("unchecked")
    private static Function function(String id, Map<String, Object> props, Map<String, Object> globals, Intrinsics in) {
        Map<String, Object> merged = new LinkedHashMap<>(globals);
        merged.putAll(props);
        // Environment variables merge key by key (SAM's Globals semantics); the function's own win.
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.putAll(map(map(globals.getOrDefault("Environment", Map.of()), "Globals.Function.Environment")
                .getOrDefault("Variables", Map.of()), "Globals.Function.Environment.Variables"));
        vars.putAll(map(map(props.getOrDefault("Environment", Map.of()), id + ".Environment")
                .getOrDefault("Variables", Map.of()), id + ".Environment.Variables"));
        Map<String, String> env = new LinkedHashMap<>();
        vars.forEach((k, v) -> {
            String value = in.string(v, id + " environment variable " + k);
            if (value != null) {
                env.put(k, value); // AWS::NoValue removes the variable
            }
        });

        String handler = in.string(merged.get("Handler"), id + ".Handler");
        if (handler == null || handler.isBlank()) {
            throw new TemplateException(id + " has no Handler");
        }
        int timeout = (int) number(in.resolve(merged.getOrDefault("Timeout", 3)), id + ".Timeout");
        int memory = (int) number(in.resolve(merged.getOrDefault("MemorySize", 128)), id + ".MemorySize");
        Object rc = in.resolve(merged.get("ReservedConcurrentExecutions"));
        Integer reserved = rc == null ? null : (int) number(rc, id + ".ReservedConcurrentExecutions");

        List<Route> routes = new ArrayList<>();
        List<Schedule> schedules = new ArrayList<>();
        List<StreamSource> streams = new ArrayList<>();
        Map<String, Object> events = map(props.getOrDefault("Events", Map.of()), id + ".Events");
        for (Map.Entry<String, Object> ev : events.entrySet()) {
            Map<String, Object> event = map(ev.getValue(), id + ".Events." + ev.getKey());
            String type = String.valueOf(event.get("Type"));
            Map<String, Object> p = (Map<String, Object>) in.resolve(map(event.getOrDefault("Properties", Map.of()),
                    id + ".Events." + ev.getKey() + ".Properties"));
            switch (type) {
                case "HttpApi" -> {
                    String method = String.valueOf(p.getOrDefault("Method", "ANY")).toUpperCase(Locale.ROOT);
                    String path = String.valueOf(p.getOrDefault("Path", "$default"));
                    Map<String, Object> auth = map(p.getOrDefault("Auth", Map.of()), "Auth");
                    String authorizer = auth.get("Authorizer") == null ? "" : String.valueOf(auth.get("Authorizer"));
                    List<String> scopes = ((List<Object>) auth.getOrDefault("AuthorizationScopes", List.of())).stream()
                            .map(Intrinsics::scalar).toList();
                    String apiId = p.get("ApiId") == null ? null : Intrinsics.scalar(p.get("ApiId"));
                    routes.add(new Route(id, ev.getKey(), apiId, method, path, authorizer, scopes));
                }
                case "Schedule" -> schedules.add(new Schedule(id, ev.getKey(), String.valueOf(p.get("Schedule")),
                        !"false".equals(String.valueOf(p.getOrDefault("Enabled", "true")))
                                && !"DISABLED".equals(String.valueOf(p.getOrDefault("State", "ENABLED"))),
                        p.get("Input") == null ? null : String.valueOf(p.get("Input"))));
                case "ScheduleV2" -> schedules.add(new Schedule(id, ev.getKey(), String.valueOf(p.get("ScheduleExpression")),
                        !"DISABLED".equals(String.valueOf(p.getOrDefault("State", "ENABLED"))),
                        p.get("Input") == null ? null : String.valueOf(p.get("Input"))));
                case "DynamoDB" -> {
                    Object stream = map(event.getOrDefault("Properties", Map.of()), "Properties").get("Stream");
                    Object target = stream instanceof Map<?, ?> m ? m.get("Fn::GetAtt") : null;
                    String table = target instanceof List<?> l && l.size() == 2 ? String.valueOf(l.get(0))
                            : target instanceof String t ? t.substring(0, Math.max(0, t.indexOf('.'))) : null;
                    if (table == null || table.isEmpty()) {
                        throw new TemplateException(id + ".Events." + ev.getKey() + ": Stream must be !GetAtt TABLE.StreamArn locally");
                    }
                    streams.add(new StreamSource(id, ev.getKey(), table, (int) number(p.getOrDefault("BatchSize", 100), "BatchSize"),
                            String.valueOf(p.getOrDefault("StartingPosition", "LATEST")),
                            (int) number(p.getOrDefault("MaximumRetryAttempts", -1), "MaximumRetryAttempts"),
                            (int) number(p.getOrDefault("MaximumRecordAgeInSeconds", -1), "MaximumRecordAgeInSeconds"),
                            "true".equals(String.valueOf(p.getOrDefault("BisectBatchOnFunctionError", "false")))));
                }
                default -> throw new TemplateException(id + ".Events." + ev.getKey() + ": event type " + type
                        + " is not supported by the local cloud");
            }
        }
        Object policies = in.resolve(props.getOrDefault("Policies", List.of()));
        List<Object> policyList = policies instanceof List<?> l ? List.copyOf((List<Object>) l) : List.of(policies);
        Iam.check(id + ".Policies", policyList);
        return new Function(id, handler, Map.copyOf(env), timeout, memory, reserved, List.copyOf(routes),
                List.copyOf(schedules), policyList, (Map<String, Object>) in.resolve(merged), List.copyOf(streams));
    }

    /**
     * The WebSocket APIs among the template's {@code AWS::ApiGatewayV2} resources (HTTP APIs come from SAM's own
     * resource): routes with their authorizer and integration, and the stage name.
     */
    private static List<WebSocketApi> webSocketApis(Map<String, Map<String, Object>> gateway, Map<String, String> functionByName) {
        List<WebSocketApi> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> api : gateway.entrySet()) {
            Map<String, Object> a = api.getValue();
            if (!"AWS::ApiGatewayV2::Api".equals(a.get("::Type")) || !"WEBSOCKET".equals(String.valueOf(a.get("ProtocolType")))) {
                continue;
            }
            String ref = String.valueOf(a.get("::Ref"));
            String stage = null;
            Map<String, WebSocketRoute> routes = new LinkedHashMap<>();
            for (Map<String, Object> r : gateway.values()) {
                if (!ref.equals(String.valueOf(r.get("ApiId")))) {
                    continue;
                }
                if ("AWS::ApiGatewayV2::Stage".equals(r.get("::Type"))) {
                    stage = String.valueOf(r.get("StageName"));
                }
                if (!"AWS::ApiGatewayV2::Route".equals(r.get("::Type"))) {
                    continue;
                }
                String key = String.valueOf(r.get("RouteKey"));
                String authorizerFunction = null;
                String identityHeader = null;
                if ("CUSTOM".equals(String.valueOf(r.get("AuthorizationType")))) {
                    Map<String, Object> authorizer = byRef(gateway, String.valueOf(r.get("AuthorizerId")), "AWS::ApiGatewayV2::Authorizer");
                    authorizerFunction = lambdaOf(String.valueOf(authorizer.get("AuthorizerUri")), functionByName, key);
                    Object sources = authorizer.getOrDefault("IdentitySource", List.of());
                    for (Object source : sources instanceof List<?> l ? l : List.of(sources)) {
                        String src = String.valueOf(source);
                        if (src.startsWith("route.request.header.")) {
                            identityHeader = src.substring("route.request.header.".length());
                        }
                    }
                }
                String target = String.valueOf(r.getOrDefault("Target", ""));
                if (!target.startsWith("integrations/")) {
                    throw new TemplateException("WebSocket route " + key + " has no integration target");
                }
                Map<String, Object> integration = byRef(gateway, target.substring("integrations/".length()),
                        "AWS::ApiGatewayV2::Integration");
                String functionId = null;
                String mock = null;
                if ("MOCK".equals(String.valueOf(integration.get("IntegrationType")))) {
                    mock = "";
                    for (Map<String, Object> ir : gateway.values()) {
                        if ("AWS::ApiGatewayV2::IntegrationResponse".equals(ir.get("::Type"))
                                && String.valueOf(integration.get("::Ref")).equals(String.valueOf(ir.get("IntegrationId")))
                                && ir.get("ResponseTemplates") instanceof Map<?, ?> t && t.get("$default") != null) {
                            mock = String.valueOf(t.get("$default"));
                        }
                    }
                } else {
                    functionId = lambdaOf(String.valueOf(integration.get("IntegrationUri")), functionByName, key);
                }
                routes.put(key, new WebSocketRoute(key, authorizerFunction, identityHeader, functionId, mock));
            }
            out.add(new WebSocketApi(api.getKey(), ref, String.valueOf(a.getOrDefault("RouteSelectionExpression",
                    "$request.body.action")), stage == null ? "$default" : stage, Map.copyOf(routes)));
        }
        return List.copyOf(out);
    }

    private static Map<String, Object> byRef(Map<String, Map<String, Object>> gateway, String ref, String type) {
        for (Map<String, Object> r : gateway.values()) {
            if (type.equals(r.get("::Type")) && ref.equals(String.valueOf(r.get("::Ref")))) {
                return r;
            }
        }
        throw new TemplateException("no " + type + " " + ref + " in the template");
    }

    /** The function an API Gateway Lambda URI ({@code arn:aws:apigateway:...:lambda:path/.../functions/ARN/invocations}) names. */
    private static String lambdaOf(String uri, Map<String, String> functionByName, String route) {
        java.util.regex.Matcher m = LAMBDA_URI.matcher(uri);
        if (!m.find() || !functionByName.containsKey(m.group(1))) {
            throw new TemplateException("WebSocket route " + route + ": " + uri + " names no function of the template");
        }
        return functionByName.get(m.group(1));
    }

    @SuppressWarnings("unchecked")
    private static HttpApi httpApi(String id, String physical, Map<String, Object> props, Intrinsics in) {
        Map<String, Object> auth = map(props.getOrDefault("Auth", Map.of()), id + ".Auth");
        String def = auth.get("DefaultAuthorizer") == null ? null : String.valueOf(auth.get("DefaultAuthorizer"));
        Map<String, JwtAuthorizer> authorizers = new LinkedHashMap<>();
        Map<String, Object> defs = map(auth.getOrDefault("Authorizers", Map.of()), id + ".Auth.Authorizers");
        for (Map.Entry<String, Object> e : defs.entrySet()) {
            Map<String, Object> a = map(e.getValue(), "authorizer " + e.getKey());
            Map<String, Object> jwt = map(a.getOrDefault("JwtConfiguration", Map.of()), "JwtConfiguration");
            if (jwt.isEmpty()) {
                throw new TemplateException("authorizer " + e.getKey() + " is not a JWT authorizer; the local cloud runs JWT authorizers only");
            }
            String issuer = tryString(in, jwt.get("issuer"));
            Object aud = tryResolve(in, jwt.get("audience"));
            List<String> audiences = aud instanceof List<?> l ? l.stream().map(Intrinsics::scalar).toList()
                    : aud == null ? List.of() : List.of(Intrinsics.scalar(aud));
            authorizers.put(e.getKey(), new JwtAuthorizer(e.getKey(),
                    String.valueOf(a.getOrDefault("IdentitySource", "$request.header.Authorization")), issuer, audiences));
        }
        return new HttpApi(id, physical, def, Map.copyOf(authorizers));
    }

    private static String tryString(Intrinsics in, Object v) {
        Object r = tryResolve(in, v);
        return r == null || r instanceof List || r instanceof Map ? null : Intrinsics.scalar(r);
    }

    private static Object tryResolve(Intrinsics in, Object v) {
        try {
            return in.resolve(v);
        } catch (TemplateException e) {
            return null;
        }
    }

    static String physicalName(String stack, String id, String type) {
        String name = stack + "-" + id;
        return switch (type == null ? "" : type) {
            case "AWS::S3::Bucket" -> name.toLowerCase(Locale.ROOT);
            case "AWS::Cognito::UserPool" -> REGION + "_" + id;
            default -> name;
        };
    }

    private static String attribute(String stack, String id, String type, String attr) {
        if (type == null) {
            return null;
        }
        String name = physicalName(stack, id, type);
        if (type.equals("AWS::Serverless::Function") && attr.equals("Alias")) {
            return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name + ":live";
        }
        if (type.equals("AWS::DynamoDB::Table") && attr.equals("StreamArn")) {
            return "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name + "/stream/local";
        }
        if (!attr.equals("Arn")) {
            return stack + "-" + id + "-" + attr;
        }
        return switch (type) {
            case "AWS::DynamoDB::Table" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name;
            case "AWS::S3::Bucket" -> "arn:aws:s3:::" + name;
            case "AWS::Logs::LogGroup" -> "arn:aws:logs:" + REGION + ":" + ACCOUNT + ":log-group:" + name;
            case "AWS::Serverless::Function" -> "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
            case "AWS::Cognito::UserPool" -> "arn:aws:cognito-idp:" + REGION + ":" + ACCOUNT + ":userpool/" + name;
            default -> "arn:aws:local:" + REGION + ":" + ACCOUNT + ":" + id;
        };
    }

    private static double number(Object v, String where) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new TemplateException(where + " must be a number");
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v, String where) {
        if (v == null) {
            return Map.of();
        }
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new TemplateException(where + " must be a mapping");
    }

    public Path file() {
        return file;
    }

    public String stack() {
        return stack;
    }

    /** The template as parsed (long-form intrinsics, nothing resolved). */
    public Map<String, Object> raw() {
        return raw;
    }

    public Map<String, Object> parameters() {
        return parameters;
    }

    public List<Function> functions() {
        return functions;
    }

    public Function function(String logicalId) {
        return functions.stream().filter(f -> f.logicalId().equals(logicalId)).findFirst()
                .orElseThrow(() -> new TemplateException("no function " + logicalId + " in the template"));
    }

    public List<Route> routes() {
        return functions.stream().flatMap(f -> f.routes().stream()).toList();
    }

    public List<Schedule> schedules() {
        return functions.stream().flatMap(f -> f.schedules().stream()).toList();
    }

    public List<Resource> tables() {
        return tables;
    }

    public List<Resource> buckets() {
        return buckets;
    }

    public List<HttpApi> apis() {
        return apis;
    }

    public List<WebSocketApi> webSocketApis() {
        return webSocketApis;
    }

    public List<StreamSource> streams() {
        return functions.stream().flatMap(f -> f.streams().stream()).toList();
    }

    /** The physical name of a resource (its {@code Ref}). */
    public String physicalName(String logicalId) {
        Map<String, Object> resources = map(raw.get("Resources"), "Resources");
        Object r = resources.get(logicalId);
        if (r == null) {
            throw new TemplateException("no resource " + logicalId);
        }
        return physicalName(stack, logicalId, String.valueOf(map(r, logicalId).get("Type")));
    }

    @Override
    public String toString() {
        return "SamTemplate[" + file + ", " + functions.size() + " functions, " + routes().size() + " routes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamTemplate t && Objects.equals(t.file, file) && t.stack.equals(stack);
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, stack);
    }
}
