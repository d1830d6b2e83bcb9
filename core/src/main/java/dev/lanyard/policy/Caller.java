package dev.lanyard.policy;

import dev.lanyard.spiffe.SpiffeId;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A verified caller: its SPIFFE ID, the scopes its credential grants (none for an X.509-SVID alone), how it
 * authenticated, and the token id when it presented a JWT-SVID (or an OIDC token with a {@code jti}). Adapters hand it to applications (the servlet filter
 * as the request attribute {@code dev.lanyard.caller}).
 *
 * <p>Immutable.
 */
public final class Caller {
  /** How the caller authenticated. */
  public enum CredentialType {
    /** A JWT-SVID bearer token. */
    JWT_SVID,
    /** An X.509-SVID client certificate (mutual TLS). */
    X509_SVID,
    /** Both, naming the same SPIFFE ID. */
    JWT_SVID_AND_X509_SVID,
    /**
     * A Kubernetes service-account token of an allowed OIDC issuer, its service account mapped to the SPIFFE ID (with a
     * client certificate too, the certificate named the same ID).
     */
    OIDC_TOKEN
  }

  private final SpiffeId id;
  private final Set<String> scopes;
  private final CredentialType credentialType;
  private final @Nullable String tokenId;

  /**
   * A caller.
   *
   * @param tokenId the JWT-SVID's {@code jti}, or null
   */
  public Caller(SpiffeId id, Set<String> scopes, CredentialType credentialType, @Nullable String tokenId) {
    this.id = Objects.requireNonNull(id, "id");
    this.scopes = Set.copyOf(Objects.requireNonNull(scopes, "scopes"));
    this.credentialType = Objects.requireNonNull(credentialType, "credentialType");
    this.tokenId = tokenId;
  }

  /** A caller authenticated by a JWT-SVID with these scopes and no token id (for tests and simple uses). */
  public static Caller of(SpiffeId id, Set<String> scopes) {
    return new Caller(id, scopes, CredentialType.JWT_SVID, null);
  }

  /** The caller's verified SPIFFE ID. */
  public SpiffeId id() {
    return id;
  }

  /** The granted scopes. */
  public Set<String> scopes() {
    return scopes;
  }

  /** How the caller authenticated. */
  public CredentialType credentialType() {
    return credentialType;
  }

  /** The JWT-SVID's token id, if it presented one with a {@code jti}. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(tokenId);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Caller)) {
      return false;
    }
    Caller c = (Caller) o;
    return id.equals(c.id) && scopes.equals(c.scopes) && credentialType == c.credentialType
        && Objects.equals(tokenId, c.tokenId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, scopes, credentialType, tokenId);
  }

  @Override
  public String toString() {
    return "Caller[" + id + ", scopes=" + scopes + ", " + credentialType + (tokenId == null ? "" : ", jti=" + tokenId)
        + "]";
  }
}
