package dev.lanyard.graph;

/** A graph document is not a valid {@code lanyard-graph/1} document; the message says where. */
public final class GraphFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  GraphFormatException(String message) {
    super(message);
  }
}
