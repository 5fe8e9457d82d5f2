package dev.chunkvault.core.manifest;

/**
 * A manifest or manifest delta that cannot be decoded or applied. Messages describe the problem in general
 * terms and never repeat the input, so they are safe to show to API callers.
 */
public class ManifestFormatException extends IllegalArgumentException {
    public ManifestFormatException(String message) {
        super(message);
    }
}
