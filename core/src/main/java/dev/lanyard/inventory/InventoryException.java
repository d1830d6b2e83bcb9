package dev.lanyard.inventory;

/**
 * An inventory file is invalid. The message names the source and, when there is one, the entry, e.g.
 * {@code inventory.json: identities[3]: "maxTtl" is not a duration}.
 */
public final class InventoryException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String source;

  InventoryException(String source, String problem) {
    super(source + ": " + problem);
    this.source = source;
  }

  /** The name of the source (file name). */
  public String source() {
    return source;
  }
}
