package dev.chunkvault.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP proxy of each request, read from the environment the way curl and the AWS CLI read it:
 * {@code CHUNKVAULT_PROXY} (every request, as before: it wins), else {@code HTTPS_PROXY} / {@code https_proxy} for
 * https and wss URLs and {@code HTTP_PROXY} / {@code http_proxy} for http and ws ones, except for the hosts of
 * {@code NO_PROXY} / {@code no_proxy}: a comma-separated list of host names (a name matches itself and its sub-domains;
 * a leading dot or {@code *.} is the same), IP addresses, optional {@code :port}s (ignored), or {@code *} for none at
 * all. Proxies are {@code http://host:port} or {@code host:port}; credentials in the URL are refused (they would be
 * sent in the clear to anything that reads the environment).
 */
final class EnvProxies extends ProxySelector {
    private final InetSocketAddress http;
    private final InetSocketAddress https;
    private final List<String> noProxy;
    private final boolean noneAtAll;

    private EnvProxies(InetSocketAddress http, InetSocketAddress https, List<String> noProxy, boolean noneAtAll) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
        this.noneAtAll = noneAtAll;
    }

    /** The selector the environment asks for, or null for direct connections everywhere. */
    static ProxySelector from(Map<String, String> env) {
        String own = value(env, "CHUNKVAULT_PROXY");
        if (own != null) {
            return ProxySelector.of(address(own, "CHUNKVAULT_PROXY"));
        }
        String httpsName = value(env, "HTTPS_PROXY") != null ? "HTTPS_PROXY" : "https_proxy";
        String httpName = value(env, "HTTP_PROXY") != null ? "HTTP_PROXY" : "http_proxy";
        InetSocketAddress https = value(env, httpsName) == null ? null : address(value(env, httpsName), httpsName);
        InetSocketAddress http = value(env, httpName) == null ? null : address(value(env, httpName), httpName);
        if (https == null && http == null) {
            return null;
        }
        String no = value(env, "NO_PROXY") != null ? value(env, "NO_PROXY") : value(env, "no_proxy");
        List<String> hosts = new ArrayList<>();
        boolean all = false;
        if (no != null) {
            for (String entry : no.split(",")) {
                String h = entry.strip().toLowerCase(Locale.ROOT);
                if (h.equals("*")) {
                    all = true;
                }
                if (h.startsWith("[") && h.contains("]")) {
                    h = h.substring(1, h.indexOf(']'));
                } else if (h.indexOf(':') == h.lastIndexOf(':') && h.contains(":")) {
                    h = h.substring(0, h.indexOf(':')); // host:port; an IPv6 address has several colons
                }
                h = h.startsWith("*.") ? h.substring(2) : h.startsWith(".") ? h.substring(1) : h;
                if (!h.isEmpty() && !h.equals("*")) {
                    hosts.add(h);
                }
            }
        }
        return new EnvProxies(http, https, List.copyOf(hosts), all);
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static InetSocketAddress address(String value, String name) {
        URI p;
        try {
            p = URI.create(value.contains("://") ? value : "http://" + value);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(name + " must be host:port or http://host:port.");
        }
        if (p.getUserInfo() != null) {
            throw CliException.usage(name + " holds credentials; an authenticating proxy is not supported.");
        }
        if (p.getHost() == null || !"http".equalsIgnoreCase(p.getScheme())) {
            throw CliException.usage(name + " must be host:port or http://host:port.");
        }
        return new InetSocketAddress(p.getHost(), p.getPort() > 0 ? p.getPort() : 80);
    }

    /** Whether requests to {@code host} go direct. */
    boolean bypassed(String host) {
        if (noneAtAll) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        for (String n : noProxy) {
            if (h.equals(n) || h.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Proxy> select(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        InetSocketAddress proxy = scheme.equals("https") || scheme.equals("wss") ? https : http;
        if (proxy == null || uri.getHost() == null || bypassed(uri.getHost())) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, proxy));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // nothing to learn: the request fails and is retried like any other
    }
}
