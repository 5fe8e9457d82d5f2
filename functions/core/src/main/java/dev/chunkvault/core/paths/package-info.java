/**
 * Names and paths, one set of rules for server and client: {@link dev.chunkvault.core.paths.FileNames}
 * (what a valid name is, its case-folded collision key, Windows portability),
 * {@link dev.chunkvault.core.paths.FilePath} (validated, canonical paths) and
 * {@link dev.chunkvault.core.paths.ConflictedCopies} (conflicted-copy names, never nested). Rejections
 * are {@link dev.chunkvault.core.paths.InvalidFilePathException}s with a reason code for API errors.
 */
package dev.chunkvault.core.paths;
