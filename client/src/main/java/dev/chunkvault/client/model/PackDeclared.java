package dev.chunkvault.client.model;

import java.util.List;

/**
 * The answer to {@code POST /v1/packs}: the pack's id and its one presigned PUT; or, for a declaration made {@code
 * unlessHeld} naming chunks the caller already holds, no pack and those chunks in {@code have}.
 */
public record PackDeclared(String packId, Presigned upload, List<String> have) {
    public PackDeclared {
        have = have == null ? List.of() : List.copyOf(have);
    }
}
