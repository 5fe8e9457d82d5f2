package dev.chunkvault.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON log lines (one object per line) with the service name, function and request id in every line, and
 * CloudWatch embedded-metric-format lines for metrics: on Lambda, stdout goes to CloudWatch Logs, which
 * turns the EMF lines into metrics.
 */
public final class StructuredLog {
    private final String service;
    private final String function;
    private final String requestId;
    private final PrintStream out;

    public StructuredLog(String service, String function, String requestId, PrintStream out) {
        this.service = service;
        this.function = function;
        this.requestId = requestId;
        this.out = out;
    }

    public StructuredLog forRequest(String id) {
        return new StructuredLog(service, function, id, out);
    }

    public void info(String message, Map<String, ?> fields) {
        write("INFO", message, fields, null);
    }

    public void warn(String message, Map<String, ?> fields) {
        write("WARN", message, fields, null);
    }

    public void error(String message, Throwable t) {
        write("ERROR", message, Map.of(), t);
    }

    private void write(String level, String message, Map<String, ?> fields, Throwable t) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("service", service);
        line.put("function", function);
        line.put("requestId", requestId);
        line.put("message", message);
        line.putAll(fields);
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            line.put("exception", t.getClass().getName());
            line.put("stackTrace", sw.toString());
        }
        emit(line);
    }

    /** Writes metrics in CloudWatch's embedded metric format, dimensioned by function. */
    public void metrics(Map<String, Number> values, Map<String, String> units) {
        if (values.isEmpty()) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        var defs = values.keySet().stream()
                .map(n -> Map.of("Name", n, "Unit", units.getOrDefault(n, "Count"))).toList();
        line.put("_aws", Map.of("Timestamp", System.currentTimeMillis(), "CloudWatchMetrics",
                java.util.List.of(Map.of("Namespace", "Chunkvault", "Dimensions", java.util.List.of(java.util.List.of("function")),
                        "Metrics", defs))));
        line.put("function", function);
        line.put("service", service);
        line.put("requestId", requestId);
        line.putAll(values);
        emit(line);
    }

    private void emit(Map<String, Object> line) {
        try {
            String json = Json.MAPPER.writeValueAsString(line);
            synchronized (out) {
                out.println(json);
            }
        } catch (JsonProcessingException e) {
            out.println("{\"level\":\"ERROR\",\"message\":\"unloggable line\"}");
        }
    }
}
