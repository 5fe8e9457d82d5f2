package dev.chunkvault.local;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts ONE local cloud per test JVM (in memory, free ports, schedules not firing by themselves) the first time a
 * test asks for it, and stops it when the JVM's tests are done. Test classes use
 * {@code @ExtendWith(LocalCloudExtension.class)} and take a {@link LocalCloud} parameter (constructor, test or
 * lifecycle method). Tests share the cloud, so each should use its own user names (tenants) and paths.
 */
public final class LocalCloudExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalCloudExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalCloud.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cloud(context);
    }

    /** The JVM's local cloud, started on first use. */
    public static LocalCloud cloud(ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shared.class, k -> {
            long t0 = System.nanoTime();
            LocalCloud cloud = LocalCloud.start(LocalCloud.Options.inMemory());
            System.out.printf("LocalCloudExtension: local cloud up at %s in %d ms%n", cloud.apiEndpoint(),
                    (System.nanoTime() - t0) / 1_000_000);
            return new Shared(cloud);
        }, Shared.class);
        if (shared == null) {
            throw new ParameterResolutionException("the local cloud did not start");
        }
        return shared.cloud;
    }

    private record Shared(LocalCloud cloud) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cloud.close();
        }
    }
}
