package dev.chunkvault.service.vault;

import dev.chunkvault.service.store.TableSchema;
import dev.chunkvault.service.store.TableSchema.IndexSchema;
import dev.chunkvault.service.store.TableSchema.KeyAttribute;
import java.util.List;
import java.util.Map;

/**
 * The tables and their sparse indexes (docs/storage-model.md). template.yaml declares the same keys; a test
 * checks that they agree.
 */
public final class Tables {
    private Tables() {}

    public static final String FILES = "files";
    public static final String VERSIONS = "versions";
    public static final String CHUNKS = "chunks";
    public static final String REFS = "refs";
    public static final String CONTROL = "control";
    /** Open WebSocket connections of each account (push notifications). */
    public static final String CONNECTIONS = "connections";

    /** files index: an owner's files by last change. */
    public static final String CHANGES_INDEX = "changes";
    /** versions index (sparse): versions GC must look at, by when. */
    public static final String EXPIRY_INDEX = "expiry";
    /** chunks index (sparse): chunks that may be garbage, by since when. */
    public static final String GC_INDEX = "gc-candidates";

    /** Both sparse indexes are spread over this many partitions. */
    public static final int SHARDS = 16;

    public static final TableSchema FILES_SCHEMA = new TableSchema(FILES, KeyAttribute.string("owner"),
            KeyAttribute.string("path"),
            Map.of(CHANGES_INDEX, new IndexSchema(KeyAttribute.string("owner"), KeyAttribute.string("changeKey"))));
    public static final TableSchema VERSIONS_SCHEMA = new TableSchema(VERSIONS, KeyAttribute.string("fileId"),
            KeyAttribute.string("versionId"),
            Map.of(EXPIRY_INDEX, new IndexSchema(KeyAttribute.string("expShard"), KeyAttribute.number("expireAt"))));
    public static final TableSchema CHUNKS_SCHEMA = new TableSchema(CHUNKS, KeyAttribute.string("chunkId"), null,
            Map.of(GC_INDEX, new IndexSchema(KeyAttribute.string("gcShard"), KeyAttribute.number("gcAt"))));
    public static final TableSchema REFS_SCHEMA = new TableSchema(REFS, KeyAttribute.string("ref"),
            KeyAttribute.string("edge"), Map.of());
    public static final TableSchema CONTROL_SCHEMA = new TableSchema(CONTROL, KeyAttribute.string("name"), null, Map.of());

    public static final TableSchema CONNECTIONS_SCHEMA = new TableSchema(CONNECTIONS, KeyAttribute.string("owner"),
            KeyAttribute.string("connectionId"), Map.of());

    public static List<TableSchema> all() {
        return List.of(FILES_SCHEMA, VERSIONS_SCHEMA, CHUNKS_SCHEMA, REFS_SCHEMA, CONTROL_SCHEMA, CONNECTIONS_SCHEMA);
    }

    /** The shard of a sparse-index entry: stable per key, spread evenly. */
    public static String shardOf(String key) {
        return Integer.toString(Math.floorMod(key.hashCode(), SHARDS));
    }
}
