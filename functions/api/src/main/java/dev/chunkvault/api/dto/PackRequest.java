package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.core.compress.Encoding;
import dev.chunkvault.core.hash.ChunkId;
import dev.chunkvault.core.pack.PackFormat;
import java.util.List;

/**
 * POST /v1/packs: a pack to upload — the SHA-256 and size of the whole object and its chunks in order (each chunk's
 * id, offset and length in the object; the object ends with the same index, see {@code PackFormat}). A compressed chunk
 * has {@code encoding: "zstd"} and {@code plainLength} (its length is then the compressed bytes'). With {@code
 * unlessHeld: true}, nothing is declared if the caller already holds some of the chunks: the answer lists them.
 */
public record PackRequest(String sha256, Long size, List<Entry> chunks, Boolean unlessHeld) {
    public PackRequest {
        Check.chunkId(sha256, "sha256");
        Check.required(size, "size");
        if (size <= 0) {
            throw new BadInput("INVALID_FIELD", "'size' must be positive.");
        }
        chunks = Check.list(chunks, "chunks", PackFormat.MAX_CHUNKS);
    }

    public record Entry(String id, Integer offset, Integer length, String encoding, Integer plainLength) {
        public Entry {
            Check.chunkId(id, "chunks[].id");
            Check.required(offset, "chunks[].offset");
            Check.required(length, "chunks[].length");
            if (offset < 0 || length <= 0) {
                throw new BadInput("INVALID_FIELD", "'chunks[].offset' must be 0 or more and 'chunks[].length' positive.");
            }
            Encoding e = Encoding.ofName(encoding);
            if (e == null) {
                throw new BadInput("INVALID_FIELD", "'chunks[].encoding' must be 'raw' or 'zstd'.");
            }
            if (e == Encoding.RAW ? plainLength != null && !plainLength.equals(length) : plainLength == null || plainLength <= 0) {
                throw new BadInput("INVALID_FIELD", "'chunks[].plainLength' is required, positive, for a compressed chunk"
                        + " (and equal to 'length' for a raw one).");
            }
        }

        PackFormat.Entry toEntry() {
            Encoding e = Encoding.ofName(encoding);
            return new PackFormat.Entry(ChunkId.parse(id), offset, length, e, e == Encoding.RAW ? length : plainLength);
        }
    }

    /** Whether the declaration is to be made only if the caller holds none of its chunks. */
    public boolean onlyIfNoneHeld() {
        return Boolean.TRUE.equals(unlessHeld);
    }

    public ChunkId checksum() {
        return ChunkId.parse(sha256);
    }

    public List<PackFormat.Entry> entries() {
        return chunks.stream().map(Entry::toEntry).toList();
    }
}
