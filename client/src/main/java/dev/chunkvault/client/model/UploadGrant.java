package dev.chunkvault.client.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@code POST /v1/uploads}; {@code pack}: chunks to send in a pack (when the request offered packs), null
 * when the answer has no such list at all (a service without packs).
 */
public record UploadGrant(List<String> have, List<Upload> uploads, List<Later> retry, List<String> pack) {
    public UploadGrant {
        have = have == null ? List.of() : List.copyOf(have);
        uploads = uploads == null ? List.of() : List.copyOf(uploads);
        retry = retry == null ? List.of() : List.copyOf(retry);
        pack = pack == null ? null : List.copyOf(pack);
    }

    /** The chunks to send in a pack (none from a service without packs). */
    public List<String> packed() {
        return pack == null ? List.of() : pack;
    }

    /** Whether the service offers packs: its answer lists the chunks to pack, even when that list is empty. */
    public boolean offersPacks() {
        return pack != null;
    }

    /** No grants: the answer when nothing was asked. */
    public static final UploadGrant NONE = new UploadGrant(null, null, null, null);

    public UploadGrant(List<String> have, List<Upload> uploads, List<Later> retry) {
        this(have, uploads, retry, List.of());
    }

    /** A presigned PUT for one chunk. */
    public record Upload(String id, String method, String url, Map<String, String> headers, Instant expiresAt) {
        public Upload {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        public Presigned presigned() {
            return new Presigned(method == null ? "PUT" : method, url, headers, expiresAt);
        }
    }

    /** A chunk being garbage-collected right now: ask again after the delay. */
    public record Later(String id, long retryAfterSeconds) {}
}
