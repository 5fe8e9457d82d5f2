package dev.chunkvault.cli;

/** A failure the CLI reports with a chosen exit code and a message for people. */
public class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static CliException notLoggedIn() {
        return new CliException(ExitCodes.AUTH, "Not signed in. Run `chunkvault login` (for the local cloud:"
                + " `chunkvault login --local USER`).");
    }

    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    public static CliException refused(String message) {
        return new CliException(ExitCodes.REFUSED, message);
    }
}
