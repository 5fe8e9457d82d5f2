package dev.chunkvault.api.http;

/** Input the API cannot accept; becomes a 400 with this code and message. Messages are written for callers. */
public final class BadInput extends RuntimeException {
    private final String code;

    public BadInput(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
