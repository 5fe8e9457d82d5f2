package dev.chunkvault.service.vault;

import dev.chunkvault.core.hash.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The tenant: the JWT {@code sub} of the caller, never a path or body field. {@link #tag()} is a one-way
 * tag of it that is safe to store in object metadata (signed into upload URLs, checked at verify time).
 *
 * <p>The subject is used verbatim wherever an owner is keyed: the {@code files} partition, refs
 * {@code <owner>#<chunkId>}, the file id digest and the owner tag all take the subject's exact code points, encoded
 * as UTF-8, without any normalisation (RFC 7519 §7.3: claims are compared code point by code point, never
 * normalised). UTF-8 is injective only on well-formed text, so a caller's subject goes through {@link #of(String)},
 * which admits only subjects for which the whole chain is injective: two different accepted subjects never share a
 * key. The record's own constructor only checks the basics, so that rows written before the check still load.
 */
public record Owner(String sub) {
    /**
     * The longest accepted subject, in UTF-8 bytes. OpenID Connect Core 1.0 §2 caps {@code sub} at 255 ASCII
     * characters (Cognito's are 36-character UUIDs, other providers' fit well within), and counting bytes rather
     * than characters bounds the keys the subject goes into (refs add 65 bytes, DynamoDB partition keys stop at 2,048).
     */
    public static final int MAX_SUBJECT_BYTES = 255;

    public Owner {
        Objects.requireNonNull(sub, "sub");
        if (sub.isEmpty() || sub.length() > 256) {
            throw new IllegalArgumentException("a subject is 1..256 characters");
        }
    }

    /**
     * The owner of a verified token's subject, when the subject is one the service accepts.
     *
     * @throws InvalidSubject when {@link #problem(String)} finds something wrong with it
     */
    public static Owner of(String sub) {
        Optional<String> problem = problem(sub);
        if (problem.isPresent()) {
            throw new InvalidSubject(problem.get());
        }
        return new Owner(sub);
    }

    /**
     * What is wrong with {@code sub} as a tenant id (for the log, never echoing it), or empty when it is acceptable:
     * not blank, at most {@link #MAX_SUBJECT_BYTES} bytes of UTF-8, only Unicode scalar values (no unpaired
     * surrogate: UTF-8 would turn each into the same {@code ?}), no control character (C0, DEL, C1: the service's
     * digests use NUL as a separator, and logs and audit reports print owners), no U+FFFD (the mark of a lossy
     * decoding somewhere upstream, where different subjects may already have become one) and no noncharacter.
     */
    public static Optional<String> problem(String sub) {
        if (sub == null) {
            return Optional.of("no subject");
        }
        if (sub.isBlank()) {
            return Optional.of("blank subject");
        }
        int bytes = 0;
        for (int i = 0; i < sub.length(); ) {
            int c = sub.codePointAt(i);
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                return Optional.of("unpaired surrogate at index " + i);
            }
            if (Character.getType(c) == Character.CONTROL) {
                return Optional.of("control character U+" + hex(c) + " at index " + i);
            }
            if (c == 0xFFFD) {
                return Optional.of("replacement character U+FFFD at index " + i);
            }
            if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE) {
                return Optional.of("noncharacter U+" + hex(c) + " at index " + i);
            }
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (bytes > MAX_SUBJECT_BYTES) {
                return Optional.of("longer than " + MAX_SUBJECT_BYTES + " bytes of UTF-8");
            }
            i += Character.charCount(c);
        }
        return Optional.empty();
    }

    private static String hex(int c) {
        return String.format("%04X", c);
    }

    public String tag() {
        byte[] d = Sha256.newDigest().digest(("chunkvault-owner\u0000" + sub).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 32);
    }

    /** A subject the service does not accept as a tenant id; the message says why, for the log only. */
    public static final class InvalidSubject extends IllegalArgumentException {
        InvalidSubject(String why) {
            super(why);
        }
    }
}
