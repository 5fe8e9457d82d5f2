package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.local.lambda.LocalFunction;
import dev.chunkvault.local.template.CfnYaml;
import dev.chunkvault.local.template.SamTemplate;
import dev.chunkvault.service.store.TableSchema;
import dev.chunkvault.service.vault.Tables;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * template.yaml and the code cannot drift apart: every Handler is a real Lambda handler class; every variable the
 * code reads is set (or is one of the few with a default); the tables the template makes are the tables the service
 * expects (keys and indexes); docs/openapi.yaml describes exactly the template's routes with the same scopes.
 * (That each function's policies cover what it really calls is checked on the running local cloud:
 * TemplatePoliciesIT.)
 */
class TemplateDriftTest {
    static final Path ROOT = Path.of("../..");
    static final SamTemplate TEMPLATE = SamTemplate.load(ROOT.resolve("template.yaml"), "drift", Map.of());

    /**
     * Variables the code reads that a function need not be given: they have defaults (STORE_PARALLELISM,
     * SERVICE_NAME...), Lambda sets them (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME), or they exist only locally
     * (endpoint overrides, static keys, fault injection).
     */
    static final Set<String> OPTIONAL = Set.of("AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_S3", "S3_FORCE_PATH_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "CHUNKVAULT_FAULTS", "STORE_PARALLELISM", "CHUNKVAULT_CLOCK_OFFSET_SECONDS", "JWT_JWKS_URL",
            "NOTIFY_CATCH_UP_SECONDS", "DELTA_BATCH_MAX_ITEMS", "DELTA_BATCH_MAX_REBUILT_MIB",
            "SEAL_MAX_PLAIN_MIB_PER_REQUEST");
    /** Variables only the functions that use them get (each must have them). */
    static final Map<String, Set<String>> PER_FUNCTION = Map.of("NOTIFY_URL", Set.of("ListFunction"),
            "NOTIFY_MANAGEMENT_ENDPOINT", Set.of("NotifierFunction"), "JWT_ISSUER", Set.of("NotifyAuthorizerFunction"),
            "JWT_AUDIENCE", Set.of("NotifyAuthorizerFunction"));

