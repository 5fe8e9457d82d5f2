/**
 * Three-way merge of file versions on their chunk sequences (DESIGN.md §9).
 *
 * <p>Content-defined chunking makes an edit change only the chunks around it: the chunks before are untouched
 * and the boundaries after it fall back into step within a chunk or two. So two versions of a file derived from
 * one ancestor can be merged as sequences of chunk ids, without reading a byte:
 * {@link dev.chunkvault.core.merge.ChunkDiff} diffs each side against the ancestor into
 * {@link dev.chunkvault.core.merge.Hunk}s (Myers' O((N+M)·D) algorithm, linear space, bounded and falling back to
 * unique anchors), and {@link dev.chunkvault.core.merge.ThreeWayMerge} applies the hunks of both sides when they
 * touch disjoint parts of the ancestor, or reports the {@link dev.chunkvault.core.merge.ConflictRegion}s where
 * they do not (as chunk ranges and byte ranges of the ancestor and of both sides).
 *
 * <p>When a merge is clean its bytes are the ancestor's with both sides' edits applied: a chunk the merge keeps
 * from one side stands for the same bytes there as in the merged file. Edits closer together than a chunk or
 * two usually touch the same chunk and are reported as a conflict, even when the bytes they change are
 * disjoint: the merge works at chunk granularity and never guesses below it.
 */
package dev.chunkvault.core.merge;
