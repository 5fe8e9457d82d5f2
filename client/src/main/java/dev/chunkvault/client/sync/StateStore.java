package dev.chunkvault.client.sync;

import dev.chunkvault.client.ChunkIndex;
import dev.chunkvault.client.ChunkvaultException;
import dev.chunkvault.client.PushJournal;
import dev.chunkvault.core.manifest.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A sync folder's state in SQLite ({@code DIR/.chunkvault/state.db}): each file's base version and local stat,
 * the local chunk index (which chunk is at which offset of which synced file), the upload journal and pending
 * commit keys, and small settings (the change cursor, the device name). WAL journal, so every recorded upload
 * survives a kill of the process.
 *
 * <p>Thread-safe: one connection; every method synchronized (uploads journal from several threads), except the small
 * writes of the sync's threads, which are committed in groups ({@link GroupWrites}).
 */
public final class StateStore implements PushJournal, ChunkIndex, AutoCloseable {
    static final int SCHEMA_VERSION = 1;

    private final Path root;
    private final Connection db;
    /** Each statement prepared once, by its SQL: preparing was about 6 % of a large sync's CPU (issue 15). */
    private final Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    /** The small writes of the sync's threads (records, the push journal, aliases), committed in groups. */
    private final GroupWrites writes;

    private StateStore(Path root, Connection db) {
        this.root = root;
        this.db = db;
        this.writes = new GroupWrites(this, new GroupWrites.Transactions() {
            @Override
            public void begin() throws SQLException {
                db.setAutoCommit(false);
            }

            @Override
            public void commit() throws SQLException {
                db.commit();
            }

            @Override
            public void rollback() {
                StateStore.this.rollback();
            }

            @Override
            public void end() {
                autoCommit();
            }
        });
    }

