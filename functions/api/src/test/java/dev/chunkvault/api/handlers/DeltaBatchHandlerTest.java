package dev.chunkvault.api.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.chunkvault.api.http.ApiRequest;
import dev.chunkvault.api.http.Json;
import dev.chunkvault.core.delta.BlockSignature;
import dev.chunkvault.core.delta.Delta;
import dev.chunkvault.core.delta.DeltaBatch;
import dev.chunkvault.core.delta.DeltaEncoder;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.service.sim.FakeClient.Content;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * POST /v1/delta-upload-batch: many deltas in one framed binary body, each stored or refused on its own; malformed
 * framing, too many deltas and a body that inflates past the limit are refused whole, through the one ErrorMapper.
 */
class DeltaBatchHandlerTest extends CommitFieldFixture {
    private final DeltaUploadHandler handler = new DeltaUploadHandler(w);
    private String head;

    DeltaBatchHandlerTest() {
        super(41, "delta-batch-");
    }

    private static byte[] gzip(byte[] raw) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    private APIGatewayV2HTTPEvent binary(byte[] body, boolean gzipped) {
        APIGatewayV2HTTPEvent e = event(DeltaUploadHandler.BATCH_ROUTE, Base64.getEncoder().encodeToString(body));
        e.setIsBase64Encoded(true);
        Map<String, String> headers = new HashMap<>(e.getHeaders());
        headers.put("content-type", "application/octet-stream");
        if (gzipped) {
            headers.put("content-encoding", "gzip");
        }
        e.setHeaders(headers);
        return e;
    }

    private static byte[] edited(byte[] base, int at) {
        byte[] out = base.clone();
        out[at] ^= 0x55;
        return out;
    }

    /** A committed file of two chunks; returns its chunks' bytes. */
    private List<byte[]> committedChunks() throws Exception {
        Content c = uploaded();
        head = call(e -> commit.handleRequest(e, null), "POST /v1/commits", commitBody("docs/a.bin", c, "delta-batch-key-1").toString(), 201)
                .path("version").path("versionId").asText();
        return c.chunks();
    }

    @Test
    void eachDeltaIsAnsweredOnItsOwnAndABadOneStoresNothing() throws Exception {
        List<byte[]> chunks = committedChunks();
        byte[] e0 = edited(chunks.get(0), 100);
        byte[] e1 = edited(chunks.get(1), 7);
        Delta d0 = DeltaEncoder.encode(BlockSignature.compute(chunks.get(0)), e0);
        Delta d1 = DeltaEncoder.encode(BlockSignature.compute(chunks.get(1)), e1);
        ChunkId liar = ChunkId.sha256(new byte[] {1, 2, 3});
        Delta lying = new Delta(d1.baseLength(), d1.baseId(), d1.targetLength(), liar, d1.ops());
        byte[] foreign = new byte[400];
        random.nextBytes(foreign);
        Delta unknownBase = DeltaEncoder.encode(BlockSignature.compute(foreign), edited(foreign, 3));

        APIGatewayV2HTTPResponse r = handler.handleRequest(binary(gzip(DeltaBatch.encode(List.of(d0.encode(),
                lying.encode(), unknownBase.encode(), d1.encode()))), true), null);
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode results = Json.MAPPER.readTree(r.getBody()).path("results");
        assertEquals(4, results.size(), r.getBody());
        assertEquals(201, results.get(0).path("status").asInt());
        assertEquals(ChunkId.sha256(e0).hex(), results.get(0).path("id").asText());
        assertTrue(results.get(0).path("stored").asBoolean());
        assertEquals(422, results.get(1).path("status").asInt(), r.getBody());
        assertEquals("DELTA_TARGET_MISMATCH", results.get(1).path("error").asText());
        assertEquals(404, results.get(2).path("status").asInt(), r.getBody());
        assertEquals("NOT_FOUND", results.get(2).path("error").asText());
        assertEquals(201, results.get(3).path("status").asInt());
        assertTrue(blobs.keys().stream().noneMatch(k -> k.contains(liar.hex())), "the lying delta stored nothing");

        // The two stored chunks commit without any upload; the mismatching one could not be referenced.
        Content next = new Content(List.of(e0, e1));
        var body = commitBody("docs/a.bin", next, "delta-batch-key-2");
        body.put("parentVersion", head);
        call(e -> commit.handleRequest(e, null), "POST /v1/commits", body.toString(), 201);

        // The same batch again: held, 200 each, nothing stored twice.
        JsonNode again = Json.MAPPER.readTree(handler.handleRequest(binary(DeltaBatch.encode(List.of(d0.encode(),
                d1.encode())), false), null).getBody()).path("results");
        assertEquals(200, again.get(0).path("status").asInt(), again.toString());
        assertFalse(again.get(1).path("stored").asBoolean(), again.toString());
    }

    @Test
    void malformedFramingTooManyDeltasAndABombAreRefusedWholeAndChangeNothing() throws Exception {
        List<byte[]> chunks = committedChunks();
        byte[] good = DeltaEncoder.encode(BlockSignature.compute(chunks.get(0)), edited(chunks.get(0), 1)).encode();
        byte[] framed = DeltaBatch.encode(List.of(good, good));
        var before = items.snapshot();
        List<String> objects = new ArrayList<>(blobs.keys());

        assertError(handler.handleRequest(binary(Arrays.copyOf(framed, framed.length - 1), false), null), 400, "MALFORMED_BATCH");
        assertError(handler.handleRequest(binary(good, false), null), 400, "MALFORMED_BATCH"); // a lone delta, unframed
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i <= w.deltas().batchLimits().maxItems(); i++) {
            many.add(good);
        }
        assertError(handler.handleRequest(binary(DeltaBatch.encode(many), false), null), 413, "TOO_MANY_DELTAS");
        // A small gzip body that would inflate past the request limit: 413 through the ErrorMapper, read no further.
        byte[] inflated = Arrays.copyOf(framed, ApiRequest.MAX_BODY_BYTES + (1 << 20));
        byte[] bomb = gzip(inflated);
        assertTrue(bomb.length < 64 << 10, "compressed to " + bomb.length);
        APIGatewayV2HTTPResponse r = handler.handleRequest(binary(bomb, true), null);
        assertError(r, 413, "PAYLOAD_TOO_LARGE");
        assertTrue(Json.MAPPER.readTree(r.getBody()).path("message").asText().contains("inflates"), r.getBody());
        // Sent as JSON: not a batch.
        APIGatewayV2HTTPEvent json = event(DeltaUploadHandler.BATCH_ROUTE, "{\"deltas\":[]}");
        assertError(handler.handleRequest(json, null), 400, "MALFORMED_BATCH");

        assertEquals(before, items.snapshot(), "no row written");
        assertEquals(objects, blobs.keys(), "no object written");
    }

    private static void assertError(APIGatewayV2HTTPResponse r, int status, String code) throws Exception {
        assertEquals(status, r.getStatusCode(), r.getBody());
        JsonNode err = Json.MAPPER.readTree(r.getBody());
        assertEquals(code, err.path("error").asText(), r.getBody());
        assertTrue(err.path("requestId").asText().startsWith("delta-batch-"), r.getBody());
    }
}
