package dev.chunkvault.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chunkvault.local.template.SamTemplate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Route selection as API Gateway HTTP APIs do it. */
class RouteTableTest {
    private static SamTemplate.Route r(String fn, String method, String path) {
        return new SamTemplate.Route(fn, "E", null, method, path, "", List.of());
    }

    @Test
    void mostSpecificRouteWins() {
        RouteTable t = new RouteTable(List.of(r("exact", "GET", "/v1/files"), r("any", "ANY", "/v1/files"),
                r("var", "GET", "/v1/{name}"), r("greedy", "GET", "/v1/{rest+}"), r("post", "POST", "/v1/commits"),
                r("fallback", "ANY", "$default")));
        assertEquals("exact", t.match("GET", "/v1/files").orElseThrow().route().functionId());
        assertEquals("any", t.match("PUT", "/v1/files").orElseThrow().route().functionId());
        RouteTable.Match var = t.match("GET", "/v1/history").orElseThrow();
        assertEquals("var", var.route().functionId());
        assertEquals(Map.of("name", "history"), var.pathParameters());
        RouteTable.Match greedy = t.match("GET", "/v1/a/b/c").orElseThrow();
        assertEquals("greedy", greedy.route().functionId());
        assertEquals(Map.of("rest", "a/b/c"), greedy.pathParameters());
        assertEquals("post", t.match("POST", "/v1/commits").orElseThrow().route().functionId());
        assertEquals("fallback", t.match("DELETE", "/v1/commits").orElseThrow().route().functionId());
        assertEquals("fallback", t.match("GET", "/elsewhere").orElseThrow().route().functionId());
    }

    @Test
    void noMatchWithoutDefaultRoute() {
        RouteTable t = new RouteTable(List.of(r("post", "POST", "/v1/commits")));
        assertTrue(t.match("GET", "/v1/commits").isEmpty(), "HTTP APIs answer 404, not 405, for another method");
        assertTrue(t.match("POST", "/v1/commits/x").isEmpty());
        assertTrue(t.match("POST", "/v1").isEmpty());
    }

    @Test
    void duplicateRoutesAreATemplateError() {
        assertThrows(IllegalArgumentException.class,
                () -> new RouteTable(List.of(r("a", "GET", "/x"), r("b", "GET", "/x"))));
    }
}
