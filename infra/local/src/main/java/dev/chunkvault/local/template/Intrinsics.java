package dev.chunkvault.local.template;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Evaluates CloudFormation intrinsic functions in a parsed template fragment: {@code Ref} (parameters, pseudo
 * parameters, resources), {@code Fn::GetAtt}, {@code Fn::Sub}, {@code Fn::Join}, {@code Fn::Select},
 * {@code Fn::Split}, {@code Fn::If} / {@code Fn::Equals} / {@code Fn::Not} / {@code Fn::And} / {@code Fn::Or} with the
 * template's {@code Conditions}, {@code Fn::FindInMap}, {@code Fn::Base64}, {@code Fn::GetAZs}; {@code AWS::NoValue}
 * removes the property it is in. Anything else is a {@link TemplateException} naming it.
 */
public final class Intrinsics {
    /** The value of {@code AWS::NoValue}: removed from maps and lists after evaluation. */
    private static final Object NO_VALUE = new Object();

    private final Map<String, Object> parameters;
    private final Function<String, String> resourceRef;
    private final BiFunction<String, String, String> getAtt;
    private final Map<String, Object> conditionDefs;
    private final Map<String, Object> mappings;
    private final Map<String, Boolean> conditions = new HashMap<>();
    private final Set<String> evaluating = new HashSet<>();

    /**
     * @param parameters  parameter and pseudo-parameter values (String or List of String)
     * @param resourceRef a resource's {@code Ref} value by logical id, or null if there is no such resource
     * @param getAtt      a resource attribute by (logical id, attribute), or null if unknown
     */
    public Intrinsics(Map<String, Object> parameters, Function<String, String> resourceRef,
                      BiFunction<String, String, String> getAtt, Map<String, Object> conditionDefs,
                      Map<String, Object> mappings) {
        this.parameters = Map.copyOf(parameters);
        this.resourceRef = resourceRef;
        this.getAtt = getAtt;
        this.conditionDefs = conditionDefs == null ? Map.of() : conditionDefs;
        this.mappings = mappings == null ? Map.of() : mappings;
    }

    /** The value of a named condition of the template. */
    public boolean condition(String name) {
        Boolean known = conditions.get(name);
        if (known != null) {
            return known;
        }
        if (!conditionDefs.containsKey(name)) {
            throw new TemplateException("unknown condition '" + name + "'");
        }
        if (!evaluating.add(name)) {
            throw new TemplateException("condition '" + name + "' refers to itself");
        }
        boolean value = bool(resolve(conditionDefs.get(name)), "condition " + name);
        evaluating.remove(name);
        conditions.put(name, value);
        return value;
    }

    /** Evaluates every intrinsic in {@code node} (maps, lists, scalars). */
    public Object resolve(Object node) {
        Object v = eval(node);
        return v == NO_VALUE ? null : v;
    }

    /** Resolves {@code node} to a string (numbers and booleans as CloudFormation prints them). */
    public String string(Object node, String where) {
        Object v = resolve(node);
        if (v == null) {
            return null;
        }
        if (v instanceof Map || v instanceof List) {
            throw new TemplateException(where + " must be a string");
        }
        return scalar(v);
    }

    @SuppressWarnings("unchecked")
    private Object eval(Object node) {
        if (node instanceof Map<?, ?> raw) {
            Map<String, Object> map = (Map<String, Object>) raw;
            if (map.size() == 1) {
                Map.Entry<String, Object> e = map.entrySet().iterator().next();
                String k = e.getKey();
                if (k.equals("Ref") || k.startsWith("Fn::")) {
                    return function(k, e.getValue());
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : map.entrySet()) {
                Object v = eval(e.getValue());
                if (v != NO_VALUE) {
                    out.put(e.getKey(), v);
                }
            }
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                Object v = eval(o);
                if (v != NO_VALUE) {
                    out.add(v);
                }
            }
            return out;
        }
        return node;
    }

