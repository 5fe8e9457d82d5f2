package dev.chunkvault.core.merge;

/**
 * A contiguous range of one manifest, as chunk indexes {@code [startChunk, endChunk)} and as the byte range
 * {@code [startByte, endByte)} those chunks cover in the file (offsets derived from the sizes of the chunks
 * before). An empty range ({@code startChunk == endChunk}) is a position between two chunks.
 */
public record Span(int startChunk, int endChunk, long startByte, long endByte) {
    public Span {
        if (startChunk < 0 || endChunk < startChunk || startByte < 0 || endByte < startByte) {
            throw new IllegalArgumentException("a span has ordered, non-negative bounds");
        }
    }

    public boolean isEmpty() {
        return startChunk == endChunk;
    }
}
