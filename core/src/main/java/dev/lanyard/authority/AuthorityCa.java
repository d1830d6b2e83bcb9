package dev.lanyard.authority;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What an authority tells about one of its X.509 CAs: metadata and the CA certificate, never the key.
 *
 * <p>Immutable.
 */
public final class AuthorityCa {
  private final String id;
  private final String keyType;
  private final KeyState state;
  private final boolean tainted;
  private final Instant createdAt;
  private final Instant notAfter;
  private final @Nullable Instant activatedAt;
  private final @Nullable Instant retiredAt;
  private final X509Certificate certificate;

  AuthorityCa(String id, String keyType, KeyState state, boolean tainted, Instant createdAt, Instant notAfter,
      @Nullable Instant activatedAt, @Nullable Instant retiredAt, X509Certificate certificate) {
    this.id = Objects.requireNonNull(id);
    this.keyType = Objects.requireNonNull(keyType);
    this.state = Objects.requireNonNull(state);
    this.tainted = tainted;
    this.createdAt = Objects.requireNonNull(createdAt);
    this.notAfter = Objects.requireNonNull(notAfter);
    this.activatedAt = activatedAt;
    this.retiredAt = retiredAt;
    this.certificate = Objects.requireNonNull(certificate);
  }

  /** The CA's id within the authority. */
  public String id() {
    return id;
  }

  /** {@code EC_P256} or {@code RSA_2048}. */
  public String keyType() {
    return keyType;
  }

  /** The lifecycle state. */
  public KeyState state() {
    return state;
  }

  /** True when the CA was tainted: it issues nothing more and SVID sources renew what it issued. */
  public boolean tainted() {
    return tainted;
  }

  /** When it was made (and published). */
  public Instant createdAt() {
    return createdAt;
  }

  /** When it expires; no SVID it issues outlives this. */
  public Instant notAfter() {
    return notAfter;
  }

  /** When it started issuing, if it has. */
  public Optional<Instant> activatedAt() {
    return Optional.ofNullable(activatedAt);
  }

  /** When it stopped issuing, if it has. */
  public Optional<Instant> retiredAt() {
    return Optional.ofNullable(retiredAt);
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  @Override
  public String toString() {
    return "AuthorityCa[id=" + id + ", " + keyType + ", " + state + (tainted ? ", tainted" : "") + ", notAfter="
        + notAfter + "]";
  }
}
