package dev.chunkvault.local.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The local cloud's identity provider: an RSA signing key (kept in the data directory, so tokens survive a restart,
 * or only in memory), its JWKS document, and access tokens shaped like Cognito's ({@code sub}, {@code username},
 * {@code client_id}, {@code scope}, {@code token_use: access}) plus {@code aud}, signed RS256.
 * A user's {@code sub} is a stable UUID derived from the user name, so the same name is the same tenant.
 */
public final class LocalIssuer {
    public static final String AUDIENCE = "chunkvault-local";
    public static final List<String> DEFAULT_SCOPES = List.of("chunkvault/read", "chunkvault/write", "chunkvault/admin");
    public static final Duration DEFAULT_TTL = Duration.ofHours(12);
    public static final Duration MAX_TTL = Duration.ofDays(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final RSAPrivateCrtKey privateKey;
    private final RSAPublicKey publicKey;
    private final String kid;
    private final Clock clock;

    private LocalIssuer(String issuer, RSAPrivateCrtKey privateKey, Clock clock) {
        this.issuer = issuer;
        this.privateKey = privateKey;
        this.clock = clock;
        try {
            this.publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                    new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
            this.kid = "local-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    /** A fresh key that lives in memory only. */
    public static LocalIssuer ephemeral(String issuer, Clock clock) {
        return new LocalIssuer(issuer, generate(), clock);
    }

    /** The key kept in {@code keyFile} (PKCS#8, base64), created with owner-only permissions on first use. */
    public static LocalIssuer persistent(String issuer, Path keyFile, Clock clock) {
        try {
            if (Files.exists(keyFile)) {
                byte[] der = Base64.getMimeDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII)
                        .replaceAll("-----[A-Z ]+-----", ""));
                RSAPrivateCrtKey key = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
                return new LocalIssuer(issuer, key, clock);
            }
            RSAPrivateCrtKey key = generate();
            Files.createDirectories(keyFile.getParent());
            Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
            String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the file inherits the directory's ACL.
            }
            Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
            return new LocalIssuer(issuer, key, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the local signing key " + keyFile, e);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("the local signing key " + keyFile + " is not an RSA private key; delete it to make a new one", e);
        }
    }

    private static RSAPrivateCrtKey generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return (RSAPrivateCrtKey) g.generateKeyPair().getPrivate();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public String kid() {
        return kid;
    }

    /** The stable tenant id of a local user name. */
    public static String subjectOf(String user) {
        return UUID.nameUUIDFromBytes(("chunkvault-local-user:" + user).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The JWKS document that verifies this issuer's tokens. */
    public ObjectNode jwks() {
        ObjectNode key = JSON.createObjectNode();
        key.put("kty", "RSA");
        key.put("kid", kid);
        key.put("use", "sig");
        key.put("alg", "RS256");
        key.put("n", b64(unsigned(publicKey.getModulus())));
        key.put("e", b64(unsigned(publicKey.getPublicExponent())));
        ObjectNode doc = JSON.createObjectNode();
        doc.putArray("keys").add(key);
        return doc;
    }

    /** A token for {@code user} with these scopes, valid for {@code ttl}. */
    public Token mint(String user, List<String> scopes, Duration ttl) {
        validateUser(user);
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("a token lives between 1 second and " + MAX_TTL.toDays() + " days");
        }
        for (String s : scopes) {
            if (s.isBlank() || s.chars().anyMatch(c -> c <= ' ' || c == '"')) {
                throw new IllegalArgumentException("a scope is a word without spaces or quotes");
            }
        }
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", issuer);
        claims.put("sub", subjectOf(user));
        claims.put("aud", AUDIENCE);
        claims.put("client_id", AUDIENCE);
        claims.put("token_use", "access");
        claims.put("scope", String.join(" ", scopes));
        claims.put("username", user);
        claims.put("auth_time", now.getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", exp.getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        return new Token(sign(claims), subjectOf(user), List.copyOf(scopes), exp);
    }

    /** Signs arbitrary claims with this issuer's key (tests use it to make expired or odd tokens). */
    public String sign(ObjectNode claims) {
        ObjectNode header = JSON.createObjectNode();
        header.put("alg", "RS256");
        header.put("typ", "JWT");
        header.put("kid", kid);
        try {
            String signingInput = b64(JSON.writeValueAsBytes(header)) + "." + b64(JSON.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(privateKey);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64(s.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    public static void validateUser(String user) {
        if (user == null || user.isBlank() || user.length() > 128
                || !user.codePoints().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '@' || c == '+')) {
            throw new IllegalArgumentException("a user name is 1-128 letters, digits and . _ - @ +");
        }
    }

    /** A minted token. */
    public record Token(String token, String sub, List<String> scopes, Instant expiresAt) {}

    static byte[] unsigned(BigInteger i) {
        byte[] b = i.toByteArray();
        if (b.length > 1 && b[0] == 0) {
            byte[] t = new byte[b.length - 1];
            System.arraycopy(b, 1, t, 0, t.length);
            return t;
        }
        return b;
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
