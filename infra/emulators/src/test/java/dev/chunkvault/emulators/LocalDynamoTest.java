package dev.chunkvault.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteException;
import com.almworks.sqlite4java.SQLiteStatement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DynamoDB Local's database prepared before it opens it: a new file gets a write-ahead log and 4 KiB pages; a file
 * made before (SQLite's rollback journal, DynamoDB Local's 1 KiB pages) gets the log, keeps its pages and every row.
 */
class LocalDynamoTest {
    /** SQLite as DynamoDB Local loads it, before this test's own connections (one copy of it in the process). */
    @BeforeAll
    static void natives() throws Exception {
        NativeLibraries.prepare(NativeLibraries.defaultDirectory());
        com.amazonaws.services.dynamodbv2.local.shared.access.sqlite.SQLiteLibraryLoader.initialize();
    }

    @Test
    void aNewDatabaseGetsAWriteAheadLogAndFourKibPages(@TempDir Path dir) throws Exception {
        Path db = dir.resolve(LocalDynamo.DATABASE_FILE);
        LocalDynamo.prepareDatabase(db);
        assertEquals(List.of("wal", "4096"), modeAndPageSize(db));
        LocalDynamo.prepareDatabase(db); // again: nothing changes
        assertEquals(List.of("wal", "4096"), modeAndPageSize(db));
    }

    @Test
    void anOlderDatabaseGetsTheLogAndKeepsItsPagesAndRows(@TempDir Path dir) throws Exception {
        Path db = dir.resolve(LocalDynamo.DATABASE_FILE);
        SQLiteConnection c = new SQLiteConnection(db.toFile());
        try {
            c.open(true);
            c.exec("PRAGMA page_size=1024");
            c.exec("PRAGMA journal_mode=DELETE");
            c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB)");
            c.exec("BEGIN");
            for (int i = 0; i < 500; i++) {
                c.exec("INSERT INTO t VALUES('k" + i + "', zeroblob(300))");
            }
            c.exec("COMMIT");
        } finally {
            c.dispose();
        }
        assertEquals(List.of("delete", "1024"), modeAndPageSize(db));

        LocalDynamo.prepareDatabase(db);
        assertEquals(List.of("wal", "1024"), modeAndPageSize(db));
        assertEquals(List.of("500"), query(db, "SELECT COUNT(*) FROM t"));
    }

    /** The journal mode and page size of the database at {@code db}. */
    static List<String> modeAndPageSize(Path db) throws SQLiteException {
        List<String> out = new ArrayList<>(query(db, "PRAGMA journal_mode"));
        out.addAll(query(db, "PRAGMA page_size"));
        return out;
    }

    private static List<String> query(Path db, String sql) throws SQLiteException {
        SQLiteConnection c = new SQLiteConnection(db.toFile());
        try {
            c.open(false);
            c.setBusyTimeout(30_000);
            SQLiteStatement st = c.prepare(sql, false);
            try {
                List<String> out = new ArrayList<>();
                while (st.step()) {
                    out.add(st.columnString(0));
                }
                return out;
            } finally {
                st.dispose();
            }
        } finally {
            c.dispose();
        }
    }
}
