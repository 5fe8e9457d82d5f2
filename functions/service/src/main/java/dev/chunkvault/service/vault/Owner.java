package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * The tenant: the JWT {@code sub} of the caller, never a path or body field. {@link #tag()} is a one-way
 * tag of it that is safe to store in object metadata (signed into upload URLs, checked at verify time).
 */
public record Owner(String sub) {
    public Owner {
        Objects.requireNonNull(sub, "sub");
        if (sub.isEmpty() || sub.length() > 256) {
            throw new IllegalArgumentException("a subject is 1..256 characters");
        }
    }

    public String tag() {
        byte[] d = Sha256.newDigest().digest(("chunkvault-owner\u0000" + sub).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 32);
    }
}
