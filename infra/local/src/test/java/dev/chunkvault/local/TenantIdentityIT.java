package dev.chunkvault.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chunkvault.local.auth.LocalIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tenant is the token's {@code sub}, and two different subjects never share data (issue 14, item 4), over HTTP on
 * the local cloud. The local authorizer passes claims to the function as API Gateway does, as strings, so a numeric,
 * null, array or object subject would arrive as the text of a string subject that somebody else may have, and an
 * unpaired surrogate would become "?" on its way into a key. The function accepts only a JSON string of well-formed
 * Unicode text, at most 255 bytes of UTF-8, without control characters; everything else is 401 INVALID_SUBJECT.
 */
@ExtendWith(LocalCloudExtension.class)
class TenantIdentityIT {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final LocalCloud cloud;
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    TenantIdentityIT(LocalCloud cloud) {
        this.cloud = cloud;
    }

    /** A token of the local issuer whose {@code sub} is {@code sub} as a JSON value (null: no sub claim at all). */
    private String token(JsonNode sub) {
        ObjectNode c = Http.JSON.createObjectNode();
        long now = Instant.now().getEpochSecond();
        c.put("iss", cloud.issuer().issuer());
        if (sub != null) {
            c.set("sub", sub);
        }
        c.put("aud", LocalIssuer.AUDIENCE);
        c.put("scope", "chunkvault/read chunkvault/write");
        c.put("iat", now);
        c.put("exp", now + 600);
        return cloud.issuer().sign(c);
    }

    private Tenant tenant(String sub) {
        return new Tenant(cloud, sub, token(NODES.textNode(sub)));
    }

