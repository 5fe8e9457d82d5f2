package dev.chunkvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Proxies from the environment, as curl and the AWS CLI read them. */
class EnvProxiesTest {
    private static String via(ProxySelector s, String url) {
        Proxy p = s.select(URI.create(url)).get(0);
        return p.type() == Proxy.Type.DIRECT ? "direct" : ((InetSocketAddress) p.address()).getHostString() + ":"
                + ((InetSocketAddress) p.address()).getPort();
    }

    @Test
    void eachSchemeItsOwnProxyAndNoProxyHostsGoDirect() {
        ProxySelector s = EnvProxies.from(Map.of("HTTPS_PROXY", "http://127.0.0.1:3128", "http_proxy", "127.0.0.2:8080",
                "NO_PROXY", " localhost, .internal.example,*.corp.example ,10.0.0.7:443,[::1]"));
        assertEquals("127.0.0.1:3128", via(s, "https://abc.execute-api.eu-west-1.amazonaws.com/v1/files"));
        assertEquals("127.0.0.1:3128", via(s, "wss://abc.execute-api.eu-west-1.amazonaws.com/v1"), "sockets too");
        assertEquals("127.0.0.2:8080", via(s, "http://example.org/x"));
        assertEquals("direct", via(s, "http://localhost:4750/v1/files"));
        assertEquals("direct", via(s, "https://s3.internal.example/bucket"), "a sub-domain of a listed one");
        assertEquals("direct", via(s, "https://internal.example/"), "the listed domain itself");
        assertEquals("direct", via(s, "https://a.b.corp.example/"));
        assertEquals("direct", via(s, "https://10.0.0.7/"), "the port of an entry is ignored");
        assertEquals("direct", via(s, "http://[::1]:4750/"));
        assertEquals("127.0.0.1:3128", via(s, "https://notinternal.example/"), "a suffix that is not a sub-domain");
    }

    @Test
    void chunkvaultProxyWinsAndAStarMeansDirect() {
        ProxySelector own = EnvProxies.from(Map.of("CHUNKVAULT_PROXY", "127.0.0.3:9000", "HTTPS_PROXY", "127.0.0.1:3128",
                "NO_PROXY", "*"));
        assertEquals("127.0.0.3:9000", via(own, "https://example.org/"));
        ProxySelector star = EnvProxies.from(Map.of("HTTPS_PROXY", "127.0.0.1:3128", "no_proxy", "*"));
        assertEquals("direct", via(star, "https://example.org/"));
        ProxySelector onlyHttps = EnvProxies.from(Map.of("https_proxy", "127.0.0.1:3128"));
        assertEquals("direct", via(onlyHttps, "http://127.0.0.1:4750/"), "no proxy for plain http when none is set");
        assertNull(EnvProxies.from(Map.of("NO_PROXY", "localhost")), "nothing to do: direct everywhere");
    }

    @Test
    void badOrCredentialBearingProxiesAreUsageErrors() {
        assertThrows(CliException.class, () -> EnvProxies.from(Map.of("HTTPS_PROXY", "http://user:secret@127.0.0.1:3128")));
        assertThrows(CliException.class, () -> EnvProxies.from(Map.of("HTTP_PROXY", "socks5://127.0.0.1:1080")));
        assertThrows(CliException.class, () -> EnvProxies.from(Map.of("CHUNKVAULT_PROXY", "http://")));
    }
}