    private Object function(String name, Object arg) {
        return switch (name) {
            case "Ref" -> ref(scalar(eval(arg)));
            case "Fn::GetAtt" -> {
                List<Object> a = args(arg, 2, name);
                yield attribute(scalar(eval(a.get(0))), scalar(eval(a.get(1))));
            }
            case "Fn::Sub" -> sub(arg);
            case "Fn::Join" -> {
                List<Object> a = args(arg, 2, name);
                List<Object> items = list(eval(a.get(1)), name);
                List<String> parts = new ArrayList<>();
                for (Object i : items) {
                    parts.add(scalar(i));
                }
                yield String.join(scalar(eval(a.get(0))), parts);
            }
            case "Fn::Select" -> {
                List<Object> a = args(arg, 2, name);
                int index = Integer.parseInt(scalar(eval(a.get(0))));
                List<Object> items = list(eval(a.get(1)), name);
                if (index < 0 || index >= items.size()) {
                    throw new TemplateException("Fn::Select index " + index + " is out of range");
                }
                yield items.get(index);
            }
            case "Fn::Split" -> {
                List<Object> a = args(arg, 2, name);
                String delimiter = scalar(eval(a.get(0)));
                String text = scalar(eval(a.get(1)));
                List<Object> out = new ArrayList<>();
                int from = 0;
                for (int at = text.indexOf(delimiter); at >= 0 && !delimiter.isEmpty(); at = text.indexOf(delimiter, from)) {
                    out.add(text.substring(from, at));
                    from = at + delimiter.length();
                }
                out.add(text.substring(from));
                yield out;
            }
            case "Fn::If" -> {
                List<Object> a = args(arg, 3, name);
                yield condition(scalar(a.get(0))) ? eval(a.get(1)) : eval(a.get(2));
            }
            case "Fn::Equals" -> {
                List<Object> a = args(arg, 2, name);
                yield Objects.equals(normalize(eval(a.get(0))), normalize(eval(a.get(1))));
            }
            case "Fn::Not" -> !bool(eval(args(arg, 1, name).get(0)), name);
            case "Fn::And", "Fn::Or" -> {
                List<Object> a = list(arg, name);
                boolean and = name.equals("Fn::And");
                boolean acc = and;
                for (Object o : a) {
                    boolean b = bool(eval(o), name);
                    acc = and ? acc && b : acc || b;
                }
                yield acc;
            }
            case "Fn::Condition" -> condition(scalar(arg));
            case "Fn::FindInMap" -> {
                List<Object> a = args(arg, 3, name);
                Object top = mappings.get(scalar(eval(a.get(0))));
                Object second = top instanceof Map<?, ?> m1 ? m1.get(scalar(eval(a.get(1)))) : null;
                Object value = second instanceof Map<?, ?> m2 ? m2.get(scalar(eval(a.get(2)))) : null;
                if (value == null) {
                    throw new TemplateException("Fn::FindInMap found nothing for " + a);
                }
                yield eval(value);
            }
            case "Fn::Base64" -> Base64.getEncoder().encodeToString(scalar(eval(arg)).getBytes(StandardCharsets.UTF_8));
            case "Fn::GetAZs" -> {
                String region = scalar(parameters.get("AWS::Region"));
                yield List.of(region + "a", region + "b", region + "c");
            }
            default -> throw new TemplateException(name + " is not supported by the local cloud");
        };
    }

    /**
     * A template's {@code Condition: Name} inside a boolean function is written {@code {Condition: Name}}; CfnYaml
     * maps {@code !Condition} to that form too.
     */
    private boolean bool(Object v, String where) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("Condition")) {
            return condition(scalar(m.get("Condition")));
        }
        if (v instanceof String s && (s.equals("true") || s.equals("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new TemplateException(where + " must be a boolean, got " + v);
    }

    private Object ref(String name) {
        if (name.equals("AWS::NoValue")) {
            return NO_VALUE;
        }
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        String r = resourceRef.apply(name);
        int dot = name.indexOf('.');
        if (r == null && dot > 0 && resourceRef.apply(name.substring(0, dot)) != null) {
            return attribute(name.substring(0, dot), name.substring(dot + 1)); // SAM's Ref Function.Alias / .Version
        }
        if (r == null) {
            throw new TemplateException("Ref to unknown parameter or resource '" + name + "'");
        }
        return r;
    }

    private String attribute(String resource, String attr) {
        String v = getAtt.apply(resource, attr);
        if (v == null) {
            throw new TemplateException("Fn::GetAtt " + resource + "." + attr + " is not known");
        }
        return v;
    }

    private String sub(Object arg) {
        String text;
        Map<String, Object> vars = Map.of();
        if (arg instanceof List<?> l) {
            if (l.size() != 2 || !(l.get(1) instanceof Map<?, ?>)) {
                throw new TemplateException("Fn::Sub takes a string or [string, {variables}]");
            }
            text = scalar(eval(l.get(0)));
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) eval(l.get(1));
            vars = m;
        } else {
            text = scalar(eval(arg));
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int start = text.indexOf("${", i);
            if (start < 0) {
                out.append(text, i, text.length());
                break;
            }
            out.append(text, i, start);
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new TemplateException("unclosed ${ in Fn::Sub '" + text + "'");
            }
            String name = text.substring(start + 2, end);
            if (name.startsWith("!")) {
                out.append("${").append(name.substring(1)).append('}');
            } else if (vars.containsKey(name)) {
                out.append(scalar(vars.get(name)));
            } else if (name.contains(".") && !name.startsWith("AWS::")) {
                int dot = name.indexOf('.');
                out.append(attribute(name.substring(0, dot), name.substring(dot + 1)));
            } else {
                Object v = ref(name);
                if (v instanceof List<?> l) {
                    throw new TemplateException("Fn::Sub cannot substitute the list parameter " + name + " (" + l.size() + " items)");
                }
                out.append(scalar(v));
            }
            i = end + 1;
        }
        return out.toString();
    }

    private static List<Object> args(Object arg, int n, String name) {
        List<Object> l = list(arg, name);
        if (l.size() != n) {
            throw new TemplateException(name + " takes " + n + " arguments, got " + l.size());
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, String name) {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new TemplateException(name + " needs a list, got " + v);
    }

    private static Object normalize(Object v) {
        return v instanceof List || v instanceof Map || v == null ? v : scalar(v);
    }

    static String scalar(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d && d == Math.rint(d)) {
            return Long.toString(d.longValue());
        }
        if (v instanceof Map || v instanceof List) {
            throw new TemplateException("expected a scalar, got " + v);
        }
        return v.toString();
    }
}
