package dev.chunkvault.cli;

import dev.chunkvault.client.ApiException;
import dev.chunkvault.client.BadResponseException;
import dev.chunkvault.client.IntegrityException;
import dev.chunkvault.client.LocalFileChangedException;
import dev.chunkvault.client.StaleParentException;
import dev.chunkvault.client.TransportException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Maps any failure to an exit code and one helpful line; stack traces only with {@code --debug}. */
public final class Errors {
    private Errors() {}

    public record Verdict(int exitCode, String message) {}

    public static Verdict classify(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) {
            t = u.getCause();
        }
        if (t instanceof CliException c) {
            return new Verdict(c.exitCode(), c.getMessage());
        }
        if (t instanceof picocli.CommandLine.ParameterException p) {
            return new Verdict(ExitCodes.USAGE, p.getMessage());
        }
        if (t instanceof dev.chunkvault.client.sync.SyncBusyException b) {
            return new Verdict(ExitCodes.BUSY, b.getMessage());
        }
        if (t instanceof dev.chunkvault.client.sync.SyncRefusedException r) {
            return new Verdict(ExitCodes.REFUSED, r.getMessage());
        }
        if (t instanceof StaleParentException s) {
            return new Verdict(ExitCodes.CONFLICTS, s.getMessage() + " Run `chunkvault sync` to reconcile, or use --force.");
        }
        if (t instanceof ApiException a) {
            String id = a.requestId() == null ? "" : " (request " + a.requestId() + ")";
            if (a.isUnauthorized()) {
                return new Verdict(ExitCodes.AUTH, (a.status() == 403 ? "Not allowed: " : "Not signed in or the session"
                        + " expired: ") + a.getMessage() + " Run `chunkvault login`." + id);
            }
            if (a.status() == 429 || a.status() >= 500) {
                return new Verdict(ExitCodes.UNAVAILABLE, "The service is unavailable: " + a.getMessage()
                        + " Nothing was lost; try again later." + id);
            }
            if (a.isNotFound()) {
                return new Verdict(ExitCodes.ERROR, "Not found: " + a.getMessage() + id);
            }
            return new Verdict(ExitCodes.ERROR, a.getMessage() + " [" + a.code() + "]" + id);
        }
        if (t instanceof TransportException) {
            return new Verdict(ExitCodes.UNAVAILABLE, t.getMessage() + " Check the endpoint (`chunkvault login"
                    + " --endpoint URL`) and your connection; nothing was lost.");
        }
        if (t instanceof BadResponseException) {
            return new Verdict(ExitCodes.UNAVAILABLE, t.getMessage() + " Nothing was changed locally; try again later.");
        }
        if (t instanceof IntegrityException) {
            return new Verdict(ExitCodes.INTEGRITY, t.getMessage());
        }
        if (t instanceof LocalFileChangedException) {
            return new Verdict(ExitCodes.ERROR, t.getMessage() + "; run the command again when it is quiet.");
        }
        if (t instanceof NoSuchFileException n) {
            return new Verdict(ExitCodes.ERROR, "No such file or folder: " + n.getFile());
        }
        if (t instanceof AccessDeniedException n) {
            return new Verdict(ExitCodes.ERROR, "Permission denied: " + n.getFile());
        }
        if (t instanceof FileAlreadyExistsException n) {
            return new Verdict(ExitCodes.ERROR, "Already exists: " + n.getFile());
        }
        if (t instanceof IOException io) {
            return new Verdict(ExitCodes.ERROR, "I/O error: " + (io.getMessage() == null ? io.getClass().getSimpleName()
                    : io.getMessage()));
        }
        if (t instanceof InterruptedException) {
            return new Verdict(ExitCodes.INTERRUPTED, "Interrupted.");
        }
        if (t instanceof dev.chunkvault.client.ChunkvaultException c) {
            return new Verdict("Interrupted.".equals(c.getMessage()) ? ExitCodes.INTERRUPTED : ExitCodes.ERROR,
                    c.getMessage());
        }
        return new Verdict(ExitCodes.ERROR, "Unexpected error (" + t.getClass().getSimpleName() + "). Run with --debug"
                + " for details.");
    }
}
