package dev.chunkvault.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gaul.s3proxy.AccessGrant;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * s3proxy ({@code org.gaul:s3proxy}) in this JVM on 127.0.0.1, storing objects in a directory (its filesystem
 * store), with AWS Signature V4 authentication enforced: requests and presigned URLs must be signed with
 * {@link #credentials()} (the bucket owner: anything goes) or with one of the {@link Options#identities() identities}
 * (each limited by its {@link Policy}), and s3proxy checks the signature, the signed headers and the expiry.
 *
 * <p>In front of s3proxy's handler, {@link S3Front} does what S3 does and s3proxy does not: it refuses presigned
 * requests carrying {@code x-amz-*} (or {@code Content-MD5}) headers their signature does not cover (403
 * {@code AccessDenied}, {@code HeadersNotSigned}); it refuses an identity's requests its policy does not allow; and it
 * answers a missing key with 403 {@code AccessDenied}, not 404, to an identity whose policy does not allow
 * {@code s3:ListBucket} on the bucket.
 */
public final class LocalS3 implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalS3.class);
    public static final Credentials DEFAULT_CREDENTIALS = new Credentials("chunkvault-local", "chunkvault-local-secret");

    /**
     * What an identity may do, as IAM decides it for S3: {@code allows("s3:GetObject", "arn:aws:s3:::bucket/key")}.
     * Only explicit permissions count (anything not allowed is denied).
     */
    @FunctionalInterface
    public interface Policy {
        boolean allows(String action, String resourceArn);
    }

    /** Another access key s3proxy accepts, limited to what {@code policy} allows (like a Lambda function's role). */
    public record Identity(Credentials credentials, Policy policy) {}

    /**
     * @param port        the port, or 0 for a free one
     * @param dataDir     the directory objects are stored in (one sub-directory per bucket), or null for a
     *                    temporary directory deleted on {@link #close()}
     * @param credentials the bucket owner's identity: not limited by any policy
     * @param identities  other identities, each limited by its policy
     */
    public record Options(int port, Path dataDir, Credentials credentials, List<Identity> identities) {
        public Options {
            identities = List.copyOf(identities);
        }

        public static Options temporary() {
            return new Options(0, null, DEFAULT_CREDENTIALS, List.of());
        }

        public Options withPort(int p) {
            return new Options(p, dataDir, credentials, identities);
        }

        public Options withDataDir(Path d) {
            return new Options(port, d, credentials, identities);
        }

        public Options withCredentials(Credentials c) {
            return new Options(port, dataDir, c, identities);
        }

        public Options withIdentities(List<Identity> ids) {
            return new Options(port, dataDir, credentials, ids);
        }
    }

    private final S3Proxy proxy;
    private final BlobStore store;
    private final int port;
    private final Path dataDir;
    private final boolean temporary;
    private final Credentials credentials;

    private LocalS3(S3Proxy proxy, BlobStore store, int port, Path dataDir, boolean temporary, Credentials credentials) {
        this.proxy = proxy;
        this.store = store;
        this.port = port;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.credentials = credentials;
    }

    public static LocalS3 start(Options options) {
        boolean temporary = options.dataDir() == null;
        Path dir;
        try {
            dir = temporary ? Files.createTempDirectory("chunkvault-s3-") : Files.createDirectories(options.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the s3proxy directory " + options.dataDir(), e);
        }
        if (options.port() != 0 && FreePorts.isBusy(options.port())) {
            throw new PortInUseException("s3proxy", options.port());
        }
        BlobStore store = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + options.port()))
                .awsAuthentication(AuthenticationType.AWS_V4, options.credentials().accessKeyId(),
                        options.credentials().secretAccessKey())
                .ignoreUnknownHeaders(false)
                .build();
        Map<String, String> secrets = new HashMap<>();
        Map<String, Policy> policies = new HashMap<>();
        secrets.put(options.credentials().accessKeyId(), options.credentials().secretAccessKey());
        for (Identity id : options.identities()) {
            if (secrets.put(id.credentials().accessKeyId(), id.credentials().secretAccessKey()) != null) {
                throw new IllegalArgumentException("access key " + id.credentials().accessKeyId() + " given twice");
            }
            policies.put(id.credentials().accessKeyId(), id.policy());
        }
        proxy.setBlobStoreLocator((identity, container, blob) -> {
            String secret = identity == null ? null : secrets.get(identity);
            return secret == null ? null : new AccessGrant(secret, store);
        });
        installFront(proxy, new S3Front(policies, store::containerExists));
        try {
            proxy.start();
            for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
                Thread.sleep(10);
            }
        } catch (Exception e) {
            try {
                proxy.stop();
            } catch (Exception ignored) {
                // best effort after a failed start
            }
            if (hasCause(e, BindException.class)) {
                throw new PortInUseException("s3proxy", options.port());
            }
            throw new IllegalStateException("s3proxy did not start", e);
        }
        return new LocalS3(proxy, store, proxy.getPort(), dir, temporary, options.credentials());
    }

    /**
     * Puts {@code front} before s3proxy's handler: a servlet filter on the servlet context s3proxy's Jetty serves (s3proxy
     * has no hook for one; its Jetty is shaded into its jar, so an s3proxy upgrade that moves it fails here, loudly).
     */
    private static void installFront(S3Proxy proxy, jakarta.servlet.Filter front) {
        try {
            java.lang.reflect.Field field = S3Proxy.class.getDeclaredField("server");
            field.setAccessible(true);
            var server = (org.gaul.shaded.org.eclipse.jetty.server.Server) field.get(proxy);
            var handler = server.getHandler();
            while (handler instanceof org.gaul.shaded.org.eclipse.jetty.server.Handler.Wrapper w
                    && !(handler instanceof org.gaul.shaded.org.eclipse.jetty.ee10.servlet.ServletContextHandler)) {
                handler = w.getHandler();
            }
            if (!(handler instanceof org.gaul.shaded.org.eclipse.jetty.ee10.servlet.ServletContextHandler context)) {
                throw new IllegalStateException("s3proxy serves no servlet context: " + server.getHandler());
            }
            context.addFilter(front, "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot put the S3 front before this s3proxy version's handler", e);
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Creates a bucket unless it exists (idempotent; s3proxy keeps buckets as directories). */
    public void ensureBucket(String name) {
        if (!store.containerExists(name)) {
            store.createContainer(name);
        }
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Credentials credentials() {
        return credentials;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            LOG.warn("s3proxy did not stop cleanly: {}", e.toString());
        }
        if (temporary) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", dataDir, e.toString());
            }
        }
    }
}
