package dev.chunkvault.emulators;

/** A fixed port an emulator or server was asked to use is taken. The message names the port. */
public final class PortInUseException extends RuntimeException {
    private final int port;

    public PortInUseException(String what, int port) {
        super(what + ": port " + port + " on 127.0.0.1 is already in use (is another local cloud running?)");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
