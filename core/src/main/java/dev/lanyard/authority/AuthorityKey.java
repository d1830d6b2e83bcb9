package dev.lanyard.authority;

import dev.lanyard.jose.JwtAlgorithm;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What an authority tells about one of its signing keys: metadata only, never key material.
 *
 * <p>Immutable.
 */
public final class AuthorityKey {
  private final String keyId;
  private final JwtAlgorithm algorithm;
  private final KeyState state;
  private final boolean tainted;
  private final Instant createdAt;
  private final Instant notAfter;
  private final @Nullable Instant activatedAt;
  private final @Nullable Instant retiredAt;

  AuthorityKey(String keyId, JwtAlgorithm algorithm, KeyState state, boolean tainted, Instant createdAt,
      Instant notAfter, @Nullable Instant activatedAt, @Nullable Instant retiredAt) {
    this.keyId = Objects.requireNonNull(keyId);
    this.algorithm = Objects.requireNonNull(algorithm);
    this.state = Objects.requireNonNull(state);
    this.tainted = tainted;
    this.createdAt = Objects.requireNonNull(createdAt);
    this.notAfter = Objects.requireNonNull(notAfter);
    this.activatedAt = activatedAt;
    this.retiredAt = retiredAt;
  }

  /** The key id ({@code kid}) published in the bundle. */
  public String keyId() {
    return keyId;
  }

  /** The signing algorithm. */
  public JwtAlgorithm algorithm() {
    return algorithm;
  }

  /** The lifecycle state. */
  public KeyState state() {
    return state;
  }

  /** True when the key was tainted: it signs nothing, and its tokens are re-minted by caches. */
  public boolean tainted() {
    return tainted;
  }

  /** When the key was made (and published). */
  public Instant createdAt() {
    return createdAt;
  }

  /** When the key expires; no token it signs outlives this. */
  public Instant notAfter() {
    return notAfter;
  }

  /** When it started signing, if it has. */
  public Optional<Instant> activatedAt() {
    return Optional.ofNullable(activatedAt);
  }

  /** When it stopped signing, if it has. */
  public Optional<Instant> retiredAt() {
    return Optional.ofNullable(retiredAt);
  }

  @Override
  public String toString() {
    return "AuthorityKey[kid=" + keyId + ", " + algorithm + ", " + state + (tainted ? ", tainted" : "")
        + ", notAfter=" + notAfter + "]";
  }
}
