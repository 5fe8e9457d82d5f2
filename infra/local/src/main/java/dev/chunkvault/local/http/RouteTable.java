package dev.chunkvault.local.http;

import dev.chunkvault.local.template.SamTemplate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API's routes as API Gateway selects them: an exact method beats ANY, a route with fewer path variables
 * beats one with more, a greedy {@code {proxy+}} matches last, and {@code $default} catches the rest. Path variables
 * become {@code pathParameters}.
 */
public final class RouteTable {
    /** A matched route and the values of its path variables. */
    public record Match(SamTemplate.Route route, Map<String, String> pathParameters) {}

    private record Compiled(SamTemplate.Route route, List<String> segments, int variables, boolean greedy) {}

    private final List<Compiled> routes = new ArrayList<>();
    private SamTemplate.Route fallback;

    public RouteTable(List<SamTemplate.Route> all) {
        Map<String, SamTemplate.Route> seen = new LinkedHashMap<>();
        for (SamTemplate.Route r : all) {
            SamTemplate.Route before = seen.put(r.routeKey(), r);
            if (before != null) {
                throw new IllegalArgumentException("route " + r.routeKey() + " is declared by both "
                        + before.functionId() + " and " + r.functionId());
            }
            if (r.path().equals("$default")) {
                fallback = r;
                continue;
            }
            if (!r.path().startsWith("/")) {
                throw new IllegalArgumentException("route path must start with '/': " + r.routeKey());
            }
            List<String> segments = split(r.path());
            int vars = (int) segments.stream().filter(s -> s.startsWith("{")).count();
            boolean greedy = !segments.isEmpty() && segments.get(segments.size() - 1).endsWith("+}");
            routes.add(new Compiled(r, segments, vars, greedy));
        }
        routes.sort(Comparator.comparing((Compiled c) -> c.greedy)
                .thenComparingInt(c -> c.variables)
                .thenComparing(c -> c.route.method().equals("ANY"))
                .thenComparing(c -> -c.segments.size()));
    }

    /** The route for a request, or empty (API Gateway answers 404 Not Found; HTTP APIs have no 405). */
    public Optional<Match> match(String method, String path) {
        List<String> actual = split(path);
        for (Compiled c : routes) {
            if (!c.route.method().equals("ANY") && !c.route.method().equals(method)) {
                continue;
            }
            Map<String, String> params = bind(c, actual);
            if (params != null) {
                return Optional.of(new Match(c.route, params));
            }
        }
        return fallback == null ? Optional.empty() : Optional.of(new Match(fallback, Map.of()));
    }

    private static Map<String, String> bind(Compiled c, List<String> actual) {
        Map<String, String> params = new LinkedHashMap<>();
        int n = c.segments.size();
        if (c.greedy ? actual.size() < n : actual.size() != n) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            String want = c.segments.get(i);
            if (c.greedy && i == n - 1) {
                params.put(want.substring(1, want.length() - 2), String.join("/", actual.subList(i, actual.size())));
                return params;
            }
            if (want.startsWith("{") && want.endsWith("}")) {
                if (actual.get(i).isEmpty()) {
                    return null;
                }
                params.put(want.substring(1, want.length() - 1), actual.get(i));
            } else if (!want.equals(actual.get(i))) {
                return null;
            }
        }
        return params;
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty()) {
            return out;
        }
        for (String s : p.split("/", -1)) {
            out.add(s);
        }
        return out;
    }
}