    @Test
    void everyHandlerIsALambdaHandlerClass() throws Exception {
        for (SamTemplate.Function f : TEMPLATE.functions()) {
            Class<?> type;
            try {
                type = Class.forName(f.handlerClass());
            } catch (ClassNotFoundException e) {
                fail(f.logicalId() + ": Handler class " + f.handlerClass() + " does not exist");
                return;
            }
            assertTrue(RequestHandler.class.isAssignableFrom(type) || RequestStreamHandler.class.isAssignableFrom(type),
                    f.logicalId() + ": " + type.getName() + " is not a Lambda handler");
            assertTrue(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()), type.getName());
            assertNotNull(type.getConstructor(), type.getName() + " needs the public no-arg constructor Lambda calls");
            boolean hasMethod = false;
            for (Method m : type.getMethods()) {
                hasMethod |= m.getName().equals(f.handlerMethod()) && m.getParameterCount() >= 2
                        && m.getParameterTypes()[m.getParameterCount() - 1] == Context.class;
            }
            assertTrue(hasMethod, f.logicalId() + ": " + type.getName() + " has no " + f.handlerMethod() + "(…, Context)");
            Class<?>[] io = LocalFunction.handlerTypes(type);
            if (!f.routes().isEmpty()) {
                assertEquals(APIGatewayV2HTTPEvent.class, io[0], f.logicalId() + " serves HTTP routes: payload v2 events");
            }
        }
        Set<String> routeKeys = new TreeSet<>();
        TEMPLATE.routes().forEach(r -> assertTrue(routeKeys.add(r.routeKey()), "route declared twice: " + r.routeKey()));
        assertTrue(TEMPLATE.routes().size() >= 14, "routes: " + routeKeys);
    }

    /**
     * The functions' code is the zip functions/api builds: SAM takes a CodeUri ending in ".zip" as built, so `sam build`
     * copies it as it is (its Maven builder would build functions/api alone, without the modules it depends on) and
     * `sam deploy` uploads it. Lambda's Java runtime loads classes from the zip's root: every handler must be there.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theDeployableIsTheZipFunctionsApiBuildsWithEveryHandlerAtItsRoot() throws IOException {
        Map<String, Object> raw = CfnYaml.load(ROOT.resolve("template.yaml"));
        Map<String, Object> globals = (Map<String, Object>) ((Map<String, Object>) raw.get("Globals")).get("Function");
        String codeUri = String.valueOf(globals.get("CodeUri"));
        assertTrue(codeUri.endsWith(".zip"), "Globals CodeUri must end in .zip for `sam build` to take it as built: " + codeUri);
        Map<String, Object> resources = (Map<String, Object>) raw.get("Resources");
        for (Map.Entry<String, Object> r : resources.entrySet()) {
            Map<String, Object> res = (Map<String, Object>) r.getValue();
            if (!"AWS::Serverless::Function".equals(res.get("Type"))) {
                continue;
            }
            Map<String, Object> props = (Map<String, Object>) res.getOrDefault("Properties", Map.of());
            assertTrue(!props.containsKey("CodeUri") && !props.containsKey("InlineCode"), r.getKey() + " must use the Globals' CodeUri");
            Map<String, Object> meta = (Map<String, Object>) res.getOrDefault("Metadata", Map.of());
            assertTrue(!meta.containsKey("BuildMethod"), r.getKey() + ": a BuildMethod makes `sam build` build the module alone");
        }
        String pom = Files.readString(ROOT.resolve("functions/api/pom.xml"));
        String name = codeUri.substring(codeUri.lastIndexOf('/') + 1);
        assertTrue(codeUri.startsWith("functions/api/target/") && pom.contains("${project.build.directory}/" + name + "</outputFile>"),
                "functions/api's shade plugin must write " + codeUri);
        Path zip = ROOT.resolve(codeUri);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(zip), "functions/api not packaged yet (mvn verify packages it first)");
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            for (SamTemplate.Function f : TEMPLATE.functions()) {
                String entry = f.handlerClass().replace('.', '/') + ".class";
                assertNotNull(z.getEntry(entry), f.logicalId() + ": " + entry + " is not at the root of " + codeUri);
            }
        }
    }

    @Test
    void everyVariableTheCodeReadsIsSet() throws IOException {
        Set<String> read = new TreeSet<>(Wiring.REQUIRED);
        Pattern p = Pattern.compile("(?:env\\.get|env\\.getOrDefault|longEnv\\(env,|required\\(env,)\\s*\\(?\\s*\"([A-Z0-9_]+)\"");
        try (Stream<Path> files = Files.walk(ROOT.resolve("functions"))) {
            for (Path file : files.filter(x -> x.toString().endsWith(".java") && x.toString().contains("/src/main/")).toList()) {
                Matcher m = p.matcher(Files.readString(file));
                while (m.find()) {
                    read.add(m.group(1));
                }
            }
        }
        assertTrue(read.containsAll(Set.of("FILES_TABLE", "RETENTION_DAYS", "GC_GRACE_HOURS", "AWS_REGION")),
                "the scan finds the variables: " + read);
        assertTrue(read.containsAll(PER_FUNCTION.keySet()), "PER_FUNCTION lists variables no code reads: " + PER_FUNCTION.keySet());
        Set<String> stale = new TreeSet<>(OPTIONAL);
        stale.removeAll(read);
        assertTrue(stale.isEmpty(), "OPTIONAL lists variables no code reads any more: " + stale);
        for (SamTemplate.Function f : TEMPLATE.functions()) {
            Set<String> missing = new TreeSet<>(read);
            missing.removeAll(OPTIONAL);
            PER_FUNCTION.forEach((variable, users) -> {
                if (!users.contains(f.logicalId())) {
                    missing.remove(variable);
                }
            });
            missing.removeAll(f.environment().keySet());
            assertTrue(missing.isEmpty(), f.logicalId() + " is not given " + missing);
            for (String table : Wiring.TABLE_VARIABLES.values()) {
                String physical = f.environment().get(table);
                assertTrue(TEMPLATE.tables().stream().anyMatch(t -> t.physicalName().equals(physical)),
                        f.logicalId() + ": " + table + "=" + physical + " is not a table of the template");
            }
            String bucket = f.environment().get("CHUNK_BUCKET");
            assertTrue(TEMPLATE.buckets().stream().anyMatch(b -> b.physicalName().equals(bucket)),
                    f.logicalId() + ": CHUNK_BUCKET=" + bucket + " is not a bucket of the template");
        }
    }

    /**
     * S3 tells a role that a key is missing (404, which the code reads as "not there": a commit's chunk to upload, a
     * manifest gone) only if the role may list the bucket; to any other role it answers 403, which the code reads as a
     * failure (a commit of a chunk never uploaded answered 503 instead of 422). So a function that may read objects may
     * list the bucket. (The local cloud answers each function as S3 would: MissingObjectsIT.)
     */
    @Test
    void everyFunctionThatReadsObjectsMayListTheBucket() {
        String bucket = TEMPLATE.buckets().get(0).physicalName();
        int readers = 0;
        for (SamTemplate.Function f : TEMPLATE.functions()) {
            for (String prefix : List.of("chunks/", "manifests/")) {
                if (dev.chunkvault.local.template.Iam.allows(f.policies(), "s3:GetObject", "arn:aws:s3:::" + bucket + "/" + prefix + "00ff")) {
                    readers++;
                    assertTrue(dev.chunkvault.local.template.Iam.allows(f.policies(), "s3:ListBucket", "arn:aws:s3:::" + bucket),
                            f.logicalId() + " reads " + prefix + "* but may not list the bucket: a missing key would answer it 403");
                }
            }
        }
        assertTrue(readers >= 9, "the check sees the readers: " + readers);
    }

    @Test
    void theAuthorizersReadTheHeaderTheFunctionsReadTheSubjectFrom() {
        // The functions read the token's sub from the identity source (ApiRequest.caller): API Gateway's claims are
        // all strings, so only the token tells a string subject from a number, null, array or object.
        assertTrue(TEMPLATE.apis().stream().anyMatch(a -> !a.authorizers().isEmpty()), "the API has a JWT authorizer");
        for (SamTemplate.HttpApi api : TEMPLATE.apis()) {
            for (SamTemplate.JwtAuthorizer j : api.authorizers().values()) {
                assertEquals("$request.header." + dev.chunkvault.api.http.ApiRequest.IDENTITY_HEADER,
                        j.identitySource().toLowerCase(java.util.Locale.ROOT), j.name());
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTemplateTablesAreTheServiceTables() {
        Map<String, String> env = TEMPLATE.functions().get(0).environment();
        for (TableSchema schema : Tables.all()) {
            String physical = env.get(Wiring.TABLE_VARIABLES.get(schema.name()));
            SamTemplate.Resource t = TEMPLATE.tables().stream().filter(r -> r.physicalName().equals(physical)).findFirst()
                    .orElseThrow(() -> new AssertionError("no template table for " + schema.name()));
            Map<String, String> types = new HashMap<>();
            for (Map<String, Object> a : (List<Map<String, Object>>) t.properties().get("AttributeDefinitions")) {
                types.put(String.valueOf(a.get("AttributeName")), String.valueOf(a.get("AttributeType")));
            }
            assertEquals(keys(schema.partition(), schema.sort()), keys((List<Map<String, Object>>) t.properties().get("KeySchema"), types),
                    t.logicalId() + " key schema");
            Map<String, List<String>> want = new TreeMap<>();
            schema.indexes().forEach((name, ix) -> want.put(name, keys(ix.partition(), ix.sort())));
            Map<String, List<String>> have = new TreeMap<>();
            for (Map<String, Object> g : (List<Map<String, Object>>) t.properties().getOrDefault("GlobalSecondaryIndexes", List.of())) {
                have.put(String.valueOf(g.get("IndexName")), keys((List<Map<String, Object>>) g.get("KeySchema"), types));
            }
            assertEquals(want, have, t.logicalId() + " indexes");
            assertEquals(Set.copyOf(types.keySet()), Set.copyOf(definedKeys(have, t)), t.logicalId()
                    + ": AttributeDefinitions must be exactly the key attributes");
        }
    }

    private static List<String> keys(TableSchema.KeyAttribute partition, TableSchema.KeyAttribute sort) {
        List<String> out = new ArrayList<>();
        out.add(partition.name() + ":HASH:" + (partition.type() == TableSchema.KeyType.NUMBER ? "N" : "S"));
        if (sort != null) {
            out.add(sort.name() + ":RANGE:" + (sort.type() == TableSchema.KeyType.NUMBER ? "N" : "S"));
        }
        return out;
    }

    private static List<String> keys(List<Map<String, Object>> keySchema, Map<String, String> types) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> k : keySchema) {
            String name = String.valueOf(k.get("AttributeName"));
            out.add(name + ":" + k.get("KeyType") + ":" + types.get(name));
        }
        out.sort((a, b) -> a.contains(":HASH:") ? -1 : b.contains(":HASH:") ? 1 : 0);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> definedKeys(Map<String, List<String>> indexes, SamTemplate.Resource t) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> k : (List<Map<String, Object>>) t.properties().get("KeySchema")) {
            out.add(String.valueOf(k.get("AttributeName")));
        }
        indexes.values().forEach(ks -> ks.forEach(k -> out.add(k.substring(0, k.indexOf(':')))));
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theOpenApiDocumentDescribesExactlyTheTemplateRoutes() throws IOException {
        Map<String, Object> doc = CfnYaml.load(ROOT.resolve("docs/openapi.yaml"));
        Map<String, List<String>> documented = new TreeMap<>();
        List<String> defaultScopes = scopes((List<Object>) doc.get("security"));
        for (Map.Entry<String, Object> path : ((Map<String, Object>) doc.get("paths")).entrySet()) {
            for (Map.Entry<String, Object> op : ((Map<String, Object>) path.getValue()).entrySet()) {
                if (!Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(op.getKey())) {
                    continue;
                }
                Map<String, Object> operation = (Map<String, Object>) op.getValue();
                List<String> s = operation.containsKey("security") ? scopes((List<Object>) operation.get("security")) : defaultScopes;
                documented.put(op.getKey().toUpperCase() + " " + path.getKey(), s);
                assertTrue(operation.containsKey("responses"), path.getKey() + " " + op.getKey() + " documents no responses");
            }
        }
        Map<String, List<String>> deployed = new TreeMap<>();
        TEMPLATE.routes().forEach(r -> deployed.put(r.routeKey(), r.scopes().stream().sorted().toList()));
        assertEquals(deployed.keySet(), documented.keySet(), "routes in template.yaml vs docs/openapi.yaml");
        assertEquals(deployed, documented, "scopes per route in template.yaml vs docs/openapi.yaml");
    }

    @SuppressWarnings("unchecked")
    private static List<String> scopes(List<Object> security) {
        List<String> out = new ArrayList<>();
        if (security != null) {
            for (Object requirement : security) {
                ((Map<String, Object>) requirement).values().forEach(v -> ((List<Object>) v).forEach(x -> out.add(String.valueOf(x))));
            }
        }
        return out.stream().sorted().toList();
    }
}
