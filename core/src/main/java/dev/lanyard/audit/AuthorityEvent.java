package dev.lanyard.audit;

import dev.lanyard.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One change of an authority's trust chain or one credential it issued: a JWT-SVID minted, an X.509-SVID issued, a
 * signing key or CA prepared, activated, tainted or retired, a credential revoked, a credential refused. Holds no token, key or certificate,
 * only their ids. {@link #toJson()} (and {@link #toString()}) write it as one line of JSON.
 *
 * <p>Immutable.
 */
public final class AuthorityEvent {
  /** What happened. */
  public enum Kind {
    /** A JWT-SVID was minted: subject, audience, scopes, TTL, key id, token id. */
    JWT_SVID_MINTED,
    /** An X.509-SVID was issued: subject, TTL, key id (the issuing CA's), serial number as the credential id. */
    X509_SVID_ISSUED,
    /** A JWT signing key was generated and published ahead of use. */
    KEY_PREPARED,
    /** A JWT signing key became the one that signs. */
    KEY_ACTIVATED,
    /** A JWT signing key was tainted: still published, no longer signing, to be removed early. */
    KEY_TAINTED,
    /** A JWT signing key left the bundle. */
    KEY_RETIRED,
    /** An X.509 CA was generated and published ahead of use. */
    CA_PREPARED,
    /** An X.509 CA became the one that signs. */
    CA_ACTIVATED,
    /** An X.509 CA was tainted. */
    CA_TAINTED,
    /** An X.509 CA left the bundle. */
    CA_RETIRED,
    /**
     * A credential (token id or certificate serial), a whole SPIFFE ID or every token of a key was revoked: in the
     * process that revoked it, through the authority or on its revocation list directly.
     */
    REVOKED,
    /**
     * A JWT-SVID or X.509-SVID was refused because the identity inventory does not list its subject: subject, the TTL
     * asked for (if any), audience and scopes (JWT-SVIDs), and the reason as the detail. Recorded before the request
     * fails.
     */
    ISSUANCE_REFUSED
  }

  private final Instant time;
  private final Kind kind;
  private final String trustDomain;
  private final @Nullable String subject;
  private final List<String> audience;
  private final List<String> scopes;
  private final @Nullable Duration ttl;
  private final @Nullable String keyId;
  private final @Nullable String credentialId;
  private final @Nullable String detail;

  private AuthorityEvent(Builder b) {
    this.time = b.time;
    this.kind = b.kind;
    this.trustDomain = b.trustDomain;
    this.subject = b.subject;
    this.audience = b.audience;
    this.scopes = b.scopes;
    this.ttl = b.ttl;
    this.keyId = b.keyId;
    this.credentialId = b.credentialId;
    this.detail = b.detail;
  }

  /** A builder for an event of the authority of {@code trustDomain} (its name, e.g. {@code example.org}). */
  public static Builder newBuilder(Instant time, Kind kind, String trustDomain) {
    return new Builder(time, kind, trustDomain);
  }

  /** When it happened. */
  public Instant time() {
    return time;
  }

  /** What happened. */
  public Kind kind() {
    return kind;
  }

  /** The authority's trust domain name. */
  public String trustDomain() {
    return trustDomain;
  }

  /** The SPIFFE ID the credential was issued to or revoked for, if any. */
  public Optional<String> subject() {
    return Optional.ofNullable(subject);
  }

  /** The audience of a minted JWT-SVID (empty otherwise). */
  public List<String> audience() {
    return audience;
  }

  /** The scopes of a minted JWT-SVID (empty otherwise). */
  public List<String> scopes() {
    return scopes;
  }

  /** The lifetime of the issued credential, if any. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** The signing key's or CA's id. */
  public Optional<String> keyId() {
    return Optional.ofNullable(keyId);
  }

  /** The issued or revoked credential's id: a token id ({@code jti}) or a certificate serial number (hex). */
  public Optional<String> credentialId() {
    return Optional.ofNullable(credentialId);
  }

  /** A short plain-language detail (e.g. why a key was tainted, what a revocation covers). */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /**
   * This event as one line of JSON, escaped like {@link AuditEvent#toJson()} (printable ASCII only): members, in this
   * order, {@code time}, {@code event} (the {@link Kind} in lower case, e.g. {@code jwt_svid_minted}),
   * {@code trustDomain}, {@code subject}, {@code audience} and {@code scopes} (arrays, left out when empty),
   * {@code ttlSeconds}, {@code keyId}, {@code credentialId}, {@code detail}; absent values are left out. Each string
   * is cut at 2048 characters.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder(192);
    sb.append("{\"time\":\"").append(time).append("\",\"event\":\"").append(kind.name().toLowerCase(Locale.ROOT))
        .append('"');
    member(sb, "trustDomain", trustDomain);
    member(sb, "subject", subject);
    array(sb, "audience", audience);
    array(sb, "scopes", scopes);
    if (ttl != null) {
      sb.append(",\"ttlSeconds\":").append(ttl.getSeconds());
    }
    member(sb, "keyId", keyId);
    member(sb, "credentialId", credentialId);
    member(sb, "detail", detail);
    return sb.append('}').toString();
  }

  /** The same as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  private static void member(StringBuilder sb, String name, @Nullable String value) {
    if (value != null) {
      sb.append(",\"").append(name).append("\":");
      Json.appendAsciiString(sb, value, cut(value));
    }
  }

  private static void array(StringBuilder sb, String name, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    sb.append(",\"").append(name).append("\":[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      Json.appendAsciiString(sb, values.get(i), cut(values.get(i)));
    }
    sb.append(']');
  }

  private static int cut(String value) {
    int max = AuditEvent.MAX_CALLER_LENGTH;
    if (value.length() <= max) {
      return value.length();
    }
    return AuditEvent.cutAt(value, max);
  }

  /** Builds an {@link AuthorityEvent}. */
  public static final class Builder {
    private final Instant time;
    private final Kind kind;
    private final String trustDomain;
    private @Nullable String subject;
    private List<String> audience = List.of();
    private List<String> scopes = List.of();
    private @Nullable Duration ttl;
    private @Nullable String keyId;
    private @Nullable String credentialId;
    private @Nullable String detail;

    private Builder(Instant time, Kind kind, String trustDomain) {
      this.time = Objects.requireNonNull(time, "time");
      this.kind = Objects.requireNonNull(kind, "kind");
      this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
    }

    /** The SPIFFE ID concerned. */
    public Builder subject(@Nullable String subject) {
      this.subject = subject;
      return this;
    }

    /** A minted token's audience. */
    public Builder audience(Collection<String> audience) {
      this.audience = List.copyOf(audience);
      return this;
    }

    /** A minted token's scopes. */
    public Builder scopes(Collection<String> scopes) {
      this.scopes = List.copyOf(scopes);
      return this;
    }

    /** The issued credential's lifetime. */
    public Builder ttl(@Nullable Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    /** The signing key's or CA's id. */
    public Builder keyId(@Nullable String keyId) {
      this.keyId = keyId;
      return this;
    }

    /** The credential's id (token id or certificate serial). */
    public Builder credentialId(@Nullable String credentialId) {
      this.credentialId = credentialId;
      return this;
    }

    /** A short detail. */
    public Builder detail(@Nullable String detail) {
      this.detail = detail;
      return this;
    }

    /** The event. */
    public AuthorityEvent build() {
      return new AuthorityEvent(this);
    }
  }
}
