package dev.lanyard.trust;

import java.util.Objects;
import java.util.Optional;

/**
 * A key that a bundle document held but that was not imported because it cannot be used safely (SPIFFE bundle spec:
 * such keys are ignored, never used). Tokens naming its key id are rejected as UNKNOWN_KEY.
 *
 * @param index position of the key in the document's {@code keys} array
 * @param keyId the key's {@code kid}, if it had one: at most 64 printable ASCII characters (others become '?')
 * @param reason why it was skipped, e.g. {@code "RSA key of 1024 bits is too small (at least 2048)"}
 *
 * <p>Immutable.
 */
public record SkippedKey(int index, Optional<String> keyId, String reason) {
  /** Validates the fields. */
  public SkippedKey {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(reason, "reason");
  }

  /** One line for logs and warnings, e.g. {@code key #2 (kid abc) skipped: RSA key of 1024 bits is too small}. */
  @Override
  public String toString() {
    return "key #" + index + keyId.map(k -> " (kid " + k + ")").orElse("") + " skipped: " + reason;
  }
}
