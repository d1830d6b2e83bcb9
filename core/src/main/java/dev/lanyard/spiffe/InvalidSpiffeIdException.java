package dev.lanyard.spiffe;

/**
 * Thrown when a string is not a valid SPIFFE ID or trust domain name. The message says which rule was broken and
 * never repeats more than a short, sanitised prefix of the input.
 */
public final class InvalidSpiffeIdException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidSpiffeIdException(String message) {
    super(message);
  }
}
