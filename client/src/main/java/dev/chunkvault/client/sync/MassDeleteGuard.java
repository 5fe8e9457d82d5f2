package dev.chunkvault.client.sync;

import dev.chunkvault.client.sync.SyncPlanner.Action;
import dev.chunkvault.client.sync.SyncPlanner.Local;
import dev.chunkvault.client.sync.SyncPlanner.Remote;
import java.util.List;

/**
 * The mass-delete safeguard. It counts what is gone, not what the plan does with it: every tracked file that is
 * missing or emptied on disk, or deleted or emptied on the server (a disk failing, a script gone wrong, a folder
 * emptied or unmounted). Counted by plan, an emptied folder whose files another device had edited slipped through:
 * those edits turn local deletions into downloads ("the edit wins"), and the remaining deletions passed the
 * thresholds and were then applied on every device.
 */
final class MassDeleteGuard {
    private MassDeleteGuard() {}

    /**
     * When more of the {@code tracked} files are gone than {@link SyncPlanner#isMassDelete} allows, holds back every
     * deletion (and emptying), in both directions, and every download into a file missing here: their items' actions
     * become {@link Action#NONE}, and {@code report} says what was held back and why.
     *
     * @return whether anything was held back
     */
    static boolean holdBack(List<SyncItem> items, int tracked, int maxDeletes, double maxDeleteFraction,
                            SyncReport report) {
        List<SyncItem> gone = items.stream().filter(i -> goneHere(i) || goneThere(i) || deletesOrEmpties(i)).toList();
        if (!SyncPlanner.isMassDelete(gone.size(), tracked, maxDeletes, maxDeleteFraction)) {
            return false;
        }
        for (SyncItem d : gone) {
            if (deletesOrEmpties(d)) {
                String what = switch (d.action) {
                    case DELETE_LOCAL -> "local ";
                    case DELETE_REMOTE -> "remote ";
                    case PULL -> "empty local ";
                    default -> "empty remote ";
                };
                report.refusedDeletes.add(what + d.displayPath());
                d.action = Action.NONE;
            } else if (d.action == Action.PULL && goneHere(d)) {
                // Missing here, edited elsewhere: not downloaded either. The folder may be unmounted, and a copy
                // written into the empty mount point would be recorded as the edited version; once the disk is
                // back, its old copy would look like a local edit of that version and be pushed over the edit.
                // Left alone, nothing is lost: the edit stays the server's head, and comes down once the folder
                // is back, or with --force (where the edit wins over the deletion, as always).
                report.heldDownloads.add(d.displayPath());
                d.action = Action.NONE;
            }
            // A push of a local edit over a remote deletion goes on: it brings the file back on the server, and
            // nothing is lost by that. A conflict keeps both versions, as always.
        }
        boolean heldBack = !report.refusedDeletes.isEmpty() || !report.heldDownloads.isEmpty();
        if (heldBack) {
            long missingHere = gone.stream().filter(MassDeleteGuard::goneHere).count();
            report.heldBackBecause = missingHere >= 2 && missingHere >= tracked
                    ? "all " + tracked + " tracked files are missing or emptied in this folder: it looks emptied"
                            + " or unmounted"
                    : gone.size() + " of " + tracked + " tracked files are missing or emptied here or deleted"
                            + " or emptied on the server";
        }
        return heldBack;
    }

    /** A tracked file that is gone from disk (really deleted, as the engine checked) or emptied there. */
    private static boolean goneHere(SyncItem i) {
        return i.localState == Local.DELETED
                || i.rec != null && i.local != null && i.local.size() == 0 && i.rec.size() > 0;
    }

    /**
     * A tracked file deleted or emptied on the server. Not one the server has no trace of ({@link Remote#UNKNOWN}):
     * nobody is known to have deleted that, and it is uploaded again.
     */
    private static boolean goneThere(SyncItem i) {
        return i.remoteState == Remote.DELETED
                || i.rec != null && i.remote != null && !i.remote.deleted() && i.remote.size() == 0 && i.rec.size() > 0;
    }

    /** A deletion, or a transfer that replaces a file's content with nothing. */
    private static boolean deletesOrEmpties(SyncItem i) {
        return switch (i.action) {
            case DELETE_LOCAL, DELETE_REMOTE -> true;
            case PULL -> i.local != null && i.local.size() > 0 && i.remote.size() == 0;
            case PUSH -> i.rec != null && i.rec.size() > 0 && i.local.size() == 0;
            default -> false;
        };
    }
}
