package dev.lanyard.trust;

/** Thrown when a document is not a SPIFFE bundle (not a JSON JWK Set) at all. */
public final class BundleFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  BundleFormatException(String message) {
    super(message);
  }
}
