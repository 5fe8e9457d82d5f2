package dev.chunkvault.core.manifest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.chunkvault.core.hash.ChunkId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Jackson support for the API edge, strict on input (unknown fields, wrong types, invalid ids and non-positive
 * sizes are errors):
 * <pre>
 * Manifest:       {"profile": "fastcdc-v1-64k-256k-1m", "chunks": [{"id": "&lt;64 hex&gt;", "size": 262144}, ...]}
 * ManifestDelta:  {"ops": [{"copy": [parentStart, count]}, {"add": [{"id": "...", "size": 1}, ...]}, ...]}
 * </pre>
 */
public final class ManifestJson {
    private ManifestJson() {}

    public static Module module() {
        SimpleModule m = new SimpleModule("chunkvault-manifest");
        m.addSerializer(Manifest.class, new JsonSerializer<>() {
            @Override
            public void serialize(Manifest value, JsonGenerator gen, SerializerProvider p) throws IOException {
                gen.writeStartObject();
                gen.writeStringField("profile", value.profile());
                gen.writeArrayFieldStart("chunks");
                for (int i = 0; i < value.chunkCount(); i++) {
                    writeEntry(gen, value.id(i), value.size(i));
                }
                gen.writeEndArray();
                gen.writeEndObject();
            }
        });
        m.addDeserializer(Manifest.class, new JsonDeserializer<>() {
            @Override
            public Manifest deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                expect(p, ctxt, JsonToken.START_OBJECT, Manifest.class, "a manifest object");
                String profile = null;
                List<ManifestEntry> entries = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "profile" -> {
                            expect(p, ctxt, JsonToken.VALUE_STRING, Manifest.class, "a profile name");
                            profile = p.getText();
                        }
                        case "chunks" -> entries = readEntries(p, ctxt);
                        default -> throw UnrecognizedPropertyException.from(p, Manifest.class, field, null);
                    }
                }
                if (profile == null || entries == null) {
                    return ctxt.reportInputMismatch(Manifest.class, "a manifest needs 'profile' and 'chunks'");
                }
                try {
                    return Manifest.of(profile, entries);
                } catch (ManifestFormatException e) {
                    return ctxt.reportInputMismatch(Manifest.class, "invalid manifest");
                }
            }
        });
        m.addSerializer(ManifestDelta.class, new JsonSerializer<>() {
            @Override
            public void serialize(ManifestDelta value, JsonGenerator gen, SerializerProvider p) throws IOException {
                gen.writeStartObject();
                gen.writeArrayFieldStart("ops");
                for (ManifestDelta.Op op : value.ops()) {
                    gen.writeStartObject();
                    if (op instanceof ManifestDelta.Copy c) {
                        gen.writeArrayFieldStart("copy");
                        gen.writeNumber(c.parentStart());
                        gen.writeNumber(c.count());
                        gen.writeEndArray();
                    } else {
                        gen.writeArrayFieldStart("add");
                        for (ManifestEntry e : ((ManifestDelta.Add) op).entries()) {
                            writeEntry(gen, e.id(), e.size());
                        }
                        gen.writeEndArray();
                    }
                    gen.writeEndObject();
                }
                gen.writeEndArray();
                gen.writeEndObject();
            }
        });
        m.addDeserializer(ManifestDelta.class, new JsonDeserializer<>() {
            @Override
            public ManifestDelta deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                expect(p, ctxt, JsonToken.START_OBJECT, ManifestDelta.class, "a manifest delta object");
                List<ManifestDelta.Op> ops = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (!field.equals("ops")) {
                        throw UnrecognizedPropertyException.from(p, ManifestDelta.class, field, null);
                    }
                    ops = readOps(p, ctxt);
                }
                if (ops == null) {
                    return ctxt.reportInputMismatch(ManifestDelta.class, "a manifest delta needs 'ops'");
                }
                return ManifestDelta.of(ops);
            }
        });
        return m;
    }

    private static void writeEntry(JsonGenerator gen, ChunkId id, int size) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("id", id.hex());
        gen.writeNumberField("size", size);
        gen.writeEndObject();
    }

    private static void expect(JsonParser p, DeserializationContext ctxt, JsonToken token, Class<?> type, String what)
            throws IOException {
        if (p.currentToken() != token) {
            ctxt.reportInputMismatch(type, "expected " + what);
        }
    }

    private static List<ManifestEntry> readEntries(JsonParser p, DeserializationContext ctxt) throws IOException {
        expect(p, ctxt, JsonToken.START_ARRAY, Manifest.class, "an array of chunks");
        List<ManifestEntry> entries = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p, ctxt, JsonToken.START_OBJECT, Manifest.class, "a chunk object");
            String id = null;
            Integer size = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> {
                        expect(p, ctxt, JsonToken.VALUE_STRING, Manifest.class, "a chunk id string");
                        id = p.getText();
                    }
                    case "size" -> {
                        expect(p, ctxt, JsonToken.VALUE_NUMBER_INT, Manifest.class, "a whole-number chunk size");
                        if (p.getNumberType() != JsonParser.NumberType.INT) {
                            ctxt.reportInputMismatch(Manifest.class, "chunk size out of range");
                        }
                        size = p.getIntValue();
                    }
                    default -> throw UnrecognizedPropertyException.from(p, ManifestEntry.class, field, null);
                }
            }
            if (id == null || size == null || !ChunkId.isValid(id) || size <= 0) {
                ctxt.reportInputMismatch(Manifest.class, "a chunk needs a 64-hex 'id' and a positive 'size'");
            }
            entries.add(new ManifestEntry(ChunkId.parse(id), size));
        }
        return entries;
    }

    private static List<ManifestDelta.Op> readOps(JsonParser p, DeserializationContext ctxt) throws IOException {
        expect(p, ctxt, JsonToken.START_ARRAY, ManifestDelta.class, "an array of operations");
        List<ManifestDelta.Op> ops = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p, ctxt, JsonToken.START_OBJECT, ManifestDelta.class, "an operation object");
            if (p.nextToken() != JsonToken.FIELD_NAME) {
                ctxt.reportInputMismatch(ManifestDelta.class, "an operation is {\"copy\": [...]} or {\"add\": [...]}");
            }
            String kind = p.currentName();
            p.nextToken();
            if (kind.equals("copy")) {
                expect(p, ctxt, JsonToken.START_ARRAY, ManifestDelta.class, "[parentStart, count]");
                int[] v = new int[2];
                for (int k = 0; k < 2; k++) {
                    p.nextToken();
                    expect(p, ctxt, JsonToken.VALUE_NUMBER_INT, ManifestDelta.class, "a whole number");
                    if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                        ctxt.reportInputMismatch(ManifestDelta.class, "copy bounds out of range");
                    }
                    v[k] = p.getIntValue();
                }
                if (p.nextToken() != JsonToken.END_ARRAY || v[1] < 1) {
                    ctxt.reportInputMismatch(ManifestDelta.class, "a copy is [parentStart, count] with count >= 1");
                }
                ops.add(new ManifestDelta.Copy(v[0], v[1]));
            } else if (kind.equals("add")) {
                List<ManifestEntry> entries = readEntries(p, ctxt);
                if (entries.isEmpty()) {
                    ctxt.reportInputMismatch(ManifestDelta.class, "an add needs at least one chunk");
                }
                ops.add(new ManifestDelta.Add(entries));
            } else {
                throw UnrecognizedPropertyException.from(p, ManifestDelta.class, kind, null);
            }
            if (p.nextToken() != JsonToken.END_OBJECT) {
                ctxt.reportInputMismatch(ManifestDelta.class, "an operation has exactly one field");
            }
        }
        return ops;
    }
}
