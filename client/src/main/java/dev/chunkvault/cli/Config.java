package dev.chunkvault.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The CLI's settings and credentials, in {@code config.json} of the config folder: {@code $CHUNKVAULT_CONFIG_DIR},
 * else {@code $XDG_CONFIG_HOME/chunkvault}, else {@code ~/.config/chunkvault}. Written atomically with mode 600
 * (it holds tokens). {@code CHUNKVAULT_ENDPOINT} and {@code CHUNKVAULT_TOKEN} override the file.
 *
 * @param localUser     for the local cloud: the user a token is minted for (re-minted when it expires)
 * @param cognitoDomain the Cognito hosted-UI domain (with https://), when logged in through it
 */
public record Config(String endpoint, String token, String tokenExpiresAt, String refreshToken, String localUser,
                     String cognitoDomain, String clientId, String device) {

    static final String FILE = "config.json";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .serializationInclusion(JsonInclude.Include.NON_NULL).build();

    public static Config empty() {
        return new Config(null, null, null, null, null, null, null, null);
    }

    public static Path dir(Map<String, String> env) {
        String d = env.get("CHUNKVAULT_CONFIG_DIR");
        if (d != null && !d.isBlank()) {
            return Path.of(d);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "chunkvault");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".config", "chunkvault");
    }

    /** The file's settings, or empty ones if there is no file. */
    public static Config load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return empty();
        }
        try {
            return JSON.readValue(f.toFile(), Config.class);
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "The config file " + f + " cannot be read; fix or delete it.");
        }
    }

    /** The file's settings with environment overrides applied. */
    public Config withEnv(Map<String, String> env) {
        Config c = this;
        String ep = env.get("CHUNKVAULT_ENDPOINT");
        if (ep != null && !ep.isBlank()) {
            c = c.withEndpoint(ep);
        }
        String tok = env.get("CHUNKVAULT_TOKEN");
        if (tok != null && !tok.isBlank()) {
            c = new Config(c.endpoint, tok, null, null, null, null, null, c.device);
        }
        return c;
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".config-", ".tmp");
        try {
            restrict(tmp);
            Files.write(tmp, JSON.writeValueAsBytes(this));
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void restrict(Path f) throws IOException {
        try {
            Set<PosixFilePermission> p = PosixFilePermissions.fromString("rw-------");
            Files.setPosixFilePermissions(f, p);
        } catch (UnsupportedOperationException notPosix) {
            f.toFile().setReadable(false, false);
            f.toFile().setReadable(true, true);
            f.toFile().setWritable(false, false);
            f.toFile().setWritable(true, true);
        }
    }

    public Config withEndpoint(String e) {
        return new Config(e, token, tokenExpiresAt, refreshToken, localUser, cognitoDomain, clientId, device);
    }

    public Config withToken(String t, String expiresAt, String refresh) {
        return new Config(endpoint, t, expiresAt, refresh, localUser, cognitoDomain, clientId, device);
    }

    public Config withLocalUser(String u) {
        return new Config(endpoint, token, tokenExpiresAt, refreshToken, u, cognitoDomain, clientId, device);
    }

    public Config withCognito(String domain, String client) {
        return new Config(endpoint, token, tokenExpiresAt, refreshToken, localUser, domain, client, device);
    }

    public Config withDevice(String d) {
        return new Config(endpoint, token, tokenExpiresAt, refreshToken, localUser, cognitoDomain, clientId, d);
    }

    /** Without credentials (logout). */
    public Config signedOut() {
        return new Config(endpoint, null, null, null, null, cognitoDomain, clientId, device);
    }
}
