package dev.chunkvault.api.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.chunkvault.core.hash.ChunkId;
import java.io.IOException;

/** How domain values appear in responses: chunk ids as their hex form. */
final class Views {
    private Views() {}

    static Module module() {
        SimpleModule m = new SimpleModule("chunkvault-views");
        m.addSerializer(ChunkId.class, new JsonSerializer<>() {
            @Override
            public void serialize(ChunkId value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(value.hex());
            }
        });
        return m;
    }
}
