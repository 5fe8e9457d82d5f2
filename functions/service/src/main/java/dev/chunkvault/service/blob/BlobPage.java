package dev.chunkvault.service.blob;

import java.util.List;

/** A page of a listing in key order; {@code nextStartAfter} is null on the last page. */
public record BlobPage(List<BlobSummary> blobs, String nextStartAfter) {
    public BlobPage {
        blobs = List.copyOf(blobs);
    }
}
