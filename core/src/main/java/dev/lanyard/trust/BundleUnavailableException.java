package dev.lanyard.trust;

/**
 * An infrastructure failure: the bundle of a trust domain cannot be had right now (an endpoint down beyond its
 * stale-while-error bound, a file unreadable). Not the caller's fault; adapters answer 503, not 401.
 */
public class BundleUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that names the trust domain and the source. */
  public BundleUnavailableException(String message) {
    super(message);
  }

  /** Creates the exception with a message and the underlying failure. */
  public BundleUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
