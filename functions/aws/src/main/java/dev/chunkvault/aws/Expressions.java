package dev.chunkvault.aws;

import dev.chunkvault.service.store.Binary;
import dev.chunkvault.service.store.Condition;
import dev.chunkvault.service.store.Query.SortCondition;
import dev.chunkvault.service.store.Update;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Builds one DynamoDB expression (condition, update or key condition) with its name and value placeholders.
 * Every attribute name goes through a placeholder, so reserved words ("state", "size") never matter.
 */
final class Expressions {
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, String> nameByAttribute = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();

    Map<String, String> names() {
        return names.isEmpty() ? null : names;
    }

    Map<String, AttributeValue> values() {
        return values.isEmpty() ? null : values;
    }

    String name(String attribute) {
        return nameByAttribute.computeIfAbsent(attribute, a -> {
            String placeholder = "#n" + names.size();
            names.put(placeholder, a);
            return placeholder;
        });
    }

    String value(Object v) {
        String placeholder = ":v" + values.size();
        values.put(placeholder, toAttribute(v));
        return placeholder;
    }

    /** The condition expression, or null for an always-true condition. */
    String condition(Condition c) {
        if (c instanceof Condition.And and && and.parts().isEmpty()) {
            return null;
        }
        return render(c);
    }

    private String render(Condition c) {
        if (c instanceof Condition.Exists e) {
            return "attribute_exists(" + name(e.attribute()) + ")";
        }
        if (c instanceof Condition.NotExists n) {
            return "attribute_not_exists(" + name(n.attribute()) + ")";
        }
        if (c instanceof Condition.Compare cmp) {
            return name(cmp.attribute()) + " " + operator(cmp.op()) + " " + value(cmp.value());
        }
        if (c instanceof Condition.In in) {
            List<String> vs = new ArrayList<>();
            in.values().forEach(v -> vs.add(value(v)));
            return name(in.attribute()) + " IN (" + String.join(", ", vs) + ")";
        }
        if (c instanceof Condition.BeginsWith b) {
            return "begins_with(" + name(b.attribute()) + ", " + value(b.prefix()) + ")";
        }
        if (c instanceof Condition.And and) {
            if (and.parts().isEmpty()) {
                // Always true, inside a larger expression.
                return "(attribute_not_exists(" + name("#always") + ") OR attribute_exists(" + name("#always") + "))";
            }
            return join(and.parts(), " AND ");
        }
        if (c instanceof Condition.Or or) {
            return join(or.parts(), " OR ");
        }
        return "(NOT " + render(((Condition.Not) c).part()) + ")";
    }

    private String join(List<Condition> parts, String op) {
        List<String> rendered = new ArrayList<>();
        parts.forEach(p -> rendered.add(render(p)));
        return "(" + String.join(op, rendered) + ")";
    }

    private static String operator(Condition.Op op) {
        return switch (op) {
            case EQ -> "=";
            case NE -> "<>";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
        };
    }

    String update(Update update) {
        List<String> set = new ArrayList<>();
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        for (Update.Action a : update.actions()) {
            String n = name(a.attribute());
            if (a instanceof Update.Set s) {
                set.add(n + " = " + value(s.value()));
            } else if (a instanceof Update.SetIfAbsent s) {
                set.add(n + " = if_not_exists(" + n + ", " + value(s.value()) + ")");
            } else if (a instanceof Update.Add d) {
                add.add(n + " " + value(d.delta()));
            } else {
                remove.add(n);
            }
        }
        StringBuilder sb = new StringBuilder();
        if (!set.isEmpty()) {
            sb.append("SET ").append(String.join(", ", set));
        }
        if (!add.isEmpty()) {
            sb.append(sb.length() > 0 ? " " : "").append("ADD ").append(String.join(", ", add));
        }
        if (!remove.isEmpty()) {
            sb.append(sb.length() > 0 ? " " : "").append("REMOVE ").append(String.join(", ", remove));
        }
        return sb.toString();
    }

    String keyCondition(String partitionAttribute, Object partition, String sortAttribute, SortCondition sort) {
        String expr = name(partitionAttribute) + " = " + value(partition);
        if (sort == null) {
            return expr;
        }
        String sk = name(sortAttribute);
        if (sort instanceof SortCondition.Compare c) {
            return expr + " AND " + sk + " " + operator(c.op()) + " " + value(c.value());
        }
        if (sort instanceof SortCondition.Between b) {
            return expr + " AND " + sk + " BETWEEN " + value(b.low()) + " AND " + value(b.high());
        }
        return expr + " AND begins_with(" + sk + ", " + value(((SortCondition.BeginsWith) sort).prefix()) + ")";
    }

    static AttributeValue toAttribute(Object v) {
        if (v instanceof String s) {
            return AttributeValue.fromS(s);
        }
        if (v instanceof Long n) {
            return AttributeValue.fromN(Long.toString(n));
        }
        if (v instanceof Boolean b) {
            return AttributeValue.fromBool(b);
        }
        if (v instanceof Binary b) {
            return AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(b.toByteArray()));
        }
        throw new IllegalArgumentException("unsupported value type " + v.getClass());
    }

    static Object fromAttribute(String name, AttributeValue v) {
        if (v.s() != null) {
            return v.s();
        }
        if (v.n() != null) {
            return Long.parseLong(v.n());
        }
        if (v.bool() != null) {
            return v.bool();
        }
        if (v.b() != null) {
            return Binary.wrap(v.b().asByteArray());
        }
        throw new IllegalStateException("attribute " + name + " has a type this service never writes");
    }
}
