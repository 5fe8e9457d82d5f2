package dev.chunkvault.local.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.chunkvault.local.template.SamTemplate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One function of the template, run the way the Lambda Java runtime runs it: the handler class is instantiated once
 * (the cold start, on first use) with the function's environment; each invocation turns the event JSON into the
 * handler's input type with the runtime's own serializers ({@code aws-lambda-java-serialization}), calls the handler
 * with a {@link Context} whose remaining time counts down to the function's timeout, and turns the output back into
 * JSON. Reserved concurrency is a limit on invocations in flight.
 */
public final class LocalFunction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFunction.class);
    /** Plain (non-event) inputs and outputs, as the runtime serializes POJOs and maps. */
    private static final ObjectMapper POJO = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** How a handler instance is made from its class and environment (tests inject their own). */
    @FunctionalInterface
    public interface HandlerFactory {
        Object create(Class<?> handlerClass, Map<String, String> environment, String functionId) throws Exception;

        /**
         * The runtime's way, given that a local process cannot set a real environment: a public constructor taking
         * the environment as a {@code Map<String, String>}, else the public no-arg constructor (which then reads
         * this JVM's environment).
         */
        HandlerFactory DEFAULT = (type, env, id) -> {
            try {
                return type.getConstructor(Map.class).newInstance(env);
            } catch (NoSuchMethodException noEnvConstructor) {
                LOG.warn("{} has no public ({}) constructor: it reads this JVM's environment, not the template's",
                        type.getName(), "Map<String, String>");
                return type.getConstructor().newInstance();
            }
        };
    }

    /**
     * Why an invocation produced no output: the function failed to start or threw, it ran past its timeout, it was
     * at its reserved concurrency, its event or output exceeded Lambda's 6 MB synchronous payload limit, or the caller
     * stopped waiting first (API Gateway's 30-second integration timeout; the function keeps running).
     */
    public enum Failure { INIT_ERROR, HANDLER_ERROR, TIMEOUT, THROTTLED, EVENT_TOO_LARGE, OUTPUT_TOO_LARGE, CALLER_TIMEOUT }

    /** Lambda's limit on a synchronous invocation's request and response payloads. */
    public static final int MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

    public static final class InvocationFailed extends Exception {
        private final Failure failure;

        InvocationFailed(Failure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private final SamTemplate.Function spec;
    private final String functionName;
    private final String functionArn;
    private final Map<String, String> environment;
    private final HandlerFactory factory;
    private final Semaphore concurrency;
    private final ExecutorService threads;
    private final AtomicInteger invocations = new AtomicInteger();
    private volatile Object handler;

    public LocalFunction(SamTemplate.Function spec, String functionName, Map<String, String> environment,
                         HandlerFactory factory) {
        this.spec = spec;
        this.functionName = functionName;
        this.functionArn = "arn:aws:lambda:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":function:" + functionName;
        this.environment = Map.copyOf(environment);
        this.factory = factory;
        this.concurrency = spec.reservedConcurrency() == null ? null : new Semaphore(Math.max(0, spec.reservedConcurrency()), true);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lambda-" + spec.logicalId() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public SamTemplate.Function spec() {
        return spec;
    }

    public String functionName() {
        return functionName;
    }

    public Map<String, String> environment() {
        return environment;
    }

    public int invocations() {
        return invocations.get();
    }

    /**
     * Invokes the function with {@code event} (JSON bytes) and returns its output as JSON bytes.
     *
     * @param waitForCapacity whether to queue behind the reserved-concurrency limit (asynchronous invocations, as
     *                        EventBridge retries them) rather than fail at once (synchronous, like API Gateway)
     */
    public byte[] invoke(byte[] event, String requestId, boolean waitForCapacity) throws InvocationFailed {
        return invoke(event, requestId, waitForCapacity, null);
    }

    /**
     * @param callerTimeout how long the caller waits (null: until the function's own timeout); when it is shorter
     *                      and runs out, the invocation fails with CALLER_TIMEOUT while the function runs on
     */
    public byte[] invoke(byte[] event, String requestId, boolean waitForCapacity, java.time.Duration callerTimeout)
            throws InvocationFailed {
        if (!waitForCapacity && event.length > MAX_SYNC_PAYLOAD_BYTES) {
            throw new InvocationFailed(Failure.EVENT_TOO_LARGE, functionName + ": the event exceeds 6 MB", null);
        }
        if (concurrency != null) {
            if (waitForCapacity) {
                concurrency.acquireUninterruptibly();
            } else if (!concurrency.tryAcquire()) {
                throw new InvocationFailed(Failure.THROTTLED, functionName + " is at its reserved concurrency", null);
            }
        }
        // The permit is held until the handler really returns: a timed-out handler thread cannot be stopped here
        // (on AWS its sandbox would be), so it keeps counting against the reserved concurrency while it runs.
        boolean submitted = false;
        try {
            Object h = handler();
            invocations.incrementAndGet();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.timeoutSeconds());
            Context context = new LocalContext(requestId, functionName, functionArn, spec.memoryMb(), deadline);
            Future<byte[]> f = threads.submit((Callable<byte[]>) () -> {
                try {
                    return call(h, event, context);
                } finally {
                    if (concurrency != null) {
                        concurrency.release();
                    }
                }
            });
            submitted = true;
            long waitMillis = TimeUnit.SECONDS.toMillis(spec.timeoutSeconds());
            boolean callerFirst = callerTimeout != null && callerTimeout.toMillis() < waitMillis;
            try {
                byte[] out = f.get(callerFirst ? callerTimeout.toMillis() : waitMillis, TimeUnit.MILLISECONDS);
                if (!waitForCapacity && out.length > MAX_SYNC_PAYLOAD_BYTES) {
                    throw new InvocationFailed(Failure.OUTPUT_TOO_LARGE, functionName + ": the response exceeds 6 MB", null);
                }
                return out;
            } catch (TimeoutException e) {
                if (callerFirst) {
                    throw new InvocationFailed(Failure.CALLER_TIMEOUT, functionName + ": the caller stopped waiting after "
                            + callerTimeout.toSeconds() + " s", null);
                }
                f.cancel(true);
                throw new InvocationFailed(Failure.TIMEOUT, functionName + " timed out after " + spec.timeoutSeconds() + " s", null);
            } catch (ExecutionException e) {
                throw new InvocationFailed(Failure.HANDLER_ERROR, functionName + " failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvocationFailed(Failure.HANDLER_ERROR, "interrupted", e);
            }
        } finally {
            if (!submitted && concurrency != null) {
                concurrency.release();
            }
        }
    }

    /** The handler instance, made on first use (a failed init is retried on the next invocation, like Lambda). */
    private Object handler() throws InvocationFailed {
        Object h = handler;
        if (h != null) {
            return h;
        }
        synchronized (this) {
            if (handler == null) {
                long started = System.nanoTime();
                try {
                    Class<?> type = Class.forName(spec.handlerClass(), true, Thread.currentThread().getContextClassLoader());
                    handler = Objects.requireNonNull(factory.create(type, environment, spec.logicalId()), "handler factory returned null");
                } catch (Exception | LinkageError e) {
                    throw new InvocationFailed(Failure.INIT_ERROR, "cannot initialise " + spec.handler(), e);
                }
                LOG.info("{}: initialised {} in {} ms", spec.logicalId(), spec.handlerClass(), (System.nanoTime() - started) / 1_000_000);
            }
            return handler;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static byte[] call(Object h, byte[] event, Context context) throws Exception {
        if (h instanceof RequestStreamHandler s) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            s.handleRequest(new ByteArrayInputStream(event), out, context);
            return out.toByteArray();
        }
        if (!(h instanceof RequestHandler handler)) {
            throw new IllegalStateException(h.getClass().getName() + " is neither a RequestHandler nor a RequestStreamHandler");
        }
        Class<?>[] io = handlerTypes(h.getClass());
        Object input = fromJson(io[0], event);
        Object output = handler.handleRequest(input, context);
        return toJson(io[1], output);
    }

    /** The input and output classes of a {@code RequestHandler<I, O>} implementation. */
    public static Class<?>[] handlerTypes(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type t : c.getGenericInterfaces()) {
                if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                    return new Class<?>[] {raw(p.getActualTypeArguments()[0]), raw(p.getActualTypeArguments()[1])};
                }
            }
        }
        return new Class<?>[] {Object.class, Object.class};
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    private static boolean isEventType(Class<?> c) {
        return LambdaEventSerializers.isLambdaSupportedEvent(c.getName());
    }

    private static Object fromJson(Class<?> type, byte[] json) throws Exception {
        if (isEventType(type)) {
            PojoSerializer<?> s = LambdaEventSerializers.serializerFor(type, type.getClassLoader());
            return s.fromJson(new ByteArrayInputStream(json));
        }
        return POJO.readValue(json, type);
    }

    @SuppressWarnings("unchecked")
    private static byte[] toJson(Class<?> type, Object value) throws Exception {
        if (value == null) {
            return "null".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (isEventType(type)) {
            PojoSerializer<Object> s = (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(type, type.getClassLoader());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            s.toJson(value, out);
            return out.toByteArray();
        }
        return POJO.writeValueAsBytes(value);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        Object h = handler;
        if (h instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("{}: close failed: {}", spec.logicalId(), e.toString());
            }
        }
    }
}
