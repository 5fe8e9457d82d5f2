package dev.chunkvault.core.pack;

/**
 * A pack or pack index that is malformed. Messages describe the problem in general terms and never repeat the input,
 * so they are safe to show to API callers.
 */
public class PackFormatException extends IllegalArgumentException {
    public PackFormatException(String message) {
        super(message);
    }
}
