package dev.chunkvault.client;

import java.nio.file.Path;

/** A local file changed while it was being uploaded or was about to be replaced; try again once it is quiet. */
public final class LocalFileChangedException extends ChunkvaultException {
    private final transient Path file;

    public LocalFileChangedException(Path file, String what) {
        super(file + ": " + what);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
