package dev.chunkvault.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API's mapper refuses values of the wrong JSON type in both directions; ErrorMapper makes them INVALID_FIELD. */
class JsonTest {
    record Strings(String name) {}

    record Numbers(Long size, Boolean flag) {}

    @ParameterizedTest
    @ValueSource(strings = {"12345678", "1.5", "true", "[\"a\"]", "{\"a\": 1}"})
    void aStringFieldTakesOnlyAString(String value) {
        String json = "{\"name\": " + value + "}";
        MismatchedInputException e = assertThrows(MismatchedInputException.class, () -> Json.MAPPER.readValue(json, Strings.class));
        HttpResponse r = ErrorMapper.map(e, "r-1", new StructuredLog("test", "json", "r-1", System.out));
        assertEquals(400, r.status());
        assertEquals("INVALID_FIELD", ((ApiError) r.body()).error());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"size\": \"5\"}", "{\"size\": 1.5}", "{\"size\": true}", "{\"flag\": \"yes\"}", "{\"flag\": 1}"})
    void numberAndBooleanFieldsTakeOnlyTheirType(String json) {
        assertThrows(MismatchedInputException.class, () -> Json.MAPPER.readValue(json, Numbers.class));
    }

    /** A number too large for its field (a quota past 2^63) is the field's fault, not malformed JSON. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"size\": 99999999999999999999}", "{\"size\": -99999999999999999999}"})
    void aNumberPastItsFieldsRangeIsInvalidField(String json) {
        Exception e = assertThrows(Exception.class, () -> Json.MAPPER.readValue(json, Numbers.class));
        HttpResponse r = ErrorMapper.map(e, "r-2", new StructuredLog("test", "json", "r-2", System.out));
        assertEquals(400, r.status());
        assertEquals("INVALID_FIELD", ((ApiError) r.body()).error(), e.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"name\": \"12345678\"}", "{\"name\": null}"})
    void stringsAndNullStillRead(String json) throws Exception {
        Json.MAPPER.readValue(json, Strings.class);
    }
}
