package dev.chunkvault.bench.e2e;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.chunkvault.api.handlers.ListHandler;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.local.LocalCloud;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A function's cold start, locally: a fresh JVM with the deployable jar (functions/api/target/
 * chunkvault-functions-lambda.zip) and the function's JVM options from the template, from JVM start to the handler
 * built (init) and to its first answer (GET /v1/usage against the local cloud's DynamoDB Local). Once as Lambda without
 * SnapStart runs it; once primed first (what SnapStart's hook does before the snapshot), timing only the first answer
 * after it — what a restored snapshot still pays. Also the jar's size. Writes bench/results/cold-start-DATE.md.
 *
 * <p>Run: {@code mvn -q -B -pl bench -am package -DskipTests && java -cp bench/target/benchmarks.jar
 * dev.chunkvault.bench.e2e.ColdStartBench [runs=5]}
 */
public final class ColdStartBench {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args[1].equals("primed"));
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path jar = Path.of("functions/api/target/chunkvault-functions-lambda.zip");
        List<long[]> plain = new ArrayList<>();
        List<long[]> primed = new ArrayList<>();
        try (LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory())) {
            Map<String, String> env = cloud.functionEnvironment("ListFunction");
            for (int i = 0; i < runs; i++) {
                plain.add(run(env, jar, false));
                primed.add(run(env, jar, true));
            }
        }
        StringBuilder r = new StringBuilder("# A function's cold start, locally\n\n").append("Measured ").append(Instant.now())
                .append(" by `java -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.ColdStartBench ").append(runs)
                .append("` on ").append(Runtime.getRuntime().availableProcessors()).append(" cores. ListFunction's handler in ")
                .append("a fresh JVM (`").append(String.join(" ", jvmOptions(env()))).append("`, the template's options) ")
                .append("with the deployable jar, answering GET /v1/usage from DynamoDB Local; medians of ").append(runs)
                .append(" runs.\n\n| | JVM start → handler built | → first answer | first answer alone |\n|---|---:|---:|---:|\n")
                .append("| cold (no SnapStart) | ").append(median(plain, 0)).append(" ms | ").append(median(plain, 1)).append(" ms | ")
                .append(median(plain, 1) - median(plain, 0)).append(" ms |\n")
                .append("| primed first (SnapStart's hook) | ").append(median(primed, 0)).append(" ms (incl. priming) | ")
                .append(median(primed, 1)).append(" ms | ").append(median(primed, 1) - median(primed, 0)).append(" ms |\n\n")
                .append("Deployable jar: ").append(Files.size(jar) / 1024).append(" KiB.\n");
        System.out.print(r);
        Path out = Path.of("bench/results/cold-start-" + java.time.LocalDate.now() + ".md");
        Files.writeString(out, r.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out.toAbsolutePath());
        System.exit(0);
    }

    private static Map<String, String> env() {
        return Map.of("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    }

    private static List<String> jvmOptions(Map<String, String> env) {
        return List.of(env.getOrDefault("JAVA_TOOL_OPTIONS", "").split(" "));
    }

    private static long[] run(Map<String, String> env, Path jar, boolean primed) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        cmd.addAll(List.of("-cp", jar.toAbsolutePath() + java.io.File.pathSeparator + System.getProperty("java.class.path"),
                ColdStartBench.class.getName(), "--child", primed ? "primed" : "plain"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String line = out.lines().filter(l -> l.startsWith("COLD ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("child said: " + out));
        String[] f = line.split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    /** In the fresh JVM: build the handler (primed or not), answer one request, print the two times since JVM start. */
    private static void child(boolean primed) throws Exception {
        Wiring w = Wiring.fromEnv(System.getenv());
        if (primed) {
            w.prime();
        }
        ListHandler h = new ListHandler(w);
        long built = ManagementFactory.getRuntimeMXBean().getUptime();
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRouteKey("GET /v1/usage");
        e.setRawPath("/v1/usage");
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("{\"sub\":\"cold-start-user\"}".getBytes(StandardCharsets.UTF_8)) + ".c2ln";
        e.setHeaders(Map.of("authorization", "Bearer " + token)); // the authorizer checked it; the handler reads its claims
        APIGatewayV2HTTPEvent.RequestContext rc = new APIGatewayV2HTTPEvent.RequestContext();
        rc.setRequestId("cold-start");
        APIGatewayV2HTTPEvent.RequestContext.Authorizer auth = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT jwt = new APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT();
        jwt.setClaims(Map.of("sub", "cold-start-user"));
        jwt.setScopes(List.of("chunkvault/read"));
        auth.setJwt(jwt);
        rc.setAuthorizer(auth);
        rc.setHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath("/v1/usage").build());
        e.setRequestContext(rc);
        APIGatewayV2HTTPResponse r = h.handleRequest(e, null);
        long answered = ManagementFactory.getRuntimeMXBean().getUptime();
        if (r.getStatusCode() != 200) {
            throw new IllegalStateException("answer " + r.getStatusCode() + ": " + r.getBody());
        }
        System.out.println("COLD " + built + " " + answered);
        System.exit(0);
    }

    private static long median(List<long[]> runs, int i) {
        List<Long> v = new ArrayList<>();
        runs.forEach(r -> v.add(r[i]));
        Collections.sort(v);
        return v.get(v.size() / 2);
    }
}
