package dev.chunkvault.api.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.chunkvault.api.http.StructuredLog;
import dev.chunkvault.api.wiring.Wiring;
import dev.chunkvault.service.notify.Notifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Fed by the files table's DynamoDB Stream (Lambda's event source mapping): every changed file row — a commit, a
 * delete, a restore, a rename — becomes, per account and batch, one "changed" message to each of the account's open
 * WebSocket connections (see {@link Notifier}). Failed pushes are logged and left: the message is a hint, and the
 * client's catch-up reads the change feed anyway. Only a failure to read the connections fails the batch (the
 * mapping retries it).
 */
public final class NotifierHandler implements RequestHandler<DynamodbEvent, Map<String, Object>> {
    private final Notifier notifier;
    private final StructuredLog log;

    public NotifierHandler() {
        this(System.getenv());
    }

    public NotifierHandler(Map<String, String> env) {
        this(Wiring.fromEnv(env));
    }

    public NotifierHandler(Wiring wiring) {
        this.notifier = wiring.notifier();
        this.log = wiring.log("notifier");
    }

    @Override
    public Map<String, Object> handleRequest(DynamodbEvent event, Context context) {
        StructuredLog requestLog = log.forRequest(context != null ? context.getAwsRequestId() : UUID.randomUUID().toString());
        List<Notifier.Change> changes = new ArrayList<>();
        if (event != null && event.getRecords() != null) {
            for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
                if (r == null || r.getDynamodb() == null) {
                    continue;
                }
                String owner = string(r.getDynamodb().getKeys(), "owner");
                String changeKey = string(r.getDynamodb().getNewImage(), "changeKey");
                if (owner != null) {
                    changes.add(new Notifier.Change(owner, changeKey));
                }
            }
        }
        Notifier.Report report = notifier.notify(changes);
        requestLog.info("notified", Map.of("changes", report.changes(), "accounts", report.accounts(), "sent", report.sent(),
                "gone", report.gone(), "failed", report.failed(), "firstFailure", String.valueOf(report.firstFailure())));
        requestLog.metrics(Map.of("NotificationsSent", report.sent(), "NotificationsFailed", report.failed()), Map.of());
        return Map.of("changes", report.changes(), "accounts", report.accounts(), "sent", report.sent(), "gone", report.gone(),
                "failed", report.failed());
    }

    private static String string(Map<String, AttributeValue> image, String name) {
        AttributeValue v = image == null ? null : image.get(name);
        return v == null ? null : v.getS();
    }
}
