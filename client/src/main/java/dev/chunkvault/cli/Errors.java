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
            if (a.isQuotaExceeded()) {
                return new Verdict(ExitCodes.ERROR, quotaMessage(a) + id);
            }
            if (a.isTooManyVersions()) {
                return new Verdict(ExitCodes.UNAVAILABLE, tooManyVersionsMessage(a) + id);
            }
            if (a.status() == 401 && "INVALID_SUBJECT".equals(a.code())) {
                // Signing in again gives the same identity: say what is wrong with it instead.
                return new Verdict(ExitCodes.AUTH, "The service cannot use this account's identity: the token's subject"
                        + " (sub) is not a string of 1 to 255 bytes of plain text. Sign in with an identity provider that"
                        + " issues such subjects (Cognito does), or ask the operator." + id);
            }
            if (a.isUnauthorized()) {
                return new Verdict(ExitCodes.AUTH, (a.status() == 403 ? "Not allowed: " : "Not signed in or the session"
                        + " expired: ") + a.getMessage() + " Run `chunkvault login`." + id);
            }
            if (a.status() == 429 || a.status() >= 500) {
                return new Verdict(ExitCodes.UNAVAILABLE, "The service is unavailable: " + a.getMessage()
                        + " Nothing was lost; try again later." + id);
            }
            if (a.isNoSuchRoute()) {
                return new Verdict(ExitCodes.UNAVAILABLE, "The service does not serve "
                        + a.route().orElse("this request") + " (HTTP " + a.status() + " " + a.code() + "): an older or"
                        + " misconfigured service, or the wrong endpoint (`chunkvault login --endpoint URL`)." + id);
            }
            if (a.status() == 404) {
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

    /**
     * What to tell someone whose commit was refused for their storage quota: how much it needed, what is used of
     * what, and what to do (nothing was changed, so the same command works once there is room).
     */
    public static String quotaMessage(ApiException a) {
        var d = a.details();
        if (!d.path("quota").isNumber()) {
            return "Over your storage quota: nothing was changed. Delete files to make room, or ask for a larger quota"
                    + " (`chunkvault usage` shows what counts).";
        }
        long quota = d.path("quota").asLong();
        long used = d.path("used").asLong();
        long needed = d.path("needed").asLong();
        return "Over your storage quota: this needs " + Human.bytes(needed) + " more, and " + Human.bytes(used)
                + " of your " + Human.bytes(quota) + " are used (" + Human.bytes(Math.max(0, quota - used)) + " free)."
                + " Nothing was changed. Delete files you no longer need (earlier versions do not count), or ask for"
                + " a larger quota, then run the command again; `chunkvault usage` shows what counts.";
    }

    /** What to tell someone whose file got too many new versions this hour: when it can be committed again. */
    public static String tooManyVersionsMessage(ApiException a) {
        // A single commit's answer has Retry-After; a batch's item has the same in its details.
        java.util.Optional<java.time.Duration> after = a.retryAfter().or(() -> a.details().path("retryAfterSeconds")
                .isNumber() ? java.util.Optional.of(java.time.Duration.ofSeconds(a.details().path("retryAfterSeconds")
                .asLong())) : java.util.Optional.empty());
        String when = after.map(d -> " in " + Human.duration(d.toNanos())).orElse(" later");
        int limit = a.details().path("limit").asInt(0);
        return "This file changed too often: " + (limit > 0 ? limit + " new versions" : "the limit of new versions")
                + " this hour. Nothing was lost; it can be committed again" + when + ".";
    }
}
