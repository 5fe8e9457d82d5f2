package dev.chunkvault.client.watch;

/** What woke a watching sync up. */
public enum Wake {
    /** Files changed in the folder (file-system events, debounced). */
    LOCAL,
    /** The service said the account's files changed (a notification). */
    REMOTE,
    /** The notification socket (re)connected: catch up on what it may have missed. */
    CONNECTED,
    /** File-system events were lost (overflow) or cannot be watched: scan the whole folder. */
    RESCAN,
    /** Nothing happened for the whole wait: the periodic catch-up and full scan. */
    TIMEOUT
}
