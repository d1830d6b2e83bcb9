package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.inventory.InventoryEntry;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Enforces an identity inventory on issuance: a subject must be listed, and its credential lives at most the listed
 * maximum TTL (the entry's {@code maxTtl} and the inventory's estate-wide {@code maxTtl}, whichever is shorter).
 *
 * <p>Thread-safe: immutable.
 */
final class InventoryGate {
  private final Inventory inventory;

  InventoryGate(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
  }

  /** Why a credential for {@code subject} is refused (it is not in the inventory), or null when it may have one. */
  @Nullable String refusal(Kind kind, SpiffeId subject) {
    if (inventory.lookup(subject).isPresent()) {
      return null;
    }
    return AuthoritySettings.credential(kind) + " for " + subject + " refused: " + subject
        + " is not in the identity inventory (list it there, with an owner and a maxTtl, to issue for it)";
  }

  /**
   * The TTL for {@code subject}: {@code granted}, shortened to the inventory's maximum.
   *
   * @throws IllegalArgumentException naming the subject when it is not in the inventory
   */
  Duration cap(Kind kind, SpiffeId subject, Duration granted) {
    InventoryEntry entry = inventory.lookup(subject).orElseThrow(() -> new IllegalArgumentException(
        Objects.requireNonNull(refusal(kind, subject))));
    Duration max = shorter(entry.maxTtl().orElse(null), inventory.maxTtl().orElse(null));
    return max != null && granted.compareTo(max) > 0 ? max : granted;
  }

  private static @Nullable Duration shorter(@Nullable Duration a, @Nullable Duration b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) <= 0 ? a : b;
  }
}
