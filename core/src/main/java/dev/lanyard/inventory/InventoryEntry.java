package dev.lanyard.inventory;

import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One identity of the {@link Inventory}: its SPIFFE ID, owner, purpose, environment, the longest credential it may
 * hold, and whether it is deploy-only (a CI pipeline, not a runtime caller).
 *
 * <p>Thread-safe: immutable.
 */
public final class InventoryEntry {
  private final SpiffeId id;
  private final @Nullable String owner;
  private final @Nullable String purpose;
  private final @Nullable String environment;
  private final @Nullable Duration maxTtl;
  private final boolean deployOnly;

  /**
   * An entry.
   *
   * @param owner who answers for the identity (a team or person), or null when nobody is named
   * @param maxTtl the longest credential lifetime, or null when none is set
   * @throws IllegalArgumentException when {@code maxTtl} is zero or negative, or a text is blank
   */
  public InventoryEntry(SpiffeId id, @Nullable String owner, @Nullable String purpose, @Nullable String environment,
      @Nullable Duration maxTtl, boolean deployOnly) {
    this.id = Objects.requireNonNull(id, "id");
    this.owner = nonBlank(owner, "owner");
    this.purpose = nonBlank(purpose, "purpose");
    this.environment = nonBlank(environment, "environment");
    if (maxTtl != null && (maxTtl.isNegative() || maxTtl.isZero())) {
      throw new IllegalArgumentException("maxTtl must be positive, not " + maxTtl);
    }
    this.maxTtl = maxTtl;
    this.deployOnly = deployOnly;
  }

  private static @Nullable String nonBlank(@Nullable String value, String name) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException(name + " is blank (leave it out instead)");
    }
    return value;
  }

  /** The SPIFFE ID. */
  public SpiffeId id() {
    return id;
  }

  /** Who answers for it, if anyone is named. */
  public Optional<String> owner() {
    return Optional.ofNullable(owner);
  }

  /** What it is for. */
  public Optional<String> purpose() {
    return Optional.ofNullable(purpose);
  }

  /** Where it runs ({@code prod}, {@code staging}, …). */
  public Optional<String> environment() {
    return Optional.ofNullable(environment);
  }

  /** The longest lifetime of a credential minted for it, if set. */
  public Optional<Duration> maxTtl() {
    return Optional.ofNullable(maxTtl);
  }

  /** True for a deployment identity (a CI pipeline): it deploys, it must never call a service at run time. */
  public boolean deployOnly() {
    return deployOnly;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InventoryEntry)) {
      return false;
    }
    InventoryEntry e = (InventoryEntry) o;
    return id.equals(e.id) && Objects.equals(owner, e.owner) && Objects.equals(purpose, e.purpose)
        && Objects.equals(environment, e.environment) && Objects.equals(maxTtl, e.maxTtl)
        && deployOnly == e.deployOnly;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, owner, purpose, environment, maxTtl, deployOnly);
  }

  @Override
  public String toString() {
    return "InventoryEntry[" + id + (owner == null ? ", no owner" : ", owner=" + owner)
        + (maxTtl == null ? "" : ", maxTtl=" + maxTtl) + (deployOnly ? ", deployOnly" : "") + "]";
  }
}
