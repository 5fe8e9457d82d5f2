package dev.chunkvault.local.template;

/** template.yaml is not what the local cloud can run; the message says where and why. */
public final class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }
}
