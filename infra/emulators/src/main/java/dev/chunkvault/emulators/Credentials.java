package dev.chunkvault.emulators;

import java.util.Objects;

/** An access key pair an emulator accepts (s3proxy checks it; DynamoDB Local with -sharedDb takes any). */
public record Credentials(String accessKeyId, String secretAccessKey) {
    public Credentials {
        Objects.requireNonNull(accessKeyId);
        Objects.requireNonNull(secretAccessKey);
    }

    @Override
    public String toString() {
        return "Credentials[" + accessKeyId + ", ****]";
    }
}