    /**
     * Runs {@code w} in a group of writes ({@link GroupWrites}): committed when this returns. Never called holding this
     * store's lock (the group's writer takes it).
     */
    private void write(GroupWrites.Write w) {
        try {
            writes.write(w);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Groups of writes committed, and the writes they carried (for tests and reports). */
    long[] writeGroups() {
        return writes.stats();
    }

    /** Opens (creating if needed) the state of the sync folder {@code root}. */
    public static StateStore open(Path root) {
        Path dir = root.resolve(".chunkvault");
        try {
            Files.createDirectories(dir);
            return openFile(root, dir.resolve("state.db"));
        } catch (java.io.IOException e) {
            throw new ChunkvaultException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens a state database at {@code file}; chunk locations resolve against {@code root}. */
    public static StateStore openFile(Path root, Path file) {
        try {
            SqliteNative.prepare();
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=10000");
                s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS files(path_key TEXT PRIMARY KEY, path TEXT NOT NULL,"
                        + " version TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
                        + " content_hash TEXT NOT NULL, manifest BLOB NOT NULL, synced_at INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS chunks(chunk_id TEXT NOT NULL, path_key TEXT NOT NULL,"
                        + " offset INTEGER NOT NULL, size INTEGER NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS chunks_by_id ON chunks(chunk_id)");
                s.execute("CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(path_key)");
                s.execute("CREATE TABLE IF NOT EXISTS uploaded(chunk_id TEXT PRIMARY KEY, size INTEGER NOT NULL,"
                        + " uploaded_at INTEGER NOT NULL)");
                // Added after schema 1 shipped; an older client ignores it, so the schema number stays.
                s.execute("CREATE TABLE IF NOT EXISTS signatures(chunk_id TEXT PRIMARY KEY, signature BLOB NOT NULL,"
                        + " used_at INTEGER NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS signatures_by_use ON signatures(used_at)");
                s.execute("CREATE TABLE IF NOT EXISTS commit_keys(path_key TEXT PRIMARY KEY, parent TEXT,"
                        + " manifest_hash TEXT NOT NULL, idem_key TEXT NOT NULL, created_at INTEGER NOT NULL)");
                // The synced version's executable bit, added after schema 1 shipped (0 for what was recorded before).
                addColumn(s, "files", "executable", "INTEGER NOT NULL DEFAULT 0");
                // Whether the synced version is a symbolic link (kept as one with --links), likewise added later.
                addColumn(s, "files", "link", "INTEGER NOT NULL DEFAULT 0");
                // Whether the synced version is an empty folder's marker (issue 21), likewise added later.
                addColumn(s, "files", "folder", "INTEGER NOT NULL DEFAULT 0");
                // Files whose name here is not their remote path's (issue 21: a name differing from a sibling's only by
                // case is stored under a marked name), likewise added later. An older client ignores it: it finds no file at
                // the marked name (a deletion here, sent to the server) and the pair a collision, so do not go back.
                s.execute("CREATE TABLE IF NOT EXISTS aliases(path_key TEXT PRIMARY KEY, local_path TEXT NOT NULL)");
            }
            StateStore store = new StateStore(root, c);
            String v = store.meta("schema").orElse(null);
            if (v == null) {
                store.putMeta("schema", Integer.toString(SCHEMA_VERSION));
            } else if (!v.equals(Integer.toString(SCHEMA_VERSION))) {
                c.close();
                throw new ChunkvaultException("The sync state " + file + " was written by another version of chunkvault"
                        + " (schema " + v + ").");
            }
            return store;
        } catch (SQLException e) {
            throw new ChunkvaultException("Cannot open the sync state " + file + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The statement of {@code sql}, prepared on first use and kept until {@link #close}: callers set every parameter
     * and close only their result sets (every method is synchronized, so one caller uses it at a time).
     */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = db.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    /** Adds a column to a table of a state written by an older client (which ignores it), unless it is there. */
    private static void addColumn(Statement s, String table, String column, String type) throws SQLException {
        try (ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (r.next()) {
                if (column.equals(r.getString("name"))) {
                    return;
                }
            }
        }
        s.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
    }

    // ---------------------------------------------------------------- meta

    static final String WRITERS = "writers";
    /** The runs whose ids a sync's feed read leaves out: the service takes at most 16. */
    static final int RECENT_RUNS = 16;

    /**
     * A new sync run's replica id: random (128 bits). The service keeps it on the files the run commits; the run's feed
     * read leaves out the files whose head this folder's recent runs wrote ({@link #recordRun}), which recorded them when
     * their commits were answered. A new id each run keeps that true of a copy of this state — a folder copied with its
     * {@code .chunkvault}, to a new machine or back from a backup: the copy and the original share only the runs from
     * before the copy, whose commits both have recorded, and each sees the other's later ones.
     */
    public static String newRunId() {
        byte[] random = new byte[16];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Records {@code id} as this folder's latest run ({@link #newRunId}), keeping the {@value #RECENT_RUNS} latest. */
    public synchronized void recordRun(String id) {
        List<String> runs = new ArrayList<>(recentRuns());
        runs.add(id);
        putMeta(WRITERS, String.join(",", runs.subList(Math.max(0, runs.size() - RECENT_RUNS), runs.size())));
    }

    /** The ids of this folder's latest sync runs ({@link #recordRun}), oldest first. */
    public synchronized List<String> recentRuns() {
        String v = meta(WRITERS).orElse("");
        return v.isEmpty() ? List.of() : List.of(v.split(","));
    }

    /** The meta key of the folder's choice to keep symbolic links as links ("1"; absent: skipped, the default). */
    public static final String LINKS = "links";

    /** Whether this folder syncs symbolic links as links (chosen once with {@code --links}, until {@code --no-links}). */
    public boolean syncsLinks() {
        return "1".equals(meta(LINKS).orElse(null));
    }

    /** Records the folder's choice about symbolic links. */
    public void setSyncsLinks(boolean links) {
        if (links) {
            putMeta(LINKS, "1");
        } else {
            deleteMeta(LINKS);
        }
    }

    public synchronized Optional<String> meta(String key) {
        try {
            PreparedStatement p = statement("SELECT value FROM meta WHERE key = ?");
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    public synchronized void putMeta(String key, String value) {
        try {
            PreparedStatement p = statement("INSERT INTO meta(key, value) VALUES(?, ?)"
                    + " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
            p.setString(1, key);
            p.setString(2, value);
            p.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    public synchronized void deleteMeta(String key) {
        try {
            PreparedStatement p = statement("DELETE FROM meta WHERE key = ?");
            p.setString(1, key);
            p.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Forgets everything this folder's state knows about the service: every record and the chunk index, the upload
     * journal and pending commit keys, the change cursor and other settings (not the folder's own choices, such as
     * whether it syncs symbolic links: {@link #LINKS}). The folder then syncs as if for the first time (nothing is
     * taken for a deletion; files on both sides are compared by content).
     */
    public synchronized void reset() {
        try {
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                s.executeUpdate("DELETE FROM files");
                s.executeUpdate("DELETE FROM chunks");
                s.executeUpdate("DELETE FROM uploaded");
                s.executeUpdate("DELETE FROM commit_keys");
                s.executeUpdate("DELETE FROM signatures");
                unwrittenSignatures.clear();
                signatureBytesBound = -1;
                s.executeUpdate("DELETE FROM aliases");
                s.executeUpdate("DELETE FROM meta WHERE key NOT IN ('schema', '" + LINKS + "')");
            }
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw failed(e);
        } finally {
            autoCommit();
        }
    }

    // ---------------------------------------------------------------- files

    public synchronized Optional<SyncRecord> get(String pathKey) {
        try {
            PreparedStatement p = statement("SELECT " + FILE_COLUMNS + " FROM files WHERE path_key = ?");
            p.setString(1, pathKey);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(record(r)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** A file's columns, in the order {@link #record} reads them. */
    private static final String FILE_COLUMNS = "path_key, path, version, size, mtime, content_hash, manifest, synced_at,"
            + " executable, link, folder";
    /** The same with no manifest read ({@link #allWithoutManifests}). */
    private static final String FILE_COLUMNS_NO_MANIFEST = FILE_COLUMNS.replace("manifest", "NULL AS manifest");

    /** Every record, by path key. */
    public synchronized Map<String, SyncRecord> all() {
        return all(FILE_COLUMNS, true, k -> null);
    }

    private Map<String, SyncRecord> all(String columns, boolean manifests, java.util.function.Function<String, String> spelled) {
        Map<String, SyncRecord> out = new LinkedHashMap<>();
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT " + columns + " FROM files ORDER BY path_key")) {
            while (r.next()) {
                SyncRecord rec = record(r, manifests, spelled);
                out.put(rec.pathKey(), rec);
            }
            return out;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Every record, by path key, without its manifest ({@code manifest()} null; {@link #withManifest} reads it): what a
     * sync plans with. A sync holds every record while it plans, and a decoded manifest is most of one (issue 15); only
     * the files that changed here need theirs.
     */
    public synchronized Map<String, SyncRecord> allWithoutManifests() {
        return allWithoutManifests(k -> null);
    }

    /**
     * As {@link #allWithoutManifests()}, with the path strings {@code spelled} gives for a key (a scan's) where they are
     * the record's path, so that a file's path is held once, not by its scan and its record each.
     */
    public synchronized Map<String, SyncRecord> allWithoutManifests(java.util.function.Function<String, String> spelled) {
        return all(FILE_COLUMNS_NO_MANIFEST, false, spelled);
    }

    /**
     * {@code rec} with its manifest: itself when it has one, else the stored record of the same version (a record read
     * by {@link #allWithoutManifests}), else {@code rec} as it is.
     */
    public SyncRecord withManifest(SyncRecord rec) {
        if (rec == null || rec.manifest() != null) {
            return rec;
        }
        return get(rec.pathKey()).filter(stored -> stored.version().equals(rec.version()) && stored.manifest() != null)
                .orElse(rec);
    }

    public synchronized int count() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM files")) {
            return r.next() ? r.getInt(1) : 0;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static SyncRecord record(ResultSet r) throws SQLException {
        return record(r, true, k -> null);
    }

    /**
     * The record at {@code r} ({@link #FILE_COLUMNS}), its manifest decoded or left null; its path the string
     * {@code spelled} gives for its key where they are the same (a scan's, so that a path is held once), and one
     * string for key and path where they are spelled alike (a sync holds every record while it plans: issue 15).
     */
    private static SyncRecord record(ResultSet r, boolean manifest, java.util.function.Function<String, String> spelled)
            throws SQLException {
        String key = r.getString(1);
        String path = r.getString(2);
        String same = spelled.apply(key);
        path = path.equals(same) ? same : path;
        key = key.equals(path) ? path : key;
        return new SyncRecord(key, path, r.getString(3), r.getLong(4), r.getLong(5), r.getString(6),
                manifest ? Manifest.decode(r.getBytes(7)) : null, r.getLong(8), r.getInt(9) != 0, r.getInt(10) != 0,
                r.getInt(11) != 0);
    }

    /**
     * Records a file as in sync with {@code rec.version()} (stamped with the current time, see
     * {@link SyncRecord#racy}), and indexes its chunks at their offsets.
     */
    public void put(SyncRecord rec) {
        write(() -> putRows(rec));
    }

    private void putRows(SyncRecord rec) throws SQLException {
        PreparedStatement p = statement("INSERT INTO files(path_key, path, version, size, mtime,"
                + " content_hash, manifest, synced_at, executable, link, folder) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT(path_key) DO UPDATE SET path = excluded.path, version = excluded.version,"
                + " size = excluded.size, mtime = excluded.mtime, content_hash = excluded.content_hash,"
                + " manifest = excluded.manifest, synced_at = excluded.synced_at, executable = excluded.executable,"
                + " link = excluded.link, folder = excluded.folder");
        PreparedStatement del = statement("DELETE FROM chunks WHERE path_key = ?");
        PreparedStatement ins = statement("INSERT INTO chunks(chunk_id, path_key, offset, size)"
                + " VALUES(?, ?, ?, ?)");
        p.setString(1, rec.pathKey());
        p.setString(2, rec.path());
        p.setString(3, rec.version());
        p.setLong(4, rec.size());
        p.setLong(5, rec.mtimeMillis());
        p.setString(6, rec.contentHash());
        p.setBytes(7, rec.manifest().encode());
        p.setLong(8, System.currentTimeMillis());
        p.setInt(9, rec.executable() ? 1 : 0);
        p.setInt(10, rec.link() ? 1 : 0);
        p.setInt(11, rec.folder() ? 1 : 0);
        p.executeUpdate();
        del.setString(1, rec.pathKey());
        del.executeUpdate();
        Manifest m = rec.manifest();
        Set<String> seen = new HashSet<>();
        ins.clearBatch(); // nothing left from a put that failed before its batch ran
        // A link's chunks are its target's bytes, which are nowhere on disk: reading "its" file would follow it.
        for (int i = 0; !rec.link() && i < m.chunkCount(); i++) {
            String id = m.id(i).hex();
            if (!seen.add(id)) {
                continue; // one location per chunk and file is enough
            }
            ins.setString(1, id);
            ins.setString(2, rec.pathKey());
            ins.setLong(3, m.offset(i));
            ins.setInt(4, m.size(i));
            ins.addBatch();
        }
        ins.executeBatch();
    }

    /** Updates the local stat of an unchanged file (same content, new mtime, or its content confirmed just now). */
    public void touch(String pathKey, String path, long size, long mtimeMillis) {
        write(() -> {
            PreparedStatement p = statement("UPDATE files SET path = ?, size = ?, mtime = ?, synced_at = ?"
                    + " WHERE path_key = ?");
            p.setString(1, path);
            p.setLong(2, size);
            p.setLong(3, mtimeMillis);
            p.setLong(4, System.currentTimeMillis());
            p.setString(5, pathKey);
            p.executeUpdate();
        });
    }

    public void remove(String pathKey) {
        write(() -> {
            PreparedStatement a = statement("DELETE FROM files WHERE path_key = ?");
            PreparedStatement b = statement("DELETE FROM chunks WHERE path_key = ?");
            PreparedStatement c = statement("DELETE FROM aliases WHERE path_key = ?");
            a.setString(1, pathKey);
            a.executeUpdate();
            b.setString(1, pathKey);
            b.executeUpdate();
            c.setString(1, pathKey);
            c.executeUpdate();
        });
    }

    // ---------------------------------------------------------------- aliases

    /**
     * The files whose path here is not their remote path, by path key: the local path ('/'-separated, relative to the
     * root, as spelled on disk) of each. Only files whose name differs from a sibling's only by case or Unicode form have
     * one (issue 21): the server holds them under a marked name. An alias lives as long as its file's record.
     */
    public synchronized Map<String, String> aliases() {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT path_key, local_path FROM aliases ORDER BY path_key")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2));
            }
            return out;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Records that the file with {@code pathKey} lies at {@code localPath} here (see {@link #aliases}). */
    public void putAlias(String pathKey, String localPath) {
        write(() -> {
            PreparedStatement p = statement("INSERT OR REPLACE INTO aliases(path_key, local_path) VALUES (?, ?)");
            p.setString(1, pathKey);
            p.setString(2, localPath);
            p.executeUpdate();
        });
    }

    /** Forgets the alias of the file with {@code pathKey} (its record stays: see {@link #aliases}). */
    public void removeAlias(String pathKey) {
        write(() -> {
            PreparedStatement p = statement("DELETE FROM aliases WHERE path_key = ?");
            p.setString(1, pathKey);
            p.executeUpdate();
        });
    }

    // ---------------------------------------------------------------- chunk index

    @Override
    public synchronized List<Location> find(String chunkId) {
        List<Location> out = new ArrayList<>();
        try {
            PreparedStatement p = statement("SELECT COALESCE(a.local_path, f.path), c.offset, c.size FROM chunks c"
                    + " JOIN files f ON f.path_key = c.path_key LEFT JOIN aliases a ON a.path_key = c.path_key"
                    + " WHERE c.chunk_id = ? LIMIT 8");
            p.setString(1, chunkId);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new Location(SyncPaths.toLocal(root, r.getString(1)), r.getLong(2), r.getInt(3)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    // ---------------------------------------------------------------- push journal

    @Override
    public synchronized Optional<Instant> uploadedAt(String chunkId) {
        try {
            PreparedStatement p = statement("SELECT uploaded_at FROM uploaded WHERE chunk_id = ?");
            p.setString(1, chunkId);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(Instant.ofEpochMilli(r.getLong(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void recordUploaded(String chunkId, int size, Instant at) {
        write(() -> {
            PreparedStatement p = statement("INSERT INTO uploaded(chunk_id, size, uploaded_at) VALUES(?, ?, ?)"
                    + " ON CONFLICT(chunk_id) DO UPDATE SET uploaded_at = excluded.uploaded_at");
            p.setString(1, chunkId);
            p.setInt(2, size);
            p.setLong(3, at.toEpochMilli());
            p.executeUpdate();
        });
    }

    @Override
    public void forgetUploaded(String chunkId) {
        write(() -> {
            PreparedStatement p = statement("DELETE FROM uploaded WHERE chunk_id = ?");
            p.setString(1, chunkId);
            p.executeUpdate();
        });
    }

    // ---------------------------------------------------------------- block signatures

    /** At most this many bytes of signatures are kept (those of about 3 GB of small files); the least used go first. */
    static final long MAX_SIGNATURE_BYTES = 64L << 20;
    /**
     * Signatures recorded are written this many at a time, in one transaction: one each, with the look at the table's
     * size every 256, was about a tenth of a large pull's CPU (issue 15). Those not yet written are answered from
     * memory and written by {@link #close}; a crash loses only them, which costs the next edit of those chunks a
     * request for their signature.
     */
    static final int SIGNATURE_BATCH = 256;
    private final Map<String, byte[]> unwrittenSignatures = new LinkedHashMap<>();
    /**
     * An upper bound on the bytes of signatures stored (each written one counted, even where it only renewed a row),
     * or -1 before it is known: the table is measured only once this passes {@link #MAX_SIGNATURE_BYTES}.
     */
    private long signatureBytesBound = -1;

    @Override
    public synchronized Optional<byte[]> signature(String chunkId) {
        byte[] unwritten = unwrittenSignatures.get(chunkId);
        if (unwritten != null) {
            return Optional.of(unwritten);
        }
        try {
            PreparedStatement p = statement("SELECT signature FROM signatures WHERE chunk_id = ?");
            p.setString(1, chunkId);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                byte[] sig = r.getBytes(1);
                PreparedStatement u = statement("UPDATE signatures SET used_at = ? WHERE chunk_id = ?");
                u.setLong(1, System.currentTimeMillis());
                u.setString(2, chunkId);
                u.executeUpdate();
                return Optional.of(sig);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public synchronized void recordSignature(String chunkId, byte[] encoded) {
        unwrittenSignatures.put(chunkId, encoded);
        if (unwrittenSignatures.size() >= SIGNATURE_BATCH) {
            writeSignatures();
        }
    }

    /** Writes the signatures recorded since the last write, in one transaction; then keeps the table within its bound. */
    private void writeSignatures() {
        if (unwrittenSignatures.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        long written = 0;
        try {
            db.setAutoCommit(false);
            PreparedStatement p = statement("INSERT INTO signatures(chunk_id, signature, used_at)"
                    + " VALUES(?, ?, ?) ON CONFLICT(chunk_id) DO UPDATE SET used_at = excluded.used_at");
            p.clearBatch();
            for (Map.Entry<String, byte[]> e : unwrittenSignatures.entrySet()) {
                p.setString(1, e.getKey());
                p.setBytes(2, e.getValue());
                p.setLong(3, now);
                p.addBatch();
                written += e.getValue().length;
            }
            p.executeBatch();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw failed(e);
        } finally {
            autoCommit();
        }
        unwrittenSignatures.clear();
        if (signatureBytesBound >= 0) {
            signatureBytesBound += written;
        }
        if (signatureBytesBound < 0 || signatureBytesBound > MAX_SIGNATURE_BYTES) {
            prune(MAX_SIGNATURE_BYTES);
        }
    }

    /** Drops the least recently used signatures until at most {@code maxBytes} remain; returns how many went. */
    synchronized int pruneSignatures(long maxBytes) {
        writeSignatures();
        return prune(maxBytes);
    }

    private int prune(long maxBytes) {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(SUM(LENGTH(signature)), 0), COUNT(*) FROM signatures")) {
            long total = r.getLong(1);
            long count = r.getLong(2);
            signatureBytesBound = total;
            if (total <= maxBytes || count == 0) {
                return 0;
            }
            // Signatures of one file are of similar size: drop the oldest share that brings the total to 3/4 of max.
            long drop = Math.max(1, (long) Math.ceil(count * (1 - 0.75 * maxBytes / (double) total)));
            PreparedStatement p = statement("DELETE FROM signatures WHERE chunk_id IN"
                    + " (SELECT chunk_id FROM signatures ORDER BY used_at, rowid LIMIT ?)");
            p.setLong(1, drop);
            int dropped = p.executeUpdate();
            signatureBytesBound = -1; // measured again at the next write
            return dropped;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Drops journal entries older than {@code before} (they are not trusted any more anyway). */
    public synchronized int pruneUploaded(Instant before) {
        try {
            PreparedStatement p = statement("DELETE FROM uploaded WHERE uploaded_at < ?");
            p.setLong(1, before.toEpochMilli());
            return p.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    public synchronized int uploadedCount() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM uploaded")) {
            return r.next() ? r.getInt(1) : 0;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public synchronized Optional<String> commitKey(String pathKey, String parent, String manifestHash) {
        try {
            PreparedStatement p = statement("SELECT parent, manifest_hash, idem_key FROM commit_keys"
                    + " WHERE path_key = ?");
            p.setString(1, pathKey);
            try (ResultSet r = p.executeQuery()) {
                if (r.next() && java.util.Objects.equals(r.getString(1), parent) && r.getString(2).equals(manifestHash)) {
                    return Optional.of(r.getString(3));
                }
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void recordCommitKey(String pathKey, String parent, String manifestHash, String key) {
        write(() -> {
            PreparedStatement p = statement("INSERT INTO commit_keys(path_key, parent, manifest_hash, idem_key,"
                    + " created_at) VALUES(?, ?, ?, ?, ?) ON CONFLICT(path_key) DO UPDATE SET parent = excluded.parent,"
                    + " manifest_hash = excluded.manifest_hash, idem_key = excluded.idem_key, created_at = excluded.created_at");
            p.setString(1, pathKey);
            p.setString(2, parent);
            p.setString(3, manifestHash);
            p.setString(4, key);
            p.setLong(5, System.currentTimeMillis());
            p.executeUpdate();
        });
    }

    @Override
    public void clearCommitKey(String pathKey) {
        write(() -> {
            PreparedStatement p = statement("DELETE FROM commit_keys WHERE path_key = ?");
            p.setString(1, pathKey);
            p.executeUpdate();
        });
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is reported
        }
    }

    private void autoCommit() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException ignored) {
            // next statement reports it
        }
    }

    private static ChunkvaultException failed(SQLException e) {
        return new ChunkvaultException("The sync state database failed: " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        try {
            writeSignatures();
        } catch (ChunkvaultException lost) {
            // only a cache: the next edit of those chunks asks the service for their signatures
        }
        try {
            for (PreparedStatement p : statements.values()) {
                p.close();
            }
            statements.clear();
            db.close();
        } catch (SQLException ignored) {
            // closing
        }
    }
}
