package dev.chunkvault.local.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IamTest {
    private static Map<String, Object> statement(String effect, Object action, Object resource) {
        return Map.of("Effect", effect, "Action", action, "Resource", resource);
    }

    private static List<Object> policy(Object... statements) {
        return List.of(Map.of("Statement", List.of(statements)));
    }

    @Test
    void allowsWhatAnAllowMatchesWithWildcardsAndNothingElse() {
        List<Object> p = policy(statement("Allow", List.of("s3:GetObject", "s3:GetObjectVersion"), "arn:aws:s3:::b/chunks/*"),
                statement("Allow", "s3:ListBucket", "arn:aws:s3:::b"));
        assertTrue(Iam.allows(p, "s3:GetObject", "arn:aws:s3:::b/chunks/00ff"));
        assertTrue(Iam.allows(p, "S3:getobject", "arn:aws:s3:::b/chunks/00ff"), "actions are case-insensitive");
        assertFalse(Iam.allows(p, "s3:GetObject", "arn:aws:s3:::b/manifests/x"));
        assertFalse(Iam.allows(p, "s3:GetObject", "arn:aws:s3:::B/chunks/00ff"), "resources are not");
        assertFalse(Iam.allows(p, "s3:PutObject", "arn:aws:s3:::b/chunks/00ff"));
        assertTrue(Iam.allows(p, "s3:ListBucket", "arn:aws:s3:::b"));
        assertFalse(Iam.allows(p, "s3:ListBucket", "arn:aws:s3:::b/chunks/00ff"), "ListBucket is on the bucket, not its objects");
        assertFalse(Iam.allows(List.of(), "s3:GetObject", "arn:aws:s3:::b/chunks/00ff"), "no policy, no access");
    }

    @Test
    void anExplicitDenyWins() {
        List<Object> p = policy(statement("Allow", "s3:*", "*"), statement("Deny", "s3:Delete*", "arn:aws:s3:::b/*"));
        assertTrue(Iam.allows(p, "s3:GetObject", "arn:aws:s3:::b/k"));
        assertFalse(Iam.allows(p, "s3:DeleteObject", "arn:aws:s3:::b/k"));
        assertFalse(Iam.allows(p, "s3:DeleteObjectVersion", "arn:aws:s3:::b/k"));
    }

    @Test
    void whatItDoesNotEvaluateIsRefusedNotGuessed() {
        assertThrows(TemplateException.class, () -> Iam.check("F", List.of("arn:aws:iam::aws:policy/AdministratorAccess")));
        assertThrows(TemplateException.class, () -> Iam.check("F", List.of(Map.of("S3ReadPolicy", Map.of("BucketName", "b")))));
        assertThrows(TemplateException.class, () -> Iam.check("F", List.of(Map.of("Statement", List.of(Map.of("Effect", "Allow",
                "Action", "s3:ListBucket", "Resource", "arn:aws:s3:::b", "Condition", Map.of("StringLike", Map.of("s3:prefix", "chunks/*"))))))));
        assertThrows(TemplateException.class, () -> Iam.check("F", List.of(Map.of("Statement", List.of(Map.of("Effect", "Allow",
                "NotAction", "s3:DeleteObject", "Resource", "*"))))));
        Iam.check("F", policy(statement("Allow", "s3:GetObject", "*")));
    }

    /** The one condition evaluated: a function kept to its own items of a shared table by their partition keys. */
    @Test
    void leadingKeysConditionsHoldOnlyForRequestsWhoseKeysAllMatch() {
        Map<String, Object> usageOnly = Map.of("Effect", "Allow", "Action", List.of("dynamodb:GetItem", "dynamodb:UpdateItem"),
                "Resource", "arn:aws:dynamodb:us-east-1:0:table/control",
                "Condition", Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("usage#*"))));
        List<Object> p = policy(usageOnly);
        Iam.check("f", p);
        String table = "arn:aws:dynamodb:us-east-1:0:table/control";
        assertTrue(Iam.allows(p, "dynamodb:UpdateItem", table, List.of("usage#alice")));
        assertFalse(Iam.allows(p, "dynamodb:UpdateItem", table, List.of("gc-lease")), "another item of the table");
        assertFalse(Iam.allows(p, "dynamodb:GetItem", table, List.of("usage#alice", "gc-lease")), "all keys must match");
        assertFalse(Iam.allows(p, "dynamodb:GetItem", table), "keys not known: the condition does not hold");
        assertThrows(TemplateException.class, () -> Iam.check("f", policy(Map.of("Effect", "Allow", "Action", "s3:GetObject",
                "Resource", "*", "Condition", Map.of("StringEquals", Map.of("s3:prefix", "x"))))));
    }
}
