package dev.lanyard.policy;

/**
 * A policy file (or rule) is invalid. The message names the source and line, e.g.
 * {@code policy.txt:7: unknown method 'PSOT'}.
 */
public final class PolicyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;

  PolicyException(String source, int line, String problem) {
    super(source + ":" + line + ": " + problem);
    this.source = source;
    this.line = line;
  }

  /** The name of the source (file name, or property name). */
  public String source() {
    return source;
  }

  /** The line number, from 1. */
  public int line() {
    return line;
  }
}
