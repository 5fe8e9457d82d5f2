package dev.chunkvault.client.sync;

/**
 * The two-way sync decision for one path, from how the local file and the remote head each stand relative to
 * the base (the version both were at after the last sync). Pure, so the whole table is unit-tested.
 *
 * <pre>
 *  local \ remote | UNCHANGED      MODIFIED                   DELETED                   UNKNOWN
 *  ---------------+-------------------------------------------------------------------------------------
 *  UNCHANGED      | NONE           PULL                       DELETE_LOCAL              PUSH (again)
 *  MODIFIED       | PUSH           ADOPT if same content,     PUSH (keep the edit: the  PUSH
 *                 |                else CONFLICT              file comes back)
 *  DELETED        | DELETE_REMOTE  PULL (keep the edit)       FORGET                    FORGET
 *
 *  no base:         remote ADDED                              remote ABSENT
 *  local ADDED    | ADOPT if same content, else CONFLICT      PUSH
 *  local ABSENT   | PULL                                      NONE
 * </pre>
 * An edit always beats a deletion, so no edit is ever lost; two different edits are a CONFLICT, resolved with
 * the service's conflict-check (a clean merge, or a conflicted copy).
 *
 * <p>Remote UNKNOWN: a full listing (which includes deletions) has no trace of a file this folder synced, not even
 * a tombstone: it was purged after its retention period, or the server lost it. That is not a deletion anyone is
 * known to have made, so nothing local is deleted: the local copy wins and is uploaded again.
 */
public final class SyncPlanner {
    private SyncPlanner() {}

    public enum Local { UNCHANGED, MODIFIED, DELETED, ADDED, ABSENT }

    public enum Remote { UNCHANGED, MODIFIED, DELETED, UNKNOWN, ADDED, ABSENT }

    public enum Action { NONE, PUSH, PULL, DELETE_LOCAL, DELETE_REMOTE, FORGET, ADOPT, CONFLICT }

    /**
     * @param sameContent whether the local and remote contents are equal (only consulted when both changed)
     * @throws IllegalArgumentException for a combination that cannot happen (a base on one side only)
     */
    public static Action decide(Local local, Remote remote, boolean sameContent) {
        boolean localHasBase = local == Local.UNCHANGED || local == Local.MODIFIED || local == Local.DELETED;
        boolean remoteHasBase = remote == Remote.UNCHANGED || remote == Remote.MODIFIED || remote == Remote.DELETED
                || remote == Remote.UNKNOWN;
        if (localHasBase != remoteHasBase) {
            throw new IllegalArgumentException("local " + local + " and remote " + remote + " disagree about the base");
        }
        return switch (local) {
            case UNCHANGED -> switch (remote) {
                case UNCHANGED -> Action.NONE;
                case MODIFIED -> Action.PULL;
                case UNKNOWN -> Action.PUSH;
                default -> Action.DELETE_LOCAL;
            };
            case MODIFIED -> switch (remote) {
                case UNCHANGED, DELETED, UNKNOWN -> Action.PUSH;
                default -> sameContent ? Action.ADOPT : Action.CONFLICT;
            };
            case DELETED -> switch (remote) {
                case UNCHANGED -> Action.DELETE_REMOTE;
                case MODIFIED -> Action.PULL;
                default -> Action.FORGET;
            };
            case ADDED -> remote == Remote.ADDED ? (sameContent ? Action.ADOPT : Action.CONFLICT) : Action.PUSH;
            case ABSENT -> remote == Remote.ADDED ? Action.PULL : Action.NONE;
        };
    }

    /**
     * The mass-delete safeguard: more than {@code maxDeletes} files gone, more than {@code maxFraction} of the
     * tracked files when that is more than a handful (5), or every tracked file when there are at least two (an
     * emptied or unmounted folder looks like that), needs {@code --force}.
     *
     * @param deletions the tracked files gone (deleted or emptied) on either side, whatever the plan does with each:
     *                  an edit on the other side that turns a deletion into a transfer still counts
     */
    public static boolean isMassDelete(int deletions, int tracked, int maxDeletes, double maxFraction) {
        if (deletions > maxDeletes) {
            return true;
        }
        if (deletions >= 2 && deletions >= tracked) {
            return true;
        }
        return deletions > 5 && tracked > 0 && deletions > maxFraction * tracked;
    }
}
