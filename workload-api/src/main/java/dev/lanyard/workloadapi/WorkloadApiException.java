package dev.lanyard.workloadapi;

/**
 * The SPIFFE Workload API could not give what was asked: no agent answered on the socket within the timeout, the agent
 * refused (no registration entry for this workload), or it sent something that is not a usable SVID or bundle. An
 * infrastructure failure, not a rejection of a caller. The message names the socket and says why; it never holds a
 * token or key.
 *
 * <p>Immutable.
 */
public final class WorkloadApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code message}. */
  public WorkloadApiException(String message) {
    super(message);
  }

  /** An exception with {@code message}, caused by {@code cause}. */
  public WorkloadApiException(String message, Throwable cause) {
    super(message, cause);
  }
}
