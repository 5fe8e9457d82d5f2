package dev.chunkvault.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chunkvault.api.http.ApiError;
import dev.chunkvault.api.http.ErrorMapper;
import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.pack.PackFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A pack declaration's entries with and without compression (docs/compression.md); bad ones are 400 INVALID_FIELD. */
class PackRequestTest {
    private static final String ID = "a".repeat(64);

    private static String declaration(String entry) {
        return "{\"sha256\": \"" + ID + "\", \"size\": 100, \"chunks\": [{\"id\": \"" + ID + "\", \"offset\": 0" + entry + "}]}";
    }

    @Test
    void rawAndCompressedEntriesBecomeIndexEntries() throws Exception {
        PackFormat.Entry raw = Json.MAPPER.readValue(declaration(", \"length\": 10"), PackRequest.class).entries().get(0);
        assertEquals(new PackFormat.Entry(dev.chunkvault.core.hash.ChunkId.parse(ID), 0, 10), raw);
        PackFormat.Entry z = Json.MAPPER.readValue(declaration(", \"length\": 10, \"encoding\": \"zstd\", \"plainLength\": 40"),
                PackRequest.class).entries().get(0);
        assertEquals(Encoding.ZSTD, z.encoding());
        assertEquals(10, z.length());
        assertEquals(40, z.plainLength());
        PackFormat.Entry r = Json.MAPPER.readValue(declaration(", \"length\": 10, \"encoding\": \"raw\", \"plainLength\": 10"),
                PackRequest.class).entries().get(0);
        assertEquals(Encoding.RAW, r.encoding());
    }

    @ParameterizedTest
    @ValueSource(strings = {", \"length\": 10, \"encoding\": \"gzip\", \"plainLength\": 40",
        ", \"length\": 10, \"encoding\": \"zstd\"", ", \"length\": 10, \"encoding\": \"zstd\", \"plainLength\": 0",
        ", \"length\": 10, \"plainLength\": 40"})
    void badEntriesAreInvalidField(String entry) {
        Exception e = assertThrows(Exception.class, () -> Json.MAPPER.readValue(declaration(entry), PackRequest.class));
        HttpResponse r = ErrorMapper.map(e, "r-1", new StructuredLog("test", "json", "r-1", System.out));
        assertEquals(400, r.status());
        assertEquals("INVALID_FIELD", ((ApiError) r.body()).error(), e.toString());
    }
}
