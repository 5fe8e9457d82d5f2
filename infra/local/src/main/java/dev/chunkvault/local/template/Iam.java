package dev.chunkvault.local.template;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of IAM policy evaluation the template's function policies use: inline {@code Statement}s with
 * {@code Effect}, {@code Action} and {@code Resource} (a string or a list; {@code *} and {@code ?} wildcards, actions
 * matched case-insensitively). A request is allowed when an Allow statement matches it and no Deny statement does;
 * anything else is denied, as IAM does. What this does not evaluate — managed policies, SAM policy templates,
 * {@code NotAction}, {@code NotResource}, {@code Condition} — is refused by {@link #check} rather than guessed at.
 * The local cloud uses it to give each function's S3 identity its policies; TemplatePoliciesIT to check every call the
 * functions make against them.
 */
public final class Iam {
    private static final Set<String> KEYS = Set.of("Sid", "Effect", "Action", "Resource");

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
                if (st.get("Action") == null || st.get("Resource") == null) {
                    throw new TemplateException(owner + ": a policy statement needs an Action and a Resource: " + st);
                }
            }
        }
    }

    /** Whether {@code policies} allow {@code action} (e.g. {@code s3:GetObject}) on the resource ARN. */
    public static boolean allows(List<Object> policies, String action, String resource) {
        boolean allowed = false;
        for (Object policy : policies) {
            if (!(policy instanceof Map<?, ?> p) || !p.containsKey("Statement")) {
                throw new TemplateException("only inline policy statements are evaluated locally, not " + policy);
            }
            for (Object s : asList(p.get("Statement"))) {
                Map<?, ?> st = (Map<?, ?>) s;
                if (matchesAny(st.get("Action"), action, true) && matchesAny(st.get("Resource"), resource, false)) {
                    if ("Deny".equals(st.get("Effect"))) {
                        return false;
                    }
                    allowed |= "Allow".equals(st.get("Effect"));
                }
            }
        }
        return allowed;
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
