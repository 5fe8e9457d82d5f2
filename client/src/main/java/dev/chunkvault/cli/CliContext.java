package dev.chunkvault.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.chunkvault.client.ChunkvaultClient;
import dev.chunkvault.client.ClientJson;
import dev.chunkvault.client.ClientOptions;
import dev.chunkvault.client.sync.StateStore;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What every command works with: environment, streams, global options, config, and the client built from them. One
 * per invocation, made by the command line; it knows no command.
 */
final class CliContext {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    final boolean interactive;
    final Clock clock = Clock.systemDefaultZone();
    Path cwd = Path.of("").toAbsolutePath();

    // global options, set by picocli on Root
    boolean json;
    boolean debug;
    boolean quiet;
    String endpointOverride;
    /** {@code --bwlimit}: overrides {@code CHUNKVAULT_BWLIMIT}. */
    String bwlimit;
    /** {@code --profile}: overrides {@code CHUNKVAULT_PROFILE}. */
    String profile;
    Integer parallel;

    private ChunkvaultClient client;

    CliContext(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    /** Closes the client, if one was made. */
    void close() {
        if (client != null) {
            client.close();
        }
    }

    int report(Throwable t) {
        Errors.Verdict v = Errors.classify(t);
        if (json) {
            out.println(toJson(Map.of("error", v.message(), "exitCode", v.exitCode())));
        }
        err.println("chunkvault: " + v.message());
        if (debug) {
            t.printStackTrace(err);
        }
        return v.exitCode();
    }

    /**
     * The configuration of the profile in use ({@code --profile}, else {@code CHUNKVAULT_PROFILE}): the default one in
     * the configuration folder itself, a named one in {@code profiles/NAME} under it — each with its own endpoint,
     * tokens and journal, so several accounts or endpoints live side by side.
     */
    Path configDir() {
        String name = profile != null ? profile : env.get("CHUNKVAULT_PROFILE");
        if (name == null || name.isBlank() || name.equals("default")) {
            return Config.dir(env);
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw CliException.usage("A profile name is 1 to 64 letters, digits, '.', '_' or '-', not starting with a"
                    + " '.', '_' or '-'.");
        }
        return Config.dir(env).resolve("profiles").resolve(name);
    }

    /** The config file's settings, without environment overrides. */
    Config fileConfig() {
        return Config.load(configDir());
    }

    /** The effective settings: file, then environment, then --endpoint. */
    Config config() {
        Config c = fileConfig().withEnv(env);
        if (endpointOverride != null) {
            c = c.withEndpoint(endpointOverride);
        }
        return c;
    }

    ChunkvaultClient client() {
        if (client == null) {
            Config c = config();
            if (c.endpoint() == null) {
                throw CliException.notLoggedIn();
            }
            if (c.token() == null) {
                throw CliException.notLoggedIn();
            }
            URI endpoint;
            try {
                endpoint = URI.create(c.endpoint());
                if (endpoint.getScheme() == null || endpoint.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw CliException.usage("The endpoint '" + c.endpoint() + "' is not a URL.");
            }
            boolean fromEnv = env.containsKey("CHUNKVAULT_TOKEN") && !env.get("CHUNKVAULT_TOKEN").isBlank();
            ClientOptions o = ClientOptions.of(endpoint, new ConfigTokens(c, configDir(), fromEnv, clock));
            if (parallel != null) {
                o = o.withParallelism(parallel);
            }
            String limit = bwlimit != null ? bwlimit : env.get("CHUNKVAULT_BWLIMIT");
            if (limit != null && !limit.isBlank()) {
                try {
                    o = o.withBandwidth(dev.chunkvault.client.Bandwidth.Limits.parse(limit));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--bwlimit: " + e.getMessage() + " (e.g. 10M, or 10M:2M for up:down).");
                }
            }
            java.net.ProxySelector proxies = EnvProxies.from(env);
            if (proxies != null) {
                o = o.withProxy(proxies);
            }
            String packs = env.get("CHUNKVAULT_PACKS");
            if (packs != null && !packs.isBlank()) {
                if (!Set.of("on", "off").contains(packs)) {
                    throw CliException.usage("CHUNKVAULT_PACKS must be on or off.");
                }
                o = o.withPacks(packs.equals("on"));
            }
            client = new ChunkvaultClient(o);
        }
        return client;
    }

    String device() {
        String d = env.get("CHUNKVAULT_DEVICE");
        if (d != null && !d.isBlank()) {
            return d;
        }
        Config c = fileConfig();
        if (c.device() != null) {
            return c.device();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "this device";
        }
    }

    Progress progress() {
        return new Progress(out, err, interactive && !json, quiet || json);
    }

    /** The sync folder holding {@code p} (a folder with {@code .chunkvault/state.db}), or null. */
    static Path syncFolderOf(Path p) {
        for (Path d = p.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(".chunkvault").resolve("state.db"))) {
                return d;
            }
        }
        return null;
    }

    /** The journal used by pushes outside any sync folder. */
    StateStore globalJournal() throws java.io.IOException {
        Path dir = configDir();
        Files.createDirectories(dir);
        return StateStore.openFile(cwd, dir.resolve("journal.db"));
    }

    private static final ObjectMapper PRETTY = ClientJson.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

    static String toJson(Object o) {
        try {
            return PRETTY.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints {@code value} as JSON with --json, else runs {@code human}. */
    void emit(Object value, Consumer<PrintStream> human) {
        if (json) {
            out.println(toJson(value));
        } else {
            human.accept(out);
        }
    }
}
