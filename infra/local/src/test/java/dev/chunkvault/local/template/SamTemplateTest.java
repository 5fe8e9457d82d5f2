package dev.chunkvault.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The project's real template.yaml as the local cloud reads it, and the intrinsics it relies on. */
class SamTemplateTest {
    static final Path TEMPLATE = Path.of("../../template.yaml");

    @Test
    @SuppressWarnings("unchecked")
    void theUserPoolIsProtectedClosedByDefaultAndOnlyTheOperatorClientGetsTheAdminScope() {
        Map<String, Object> raw = SamTemplate.load(TEMPLATE, "cv", Map.of()).raw();
        Map<String, Object> resources = (Map<String, Object>) raw.get("Resources");
        Map<String, Object> pool = props(resources, "UserPool");
        assertEquals("ACTIVE", pool.get("DeletionProtection"), "the pool's ids key all stored data");
        assertEquals("false", String.valueOf(((Map<String, Object>) ((Map<String, Object>) raw.get("Parameters"))
                .get("AllowSelfSignUp")).get("Default")), "no self sign-up unless asked");
        assertEquals(Map.of("AllowAdminCreateUserOnly", Map.of("Fn::If", List.of("SelfSignUp", false, true))),
                pool.get("AdminCreateUserConfig"));
        Map<String, Object> cli = props(resources, "UserPoolClient");
        assertTrue(!((List<Object>) cli.get("AllowedOAuthScopes")).contains("chunkvault/admin"), "users never get admin");
        Map<String, Object> operator = props(resources, "OperatorClient");
        assertEquals(List.of("chunkvault/admin"), operator.get("AllowedOAuthScopes"));
        assertEquals(List.of("client_credentials"), operator.get("AllowedOAuthFlows"));
        assertEquals(true, operator.get("GenerateSecret"), "a confidential client: its secret stays with the operators");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theWebConsoleIsAPrivateBucketBehindCloudFrontWithAPublicPkceClientTheApiAccepts() {
        Map<String, Object> raw = SamTemplate.load(TEMPLATE, "cv", Map.of()).raw();
        Map<String, Object> resources = (Map<String, Object>) raw.get("Resources");
        Map<String, Object> bucket = props(resources, "ConsoleBucket");
        assertEquals(Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                bucket.get("PublicAccessBlockConfiguration"));
        assertTrue(!bucket.containsKey("WebsiteConfiguration"), "no public website endpoint");
        Map<String, Object> dist = (Map<String, Object>) props(resources, "ConsoleDistribution").get("DistributionConfig");
        Map<String, Object> origin = ((List<Map<String, Object>>) dist.get("Origins")).get(0);
        assertTrue(origin.containsKey("OriginAccessControlId"), "CloudFront reads the bucket through Origin Access Control");
        assertEquals("redirect-to-https", ((Map<String, Object>) dist.get("DefaultCacheBehavior")).get("ViewerProtocolPolicy"));
        String csp = String.valueOf(props(resources, "ConsoleHeaders"));
        assertTrue(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), csp);
        Map<String, Object> client = props(resources, "ConsoleClient");
        assertEquals(false, client.get("GenerateSecret"), "a public client: PKCE, no secret in a browser");
        assertEquals(List.of("code"), client.get("AllowedOAuthFlows"));
        assertTrue(!((List<Object>) client.get("AllowedOAuthScopes")).contains("chunkvault/admin"), "the console never gets admin");
        assertEquals(List.of(Map.of("Fn::Sub", "https://${ConsoleDistribution.DomainName}/")), client.get("CallbackURLs"));
        Map<String, Object> api = props(resources, "Api");
        assertTrue(String.valueOf(api.get("Auth")).contains("Ref=ConsoleClient"), "the API's authorizer accepts the console's tokens");
        assertTrue(String.valueOf(api.get("CorsConfiguration")).contains("ConsoleDistribution.DomainName"), "CORS for the console");
    }

