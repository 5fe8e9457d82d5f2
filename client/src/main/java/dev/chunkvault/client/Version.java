package dev.chunkvault.client;

/** The client's version, from the jar manifest when packaged. */
public final class Version {
    private Version() {}

    public static final String VERSION = java.util.Optional.ofNullable(Version.class.getPackage().getImplementationVersion())
            .orElse("0.1.0-SNAPSHOT");
}
