package dev.chunkvault.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.emulators.PortInUseException;
import dev.chunkvault.local.template.TemplateException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code infra/local-cloud} — the local cloud's command line.
 * <pre>
 *   start   [--port 4750] [--s3-port 4751] [--dynamodb-port 4752] [--ws-port 4753] [--data DIR] [--template FILE]
 *           [--param Name=Value]... [--env NAME=VALUE]... [--no-schedules]
 *   token   USER [--scopes chunkvault/read,chunkvault/write] [--ttl-seconds N] [--json] [--port 4750]
 *   gc      [--port 4750]        run the GC schedule now and print its report
 *   status  [--port 4750]
 * </pre>
 * Exit codes: 0 ok, 1 failed, 2 usage, 3 a port is in use, 4 the local cloud is not running.
 */
public final class LocalCloudMain {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int PORT_IN_USE = 3;
    static final int NOT_RUNNING = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalCloudMain() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != Integer.MIN_VALUE) {
            // DynamoDB Local leaves non-daemon threads behind: end the JVM explicitly.
            System.exit(code);
        }
    }

    /** Runs a command; returns its exit code, or MIN_VALUE for a server that keeps running. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        Args a;
        try {
            a = Args.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("local-cloud: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        try {
            return switch (a.command) {
                case "start" -> start(a, out, err);
                case "token" -> token(a, out, err);
                case "gc" -> call(a, "POST", "/local/v1/schedules/GcFunction/run", null, out, err);
                case "status" -> call(a, "GET", "/local/v1/status", null, out, err);
                default -> {
                    err.println("local-cloud: unknown command '" + a.command + "'");
                    err.print(USAGE_TEXT);
                    yield USAGE;
                }
            };
        } catch (IllegalArgumentException e) {
            err.println("local-cloud: " + e.getMessage());
            return USAGE;
        }
    }

    private static int start(Args a, PrintStream out, PrintStream err) {
        a.allow("port", "s3-port", "dynamodb-port", "ws-port", "data", "template", "param", "env", "no-schedules");
        Path data = Path.of(a.one("data", ".chunkvault-local"));
        LocalCloud.Options o = LocalCloud.Options.persistent(data)
                .withPorts(a.port("port", LocalCloud.DEFAULT_API_PORT), a.port("s3-port", LocalCloud.DEFAULT_S3_PORT),
                        a.port("dynamodb-port", LocalCloud.DEFAULT_DYNAMODB_PORT))
                .withWebSocketPort(a.port("ws-port", a.port("port", LocalCloud.DEFAULT_API_PORT) + 3))
                .withSchedules(!a.flag("no-schedules"))
                .withParameters(a.pairs("param"))
                .withEnvironment(a.pairs("env"));
        if (a.has("template")) {
            o = o.withTemplate(Path.of(a.one("template", null)));
        }
        LocalCloud cloud;
        try {
            cloud = LocalCloud.start(o);
        } catch (PortInUseException e) {
            err.println("local-cloud: port " + e.port() + " on 127.0.0.1 is already in use — is another local cloud running?"
                    + " (check with: infra/local-cloud status; or start on other ports with --port, --s3-port, --dynamodb-port, --ws-port)");
            return PORT_IN_USE;
        } catch (TemplateException e) {
            err.println("local-cloud: template.yaml cannot run locally: " + e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println("local-cloud: could not start: " + e);
            return FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("\nlocal-cloud: stopping…");
            cloud.close();
            out.println("local-cloud: stopped; data kept in " + data.toAbsolutePath());
            stopped.countDown();
        }, "local-cloud-shutdown"));
        out.print(banner(cloud));
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Integer.MIN_VALUE;
    }

    static String banner(LocalCloud cloud) {
        String api = cloud.apiEndpoint().toString();
        StringBuilder b = new StringBuilder();
        b.append(String.format("%nChunkvault local cloud is up (ready in %.1f s)%n", cloud.startupTime().toMillis() / 1000.0));
        b.append(String.format("  HTTP API   %-26s %d routes, %d functions from %s%n", api, cloud.template().routes().size(),
                cloud.template().functions().size(), cloud.template().file()));
        b.append(String.format("  Console    %-26s the web console: open it in a browser%n", api + "/"));
        b.append(String.format("  S3         %-26s s3proxy (Signature V4), bucket %s%n", cloud.s3Endpoint(),
                String.join(", ", cloud.template().buckets().stream().map(r -> r.physicalName()).toList())));
        b.append(String.format("  DynamoDB   %-26s DynamoDB Local, %d tables%n", cloud.dynamoEndpoint(), cloud.template().tables().size()));
        cloud.webSocketUrl().ifPresent(ws -> b.append(String.format("  WebSocket  %-26s push notifications (files table stream -> %s)%n",
                ws, String.join(", ", cloud.template().streams().stream().map(x -> x.functionId()).toList()))));
        b.append(String.format("  JWT        issuer %s, audience %s%n", cloud.issuer().issuer(), dev.chunkvault.local.auth.LocalIssuer.AUDIENCE));
        b.append(String.format("  Sign-in    %s/oauth2/authorize and /oauth2/token (like Cognito's hosted UI), client id %s%n", api,
                dev.chunkvault.local.http.OAuthEndpoints.CLIENT_ID));
        if (cloud.options().dataDir() != null) {
            b.append(String.format("  Data       %s%n", cloud.options().dataDir().toAbsolutePath()));
        }
        for (JsonNode s : cloud.schedules().path("schedules")) {
            b.append(String.format("  Schedule   %s %s, next %s%n", s.path("function").asText(), s.path("expression").asText(),
                    s.path("running").asBoolean() ? s.path("next").asText() : "(not running: use 'infra/local-cloud gc')"));
        }
        if (!cloud.notEmulated().isEmpty()) {
            // "FilesTable.SSESpecification", ... → "SSESpecification (5)": the property, and on how many resources.
            Map<String, Integer> byProperty = new java.util.TreeMap<>();
            cloud.notEmulated().forEach(p -> byProperty.merge(p.substring(p.indexOf('.') + 1), 1, Integer::sum));
            List<String> parts = new ArrayList<>();
            byProperty.forEach((p, n) -> parts.add(n == 1 ? p : p + " (" + n + ")"));
            b.append("  Not emulated (AWS only): ").append(String.join(", ", parts)).append('\n');
        }
        b.append('\n');
        b.append("  Get a token:   TOKEN=$(infra/local-cloud token alice)\n");
        b.append("  Call the API:  curl -H \"Authorization: Bearer $TOKEN\" ").append(api).append("/v1/files\n");
        b.append("  Use the CLI:   client/chunkvault login --endpoint ").append(api).append(" --local alice\n");
        b.append("  Or as on AWS:  client/chunkvault login --endpoint ").append(api).append(" --cognito-domain ").append(api)
                .append(" --client-id ").append(dev.chunkvault.local.http.OAuthEndpoints.CLIENT_ID).append('\n');
        b.append("  Run GC now:    infra/local-cloud gc\n");
        b.append("  Stop:          Ctrl-C (data stays for the next start)\n\n");
        return b.toString();
    }

    private static int token(Args a, PrintStream out, PrintStream err) {
        a.allow("port", "scopes", "ttl-seconds", "json");
        if (a.positional.size() != 1) {
            throw new IllegalArgumentException("token takes one user name: infra/local-cloud token alice");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("user", a.positional.get(0));
        if (a.has("scopes")) {
            var scopes = body.putArray("scopes");
            for (String s : a.one("scopes", "").split(",")) {
                if (!s.isBlank()) {
                    scopes.add(s.trim());
                }
            }
        }
        if (a.has("ttl-seconds")) {
            try {
                body.put("ttlSeconds", Long.parseLong(a.one("ttl-seconds", "")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ttl-seconds takes a whole number");
            }
        }
        if (a.flag("json")) {
            return call(a, "POST", "/local/v1/token", body, out, err);
        }
        StringBuilder captured = new StringBuilder();
        int code = call(a, "POST", "/local/v1/token", body, new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int c) {
                captured.append((char) c);
            }
        }, true), err);
        if (code == OK) {
            try {
                out.println(JSON.readTree(captured.toString()).path("token").asText());
            } catch (IOException e) {
                err.println("local-cloud: unexpected answer from the local cloud");
                return FAILED;
            }
        }
        return code;
    }

    private static int call(Args a, String method, String path, JsonNode body, PrintStream out, PrintStream err) {
        a.allow("port", "scopes", "ttl-seconds", "json");
        int port = a.port("port", LocalCloud.DEFAULT_API_PORT);
        URI uri = URI.create("http://127.0.0.1:" + port + path);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(16))
                .header("content-type", "application/json");
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        try {
            HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(resp.body());
            if (resp.statusCode() / 100 != 2) {
                err.println("local-cloud: " + answer.path("message").asText(resp.body()));
                return FAILED;
            }
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            return OK;
        } catch (ConnectException e) {
            err.println("local-cloud: the local cloud is not running on 127.0.0.1:" + port + " — start it with: infra/local-cloud start");
            return NOT_RUNNING;
        } catch (IOException e) {
            err.println("local-cloud: " + uri + " failed: " + e);
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }

    static final String USAGE_TEXT = """
            Usage: infra/local-cloud <command> [options]

              start    Start the local cloud (DynamoDB Local + s3proxy + the HTTP API from template.yaml) and
                       keep it running until Ctrl-C. Data stays in --data (default .chunkvault-local).
                         --port N            HTTP API port (4750)
                         --s3-port N         s3proxy port (4751)
                         --dynamodb-port N   DynamoDB Local port (4752)
                         --data DIR          data directory (.chunkvault-local)
                         --template FILE     the SAM template (template.yaml in this directory or a parent)
                         --param Name=Value  a template parameter, e.g. --param RetentionDays=7
                         --env NAME=VALUE    an extra environment variable for every function
                         --no-schedules      do not fire schedules by themselves (run them with 'gc')
              token    USER  Print an access token for USER (scopes read, write, admin; 12 hours).
                         --scopes a,b        other scopes, e.g. chunkvault/read
                         --ttl-seconds N     another lifetime
                         --json              the whole answer (sub, scopes, expiresAt)
              gc       Run the nightly GC now and print its report.
              status   Print the running local cloud's endpoints and counters.

            token, gc and status talk to a running local cloud on --port (4750).
            Sign in as on AWS (authorization code + PKCE, the endpoints of Cognito's hosted UI, no password locally):
              client/chunkvault login --endpoint http://127.0.0.1:4750 --cognito-domain http://127.0.0.1:4750 \\
                  --client-id chunkvault-local
            (a loopback redirect_uri only; local only: login_hint=USER on /oauth2/authorize skips the sign-in page.)
            Exit codes: 0 ok, 1 failed, 2 usage, 3 a port is in use, 4 the local cloud is not running.
            """;

    /** Minimal option parsing: {@code command [positional...] [--name value | --flag]...}. */
    static final class Args {
        final String command;
        final List<String> positional = new ArrayList<>();
        final Map<String, List<String>> options = new LinkedHashMap<>();
        private static final java.util.Set<String> FLAGS = java.util.Set.of("no-schedules", "json");

        private Args(String command) {
            this.command = command;
        }

        static Args parse(String[] args) {
            Args a = new Args(args[0]);
            for (int i = 1; i < args.length; i++) {
                String s = args[i];
                if (s.startsWith("--")) {
                    String name = s.substring(2);
                    String value = null;
                    int eq = name.indexOf('=');
                    if (eq >= 0 && !name.startsWith("param") && !name.startsWith("env")) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    }
                    if (FLAGS.contains(name)) {
                        a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                        continue;
                    }
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("--" + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    a.positional.add(s);
                }
            }
            return a;
        }

        void allow(String... names) {
            java.util.Set<String> ok = java.util.Set.of(names);
            for (String n : options.keySet()) {
                if (!ok.contains(n)) {
                    throw new IllegalArgumentException("unknown option --" + n + " for '" + command + "'");
                }
            }
            if (!command.equals("token") && !positional.isEmpty()) {
                throw new IllegalArgumentException("unexpected argument '" + positional.get(0) + "'");
            }
        }

        boolean has(String name) {
            return options.containsKey(name);
        }

        boolean flag(String name) {
            return options.containsKey(name);
        }

        String one(String name, String fallback) {
            List<String> v = options.get(name);
            if (v == null) {
                return fallback;
            }
            if (v.size() > 1) {
                throw new IllegalArgumentException("--" + name + " is given twice");
            }
            return v.get(0);
        }

        int port(String name, int fallback) {
            String v = one(name, null);
            if (v == null) {
                return fallback;
            }
            try {
                int p = Integer.parseInt(v);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " is a port number 1-65535");
            }
        }

        Map<String, String> pairs(String name) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String v : options.getOrDefault(name, List.of())) {
                int eq = v.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--" + name + " takes Name=Value, got '" + v + "'");
                }
                out.put(v.substring(0, eq), v.substring(eq + 1));
            }
            return out;
        }
    }
}