    @Test
    @SuppressWarnings("unchecked")
    void operationsLogRetentionAlarmsAFailureDestinationAndTheNightsContinuation() {
        SamTemplate t = SamTemplate.load(TEMPLATE, "cv", Map.of("LogRetentionDays", "14"));
        Map<String, Object> resources = (Map<String, Object>) t.raw().get("Resources");
        for (String alarm : List.of("Api5xxAlarm", "ThrottlesAlarm", "GcErrorsAlarm", "GcNotRunAlarm", "GcFailuresAlarm",
                "DynamoSystemErrorsAlarm")) {
            assertEquals("AWS::CloudWatch::Alarm", ((Map<String, Object>) resources.get(alarm)).get("Type"), alarm);
        }
        SamTemplate.Function gc = t.function("GcFunction");
        Map<String, Object> failure = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) gc.properties()
                .get("EventInvokeConfig")).get("DestinationConfig")).get("OnFailure");
        assertEquals("SQS", failure.get("Type"));
        assertEquals(2, gc.schedules().size(), "the nightly run and its continuation");
        SamTemplate.Schedule continuation = gc.schedules().stream().filter(x -> x.input() != null).findFirst().orElseThrow();
        assertEquals("cron(0 4-8 * * ? *)", continuation.expression());
        assertTrue(continuation.input().contains("\"continuation\": true"), continuation.input());
        assertEquals("cv-FunctionLogs", ((Map<String, Object>) gc.properties().get("LoggingConfig")).get("LogGroup"),
                "every function logs to the one group with the retention");
        assertEquals("PassThrough", gc.properties().get("Tracing"));
        assertEquals("Active", SamTemplate.load(TEMPLATE, "cv", Map.of("Tracing", "Active")).function("GcFunction")
                .properties().get("Tracing"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> props(Map<String, Object> resources, String id) {
        return (Map<String, Object>) ((Map<String, Object>) resources.get(id)).get("Properties");
    }

    @Test
    void readsTheProjectTemplate() {
        SamTemplate t = SamTemplate.load(TEMPLATE, "cv", Map.of());
        assertTrue(t.functions().size() >= 10, "functions: " + t.functions().size());
        SamTemplate.Function commit = t.function("CommitFunction");
        assertEquals("dev.chunkvault.api.handlers.CommitHandler", commit.handlerClass());
        assertEquals("handleRequest", commit.handlerMethod());
        // Globals.Function's environment, with !Ref resolved to the local physical names.
        assertEquals("cv-FilesTable", commit.environment().get("FILES_TABLE"));
        assertEquals("cv-chunkbucket", commit.environment().get("CHUNK_BUCKET"));
        assertEquals("30", commit.environment().get("RETENTION_DAYS"));
        assertEquals("20", commit.environment().get("COMMIT_BUDGET_SECONDS"));
        // C1 only for fast cold starts, except where requests hash MiBs: C1 has no SHA-256 intrinsic.
        assertTrue(commit.environment().get("JAVA_TOOL_OPTIONS").contains("TieredStopAtLevel=1"));
        for (String hashing : List.of("SignatureFunction", "DeltaUploadFunction")) {
            // Named: the java21 runtime stops at level 1 by itself when the options leave the level out.
            assertTrue(t.function(hashing).environment().get("JAVA_TOOL_OPTIONS").contains("TieredStopAtLevel=4"), hashing);
            assertEquals("cv-FilesTable", t.function(hashing).environment().get("FILES_TABLE"), "Globals still merge in");
        }
        assertEquals(29, commit.timeoutSeconds());
        assertEquals(1024, commit.memoryMb());
        SamTemplate.Route route = commit.routes().get(0);
        assertEquals("POST /v1/commits", route.routeKey());
        assertEquals(List.of("chunkvault/write"), route.scopes());
        assertEquals("Jwt", route.authorizer());

        SamTemplate.Function gc = t.function("GcFunction");
        assertEquals(900, gc.timeoutSeconds());
        assertEquals(null, gc.reservedConcurrency(), "no reserved concurrency unless asked: new accounts cannot reserve");
        assertEquals(1, SamTemplate.load(TEMPLATE, "cv", Map.of("GcReservedConcurrency", "1")).function("GcFunction")
                .reservedConcurrency());
        assertEquals("cron(0 3 * * ? *)", gc.schedules().get(0).expression());
        assertTrue(gc.schedules().get(0).enabled());
        assertTrue(gc.routes().isEmpty());

        assertEquals(6, t.tables().size());
        assertEquals(2, t.buckets().size(), "the chunk bucket and the web console's");
        assertEquals("ChunkBucket", t.buckets().get(0).logicalId(), "the first bucket is the chunks' (the tests take it)");
        // The WebSocket API: routes from AWS::ApiGatewayV2 resources, the stage's Ref is its name, the stream mapping.
        SamTemplate.WebSocketApi ws = t.webSocketApis().get(0);
        assertEquals("v1", ws.stage());
        assertEquals("$request.body.action", ws.routeSelectionExpression());
        assertEquals("NotifyAuthorizerFunction", ws.routes().get("$connect").authorizerFunctionId());
        assertEquals("Authorization", ws.routes().get("$connect").identityHeader());
        assertEquals("NotifyConnectionsFunction", ws.routes().get("$connect").functionId());
        assertEquals("NotifyConnectionsFunction", ws.routes().get("$disconnect").functionId());
        assertEquals("{\"type\":\"pong\"}", ws.routes().get("ping").mockResponse());
        SamTemplate.StreamSource stream = t.streams().get(0);
        assertEquals("NotifierFunction", stream.functionId());
        assertEquals("FilesTable", stream.tableId());
        assertEquals("LATEST", stream.startingPosition());
        assertEquals(3, stream.maxRetries());
        assertTrue(stream.bisectOnError());
        SamTemplate.HttpApi api = t.apis().get(0);
        assertEquals("Jwt", api.defaultAuthorizer());
        assertEquals("$request.header.Authorization", api.authorizers().get("Jwt").identitySource());
        // UseCognito holds by default: the issuer is the user pool's.
        assertTrue(api.authorizers().get("Jwt").issuer().startsWith("https://cognito-idp.us-east-1.amazonaws.com/"),
                api.authorizers().get("Jwt").issuer());
    }

    @Test
    void parametersOverrideDefaultsAndAreValidated() {
        SamTemplate t = SamTemplate.load(TEMPLATE, "cv", Map.of("RetentionDays", "7"));
        assertEquals("7", t.function("CommitFunction").environment().get("RETENTION_DAYS"));
        assertEquals("0", SamTemplate.load(TEMPLATE, "cv", Map.of("CommitBudgetSeconds", "0")).function("CommitFunction")
                .environment().get("COMMIT_BUDGET_SECONDS"));
        assertThrows(TemplateException.class, () -> SamTemplate.load(TEMPLATE, "cv", Map.of("CommitBudgetSeconds", "26")));
        TemplateException low = assertThrows(TemplateException.class,
                () -> SamTemplate.load(TEMPLATE, "cv", Map.of("RetentionDays", "0")));
        assertTrue(low.getMessage().contains("at least 1"), low.getMessage());
        assertThrows(TemplateException.class, () -> SamTemplate.load(TEMPLATE, "cv", Map.of("RetentionDays", "many")));
        TemplateException unknown = assertThrows(TemplateException.class,
                () -> SamTemplate.load(TEMPLATE, "cv", Map.of("NoSuchParameter", "1")));
        assertTrue(unknown.getMessage().contains("NoSuchParameter"));
        // An external issuer switches the Cognito resources off.
        SamTemplate external = SamTemplate.load(TEMPLATE, "cv", Map.of("JwtIssuer", "https://issuer.example"));
        assertEquals("https://issuer.example", external.apis().get(0).authorizers().get("Jwt").issuer());
    }

    private static SamTemplate parse(String yaml, Map<String, String> overrides) {
        return SamTemplate.parse(Path.of("inline.yaml"), CfnYaml.load(new StringReader(yaml)), "s", overrides);
    }

    @Test
    void intrinsicsResolveLikeCloudFormation() {
        String yaml = """
                Parameters:
                  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
                  Names: {Type: CommaDelimitedList, Default: 'a,b,c'}
                Conditions:
                  IsProd: !Equals [!Ref Env, prod]
                  NotProd: !Not [!Condition IsProd]
                  Both: !And [!Condition NotProd, !Equals [x, x]]
                Mappings:
                  Sizes: {dev: {mem: 256}, prod: {mem: 2048}}
                Resources:
                  Table: {Type: AWS::DynamoDB::Table, Properties: {KeySchema: [], AttributeDefinitions: []}}
                  OnlyProd:
                    Type: AWS::S3::Bucket
                    Condition: IsProd
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: x.Y::handleRequest
                      MemorySize: !FindInMap [Sizes, !Ref Env, mem]
                      Environment:
                        Variables:
                          SUB: !Sub 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Table}/${!literal}'
                          SUB2: !Sub ['${A}-${Table.Arn}', {A: !Select [1, !Ref Names]}]
                          JOIN: !Join ['+', !Split [',', 'p,q,r']]
                          IF: !If [IsProd, big, small]
                          BOTH: !If [Both, both, neither]
                          B64: !Base64 hi
                          GONE: !If [IsProd, x, !Ref AWS::NoValue]
                """;
        SamTemplate t = parse(yaml, Map.of());
        Map<String, String> env = t.function("Fn").environment();
        assertEquals("arn:aws:x:us-east-1:000000000000:s-Table/${literal}", env.get("SUB"));
        assertEquals("b-arn:aws:dynamodb:us-east-1:000000000000:table/s-Table", env.get("SUB2"));
        assertEquals("p+q+r", env.get("JOIN"));
        assertEquals("small", env.get("IF"));
        assertEquals("both", env.get("BOTH"));
        assertEquals("aGk=", env.get("B64"));
        assertFalse(env.containsKey("GONE"));
        assertEquals(256, t.function("Fn").memoryMb());
        assertTrue(t.buckets().isEmpty(), "a resource whose condition is false does not exist");

        SamTemplate prod = parse(yaml, Map.of("Env", "prod"));
        assertEquals("big", prod.function("Fn").environment().get("IF"));
        assertEquals("x", prod.function("Fn").environment().get("GONE"));
        assertEquals(2048, prod.function("Fn").memoryMb());
        assertEquals(1, prod.buckets().size());
        assertThrows(TemplateException.class, () -> parse(yaml, Map.of("Env", "staging")));
    }

    @Test
    void unknownReferencesAndUnsupportedFeaturesAreNamed() {
        TemplateException ref = assertThrows(TemplateException.class, () -> parse("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: {Handler: x.Y, Environment: {Variables: {A: !Ref Missing}}}
                """, Map.of()));
        assertTrue(ref.getMessage().contains("Missing"), ref.getMessage());
        TemplateException imp = assertThrows(TemplateException.class, () -> parse("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: {Handler: x.Y, Environment: {Variables: {A: !ImportValue other-stack}}}
                """, Map.of()));
        assertTrue(imp.getMessage().contains("Fn::ImportValue"), imp.getMessage());
        TemplateException event = assertThrows(TemplateException.class, () -> parse("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: {Handler: x.Y, Events: {Q: {Type: SQS, Properties: {Queue: q}}}}
                """, Map.of()));
        assertTrue(event.getMessage().contains("SQS"), event.getMessage());
        assertThrows(TemplateException.class, () -> parse("Resources: {A: {Type: X}}\nResources: {}\n", Map.of()));
    }
}
