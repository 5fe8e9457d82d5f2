package dev.chunkvault.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3FrontTest {
    private static List<String> needs(String method, String path, String query, String copySource) {
        return S3Front.needs(method, S3Front.Target.of(path), S3Front.query(query), copySource).stream()
                .map(n -> n[0] + " " + n[1]).toList();
    }

    @Test
    void requestsNeedTheActionsIamAuthorizesThemBy() {
        assertEquals(List.of("s3:GetObject arn:aws:s3:::b/chunks/ab"), needs("GET", "/b/chunks/ab", null, null));
        assertEquals(List.of("s3:GetObject arn:aws:s3:::b/chunks/ab"), needs("HEAD", "/b/chunks/ab",
                "X-Amz-Signature=x&response-content-type=application%2Foctet-stream", null));
        assertEquals(List.of("s3:GetObjectVersion arn:aws:s3:::b/k"), needs("GET", "/b/k", "versionId=3", null));
        assertEquals(List.of("s3:PutObject arn:aws:s3:::b/manifests/m"), needs("PUT", "/b/manifests/m", null, null));
        assertEquals(List.of("s3:PutObject arn:aws:s3:::b/chunks/ab", "s3:GetObject arn:aws:s3:::b/chunks/cd"),
                needs("PUT", "/b/chunks/ab", null, "/b/chunks/cd"), "a copy reads its source");
        assertEquals(List.of("s3:DeleteObjectVersion arn:aws:s3:::b/k"), needs("DELETE", "/b/k", "versionId=3", null));
        assertEquals(List.of("s3:DeleteObject arn:aws:s3:::b/k%"), needs("DELETE", "/b/k%25", null, null));
        assertEquals(List.of("s3:ListBucket arn:aws:s3:::b"), needs("GET", "/b", "list-type=2&prefix=chunks%2F", null));
        assertEquals(List.of("s3:ListBucketVersions arn:aws:s3:::b"), needs("GET", "/b/", "versions", null));
        assertEquals(List.of("s3:PutObjectAcl arn:aws:s3:::b/k"), needs("PUT", "/b/k", "acl", null));
        assertTrue(needs("PUT", "/b", "versioning", null).get(0).startsWith("s3:Unsupported"), "what no policy of ours grants");
    }

    @Test
    void presignedRequestsMustSignEveryAmzHeaderButThePayloadHash() {
        assertTrue(S3Front.mustBeSigned("x-amz-meta-owner"));
        assertTrue(S3Front.mustBeSigned("x-amz-copy-source"));
        assertTrue(S3Front.mustBeSigned("content-md5"));
        assertFalse(S3Front.mustBeSigned("x-amz-content-sha256"));
        assertFalse(S3Front.mustBeSigned("content-type"), "S3 does not require it signed (the grant signs it anyway)");
        assertEquals(Map.of("a", List.of("b c"), "d", List.of("")), S3Front.query("a=b%20c&d"));
    }
}
