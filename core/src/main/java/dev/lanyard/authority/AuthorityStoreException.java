package dev.lanyard.authority;

/** An authority directory is missing, foreign, corrupt or cannot be written. The message names the path. */
public final class AuthorityStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  AuthorityStoreException(String message) {
    super(message);
  }

  AuthorityStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
