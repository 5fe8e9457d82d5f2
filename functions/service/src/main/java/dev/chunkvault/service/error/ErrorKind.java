package dev.chunkvault.service.error;

/** The kinds of failure a caller can see; the API maps each to one HTTP status in one place. */
public enum ErrorKind {
    /** Malformed or invalid request (400). */
    BAD_REQUEST,
    /**
     * Well formed and understood, but the caller's account may not do it now: over its storage quota (403). Not an
     * authentication problem: signing in again changes nothing.
     */
    FORBIDDEN,
    /** No such object for this caller — also what another tenant's object looks like (404). */
    NOT_FOUND,
    /** The state moved on: a stale parent, a chunk being collected (409). */
    CONFLICT,
    /** Well formed but not acceptable: missing chunks, a reused idempotency key (422). */
    UNPROCESSABLE,
    /** The request body or a collection in it is too large (413). */
    TOO_LARGE,
    /** Slow down and retry after the given time (429). */
    THROTTLED,
    /** Could not complete now; nothing was lost; retry after the given time (503). */
    UNAVAILABLE
}
