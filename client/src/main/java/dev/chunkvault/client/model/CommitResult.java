package dev.chunkvault.client.model;

/**
 * The answer to a commit, delete or restore.
 *
 * @param outcome {@code created}, {@code replayed} (an earlier try with the same key) or {@code unchanged}
 */
public record CommitResult(String outcome, VersionInfo version) {}
