package dev.chunkvault.local.template;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of IAM policy evaluation the template's function policies use: inline {@code Statement}s with
 * {@code Effect}, {@code Action} and {@code Resource} (a string or a list; {@code *} and {@code ?} wildcards, actions
 * matched case-insensitively). A request is allowed when an Allow statement matches it and no Deny statement does;
 * anything else is denied, as IAM does. One condition is evaluated, the one the template uses to keep functions to
 * their own items of a shared table: {@code ForAllValues:StringLike} on {@code dynamodb:LeadingKeys} (every partition key
 * the request names must match one of the patterns; a request whose keys are not known does not match). What this
 * does not evaluate — managed policies, SAM policy templates, {@code NotAction}, {@code NotResource}, any other
 * {@code Condition} — is refused by {@link #check} rather than guessed at.
 * The local cloud uses it to give each function's S3 identity its policies; TemplatePoliciesIT to check every call the
 * functions make against them.
 */
public final class Iam {
    private static final Set<String> KEYS = Set.of("Sid", "Effect", "Action", "Resource", "Condition");
    static final String FOR_ALL_LIKE = "ForAllValues:StringLike";
    static final String LEADING_KEYS = "dynamodb:LeadingKeys";

    private Iam() {}

    /**
     * @throws TemplateException naming {@code owner} if a policy has a form this class does not evaluate
     */
    public static void check(String owner, List<Object> policies) {
        for (Object policy : policies) {
            if (!(policy instanceof Map<?, ?> p) || !p.containsKey("Statement")) {
                throw new TemplateException(owner + ": only inline policy statements are evaluated locally, not " + policy);
            }
            for (Object s : asList(p.get("Statement"))) {
                if (!(s instanceof Map<?, ?> st)) {
                    throw new TemplateException(owner + ": a policy statement is not a map: " + s);
                }
                for (Object k : st.keySet()) {
                    if (!KEYS.contains(String.valueOf(k))) {
                        throw new TemplateException(owner + ": policy statements with " + k + " are not evaluated locally");
                    }
                }
                Object effect = st.get("Effect");
                if (!"Allow".equals(effect) && !"Deny".equals(effect)) {
                    throw new TemplateException(owner + ": a policy statement's Effect is Allow or Deny, not " + effect);
                }
                Object condition = st.get("Condition");
                if (condition != null && !(condition instanceof Map<?, ?> c && c.size() == 1
                        && c.get(FOR_ALL_LIKE) instanceof Map<?, ?> like && like.size() == 1 && like.containsKey(LEADING_KEYS))) {
                    throw new TemplateException(owner + ": policy statements with a Condition other than " + FOR_ALL_LIKE
                            + " on " + LEADING_KEYS + " are not evaluated locally: " + condition);
                }
                if (st.get("Action") == null || st.get("Resource") == null) {
                    throw new TemplateException(owner + ": a policy statement needs an Action and a Resource: " + st);
                }
            }
        }
    }

    /** Whether {@code policies} allow {@code action} (e.g. {@code s3:GetObject}) on the resource ARN. */
    public static boolean allows(List<Object> policies, String action, String resource) {
        return allows(policies, action, resource, null);
    }

    /**
     * Whether {@code policies} allow {@code action} on the resource ARN for a request naming these partition keys
     * ({@code dynamodb:LeadingKeys}; null when not known or not a DynamoDB item request).
     */
    public static boolean allows(List<Object> policies, String action, String resource, List<String> leadingKeys) {
        boolean allowed = false;
        for (Object policy : policies) {
            if (!(policy instanceof Map<?, ?> p) || !p.containsKey("Statement")) {
                throw new TemplateException("only inline policy statements are evaluated locally, not " + policy);
            }
            for (Object s : asList(p.get("Statement"))) {
                Map<?, ?> st = (Map<?, ?>) s;
                if (matchesAny(st.get("Action"), action, true) && matchesAny(st.get("Resource"), resource, false)
                        && conditionHolds(st.get("Condition"), leadingKeys)) {
                    if ("Deny".equals(st.get("Effect"))) {
                        return false;
                    }
                    allowed |= "Allow".equals(st.get("Effect"));
                }
            }
        }
        return allowed;
    }

    /** No condition, or every leading key matches one of the condition's patterns (unknown keys: it does not hold). */
    private static boolean conditionHolds(Object condition, List<String> leadingKeys) {
        if (condition == null) {
            return true;
        }
        if (leadingKeys == null || leadingKeys.isEmpty()) {
            return false;
        }
        Object patterns = ((Map<?, ?>) ((Map<?, ?>) condition).get(FOR_ALL_LIKE)).get(LEADING_KEYS);
        return leadingKeys.stream().allMatch(k -> matchesAny(patterns, k, false));
    }

    private static List<?> asList(Object o) {
        return o instanceof List<?> l ? l : List.of(o);
    }

    private static boolean matchesAny(Object patterns, String value, boolean caseInsensitive) {
        for (Object p : asList(patterns)) {
            String regex = "\\Q" + String.valueOf(p).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q") + "\\E";
            if (Pattern.compile(regex, caseInsensitive ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL : Pattern.DOTALL)
                    .matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }
}
