package dev.chunkvault.emulators;

import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteException;
import com.almworks.sqlite4java.SQLiteStatement;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.shared.access.sqlite.SQLiteLibraryLoader;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB Local ({@code com.amazonaws:DynamoDBLocal}) in this JVM, in server mode on 127.0.0.1 with
 * {@code -sharedDb -disableTelemetry}, in memory or in a directory.
 * <p>
 * Port 0 is refused by DynamoDB Local, so a free port is picked first (and picking is retried if another
 * process takes it in between). DynamoDB Local's own threads outlive {@link #close()}: a {@code main} that
 * used it must end with {@link System#exit}.
 */
public final class LocalDynamo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalDynamo.class);
    /** DynamoDB Local with -sharedDb accepts any credentials; these are what our clients send. */
    public static final Credentials CREDENTIALS = new Credentials("local", "local");

    /**
     * @param port       the port, or 0 for a free one
     * @param dbPath     the directory of the database file, or null for in-memory
     * @param nativeDir  where to extract sqlite4java's libraries, or null for {@link NativeLibraries#defaultDirectory()}
     */
    public record Options(int port, Path dbPath, Path nativeDir) {
        public static Options inMemory() {
            return new Options(0, null, null);
        }

        public Options withPort(int p) {
            return new Options(p, dbPath, nativeDir);
        }

        public Options withDbPath(Path p) {
            return new Options(port, p, nativeDir);
        }

        public Options withNativeDir(Path p) {
            return new Options(port, dbPath, p);
        }
    }

    private final DynamoDBProxyServer server;
    private final int port;
    private final Path dbPath;

    private LocalDynamo(DynamoDBProxyServer server, int port, Path dbPath) {
        this.server = server;
        this.port = port;
        this.dbPath = dbPath;
    }

    public static LocalDynamo start(Options options) {
        NativeLibraries.prepare(options.nativeDir() != null ? options.nativeDir() : NativeLibraries.defaultDirectory());
        if (options.dbPath() != null) {
            try {
                Files.createDirectories(options.dbPath());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the DynamoDB Local directory " + options.dbPath(), e);
            }
            prepareDatabase(options.dbPath().resolve(DATABASE_FILE));
        }
        int attempts = options.port() == 0 ? 5 : 1;
        RuntimeException last = null;
        for (int i = 0; i < attempts; i++) {
            int port = options.port() == 0 ? FreePorts.pick() : options.port();
            if (options.port() != 0 && FreePorts.isBusy(port)) {
                throw new PortInUseException("DynamoDB Local", port);
            }
            try {
                return new LocalDynamo(startOn(port, options.dbPath()), port, options.dbPath());
            } catch (BindFailed e) {
                last = options.port() == 0 ? e : new PortInUseException("DynamoDB Local", port);
            }
        }
        throw last;
    }

    /** DynamoDB Local's database file in its directory, with {@code -sharedDb}. */
    static final String DATABASE_FILE = "shared-local-instance.db";
    /** The page size of a new database: SQLite's default since 3.12, where DynamoDB Local's own gives 1 KiB. */
    static final int PAGE_SIZE = 4096;

    /**
     * Puts DynamoDB Local's database in write-ahead-log mode (kept in the file: DynamoDB Local's connections then use
     * it), and gives a new one {@value #PAGE_SIZE}-byte pages. DynamoDB Local leaves SQLite's rollback journal and
     * 1 KiB pages: every transaction copied each page it changed to a journal file first (three writes a page) and
     * created, synced and deleted that file, all on DynamoDB Local's one SQLite thread (124,000 write calls by it while
     * 590 files of a 16,079-file folder were updated; docs/perf-many-files.md). With a write-ahead log a transaction
     * appends its pages and syncs the log once (DynamoDB Local's connections keep their sync setting, SQLite's
     * default). An existing database keeps its page size (SQLite changes it only in a new file); its journal mode
     * changes like a new one's. Uses sqlite4java, DynamoDB Local's own binding, before DynamoDB Local opens the file.
     */
    static void prepareDatabase(Path file) {
        try {
            // DynamoDB Local's copy of SQLite, loaded as DynamoDB Local loads it: sqlite4java then uses it. Loaded through
            // sqlite4java's own path first, it made a second copy in the process once DynamoDB Local loaded its own (two
            // SQLites with their own globals, handles crossing between them), which crashed DynamoDB Local.
            SQLiteLibraryLoader.initialize();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local's SQLite library did not load", e);
        }
        SQLiteConnection c = new SQLiteConnection(file.toFile());
        try {
            c.open(true);
            // A DynamoDB Local stopped just before in this JVM closes its connection on its own thread, a moment later.
            c.setBusyTimeout(30_000);
            if ("0".equals(single(c, "PRAGMA page_count"))) {
                c.exec("PRAGMA page_size=" + PAGE_SIZE);
            }
            String mode = single(c, "PRAGMA journal_mode=WAL");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new IllegalStateException("DynamoDB Local's database " + file + " stays in journal mode " + mode);
            }
        } catch (SQLiteException e) {
            throw new IllegalStateException("cannot prepare DynamoDB Local's database " + file, e);
        } finally {
            c.dispose();
        }
    }

    /** The first column of the first row {@code sql} answers, as text (null if none). */
    private static String single(SQLiteConnection c, String sql) throws SQLiteException {
        SQLiteStatement st = c.prepare(sql, false);
        try {
            return st.step() ? st.columnString(0) : null;
        } finally {
            st.dispose();
        }
    }

    private static DynamoDBProxyServer startOn(int port, Path dbPath) {
        List<String> args = new ArrayList<>(List.of("-port", Integer.toString(port), "-sharedDb", "-disableTelemetry"));
        if (dbPath == null) {
            args.add("-inMemory");
        } else {
            args.add("-dbPath");
            args.add(dbPath.toAbsolutePath().toString());
        }
        DynamoDBProxyServer server;
        try {
            server = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local rejected its options " + args, e);
        }
        bindToLoopback(server);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            if (hasCause(e, BindException.class)) {
                throw new BindFailed(e);
            }
            throw new IllegalStateException("DynamoDB Local did not start on port " + port, e);
        }
        return server;
    }

    /** DynamoDB Local listens on all interfaces ({@code new Server(port)}); bind it to loopback instead. */
    private static void bindToLoopback(DynamoDBProxyServer proxy) {
        try {
            Field f = DynamoDBProxyServer.class.getDeclaredField("server");
            f.setAccessible(true);
            Server jetty = (Server) f.get(proxy);
            for (Connector c : jetty.getConnectors()) {
                if (c instanceof ServerConnector sc) {
                    sc.setHost("127.0.0.1");
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Fail closed: DynamoDB Local accepts any credentials, so it must never listen beyond this machine.
            stopQuietly(proxy);
            throw new IllegalStateException("DynamoDB Local could not be bound to 127.0.0.1 only (its Jetty changed?); "
                    + "refusing to listen on all interfaces", e);
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

    private static void stopQuietly(DynamoDBProxyServer server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // best effort after a failed start
        }
    }

    private static final class BindFailed extends RuntimeException {
        BindFailed(Throwable cause) {
            super("port taken", cause);
        }
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Credentials credentials() {
        return CREDENTIALS;
    }

    /** The database directory, or null in memory. */
    public Path dbPath() {
        return dbPath;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("DynamoDB Local did not stop cleanly: {}", e.toString());
        }
    }
}