    /** Text for a failure message: anything outside printable ASCII as a \\u escape (a lone surrogate breaks reports). */
    private static String ascii(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    private static void assertInvalidSubject(Http.Response r, String what) {
        assertEquals(401, r.status(), () -> what + ": " + r.text());
        JsonNode body = r.json();
        assertEquals("INVALID_SUBJECT", body.path("error").asText(), what + ": " + r.text());
        assertTrue(body.path("message").asText().contains("255 bytes"), r.text());
        assertFalse(body.path("requestId").asText().isEmpty(), r.text());
        assertFalse(r.text().contains("Exception") || r.text().contains("\tat "), r.text());
        assertEquals("Bearer error=\"invalid_token\"", r.header("www-authenticate"), what);
    }

    @Test
    void subjectsThatAreNotAcceptableStringsAre401AndReachNobodysFiles() {
        // The tenants whose keys the bad subjects used to land on, each with a file.
        Map<JsonNode, String> victims = new LinkedHashMap<>();
        victims.put(NODES.textNode("\ud800"), "?"); // every unpaired surrogate was tenant "?"
        victims.put(NODES.textNode("\ud801"), "?");
        victims.put(NODES.textNode("\udc00"), "?");
        victims.put(NODES.textNode("x\ud800y"), "x?y");
        victims.put(NODES.numberNode(123), "123");
        victims.put(NODES.numberNode(1.5), "1.5");
        victims.put(NODES.nullNode(), "null");
        victims.put(NODES.booleanNode(true), "true");
        victims.put(NODES.arrayNode().add("alice-" + run), "[alice-" + run + "]");
        victims.put(NODES.objectNode().put("a", 1), "{\"a\":1}");
        List<String> written = new ArrayList<>();
        for (String victim : new java.util.LinkedHashSet<>(victims.values())) {
            Tenant t = tenant(victim);
            t.put("identity/secret-of-" + run + ".txt", null, Tenant.Content.of(
                    ("the file of tenant " + victim).getBytes(StandardCharsets.UTF_8)));
            written.add(victim);
        }
        assertEquals(8, written.size());

        Map<String, JsonNode> bad = new LinkedHashMap<>();
        victims.forEach((sub, victim) -> bad.put("sub " + ascii(sub.toString()) + " (was tenant " + victim + ")", sub));
        bad.put("an empty sub", NODES.textNode(""));
        bad.put("a blank sub", NODES.textNode("   "));
        bad.put("a 256-byte sub", NODES.textNode("s".repeat(256)));
        bad.put("a 256-byte sub of 2-byte characters", NODES.textNode("\u00e9".repeat(128)));
        bad.put("a sub of 5,000 characters", NODES.textNode("s".repeat(5000)));
        bad.put("a sub with NUL", NODES.textNode("alice\u0000" + run));
        bad.put("a sub with a newline", NODES.textNode("alice\n" + run));
        bad.put("a sub with DEL", NODES.textNode("alice\u007f"));
        bad.put("a sub with a C1 control", NODES.textNode("alice\u0085"));
        bad.put("a sub with U+FFFD", NODES.textNode("\ufffd"));
        bad.put("a sub with a noncharacter", NODES.textNode("alice\uffff"));
        bad.put("no sub at all", null);
        bad.forEach((what, sub) -> {
            String token = token(sub);
            Http.Response list = Http.get(cloud.apiEndpoint(), "/v1/files?folder=identity&recursive=true", token);
            if (list.status() == 200) {
                // Today's failure, spelled out: another tenant's files.
                assertFalse(list.text().contains("secret-of-" + run), what + " sees another tenant's files: " + list.text());
            }
            assertInvalidSubject(list, what + " listing");
            assertInvalidSubject(Http.postJson(cloud.apiEndpoint(), "/v1/uploads", token,
                    Map.of("chunks", List.of(Map.of("id", "a".repeat(64), "size", 1)))), what + " uploading");
            assertInvalidSubject(Http.postJson(cloud.apiEndpoint(), "/v1/downloads", token,
                    Map.of("path", "identity/secret-of-" + run + ".txt")), what + " downloading");
        });

        // The victims still see their own file, and only their own.
        for (String victim : written) {
            Tenant t = tenant(victim);
            t.assertContent("identity/secret-of-" + run + ".txt", ("the file of tenant " + victim).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void differentAcceptedSubjectsNeverShareFilesHoldingsOrUploads() {
        // Subjects that some normalisation, case folding, trimming or lossy encoding would merge. The service uses
        // the subject verbatim (RFC 7519 compares claims code point by code point), so each one is a tenant of its own.
        List<String> subs = new ArrayList<>();
        for (String s : List.of("?", "\u00e9", "e\u0301", "\u2126", "\u03a9", "\ufb01", "fi", "A", "a", "a ", " a", "a#b",
                "a#", "123", "null", "[alice]", "\ud83d\ude00", "\u1e9b\u0323", "\u1e69")) {
            subs.add(run + "-" + s);
            subs.add(s + "-" + run);
        }
        subs.add(run + "-" + "\u20ac".repeat(80)); // 9 + 240 = 249 bytes
        subs.add("m".repeat(255 - run.length()) + run); // exactly 255 bytes
        String path = "identity/same-name.txt";
        Tenant.Content shared = Tenant.Content.of(Tenant.random(run.hashCode(), 3000));
        Tenant first = tenant(subs.get(0));
        first.put("identity/shared.bin", null, shared);

        List<Tenant> tenants = new ArrayList<>();
        for (String sub : subs) {
            Tenant t = tenant(sub);
            tenants.add(t);
            if (!sub.equals(subs.get(0))) {
                // The first tenant's chunks are not this one's: not "already held", and not committable without an
                // upload of its own (the object carries the first tenant's owner tag).
                JsonNode offer = Tenant.expect(200, t.post("/v1/uploads", Map.of("chunks",
                        List.of(Map.of("id", shared.id(0).hex(), "size", shared.chunk(0).length)))));
                assertEquals(0, offer.path("have").size(), sub + " is told it holds another tenant's chunk: " + offer);
                Http.Response steal = t.commit("identity/stolen.bin", null, shared);
                assertEquals(422, steal.status(), () -> sub + " committed another tenant's chunks: " + steal.text());
            }
            Tenant.Content mine = Tenant.Content.of(("the file of " + sub).getBytes(StandardCharsets.UTF_8));
            t.put(path, null, mine);
        }
        for (int i = 0; i < tenants.size(); i++) {
            Tenant t = tenants.get(i);
            String sub = subs.get(i);
            t.assertContent(path, ("the file of " + sub).getBytes(StandardCharsets.UTF_8));
            JsonNode files = Tenant.expect(200, t.get("/v1/files?folder=identity&recursive=true")).path("files");
            int expected = i == 0 ? 2 : 1;
            assertEquals(expected, files.size(), () -> sub + " lists " + files);
            JsonNode history = Tenant.expect(200, t.get("/v1/history?path=" + Tenant.encode(path))).path("versions");
            assertEquals(1, history.size(), () -> sub + " has a history of " + history);
        }
    }
}
