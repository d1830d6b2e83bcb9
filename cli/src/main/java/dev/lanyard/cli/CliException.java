package dev.lanyard.cli;

/** A usage or configuration error the CLI reports on stderr with exit code 2. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message, null, false, false);
  }
}
