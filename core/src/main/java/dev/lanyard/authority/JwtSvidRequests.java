package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An authority's JWT-SVID requests: the subject, audience, scope and inventory checks ({@link IssuanceRules}), the TTL
 * granted, the signing key (the active one), the token and its audit event; and whether a token's key still signs.
 *
 * <p>Thread-safe: takes no lock, reads the keys' immutable snapshot.
 */
final class JwtSvidRequests {
  private final IssuanceRules rules;
  private final AuthorityKeys keys;
  private final Clock clock;
  private final AuthorityAudit audit;
  private final @Nullable String issuer;

  /** @param issuer the {@code iss} claim of every token, or null for none */
  JwtSvidRequests(IssuanceRules rules, AuthorityKeys keys, Clock clock, AuthorityAudit audit,
      @Nullable String issuer) {
    this.rules = rules;
    this.keys = keys;
    this.clock = clock;
    this.audit = audit;
    this.issuer = issuer;
  }

  /** A token. See {@link EmbeddedAuthority#mint}. */
  JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes, @Nullable Duration ttl) {
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(scopes, "scopes");
    rules.checkSubject(subject, Kind.JWT);
    JwtSvid.Builder builder = JwtSvid.newBuilder().subject(subject).audience(audience).scopes(scopes);
    String refused = rules.inventoryRefusal(Kind.JWT, subject);
    if (refused != null) {
      throw audit.refused(subject, ttl, audience, scopes, refused, clock.instant());
    }
    SigningKey key = Objects.requireNonNull(keys.current().jwt.active(), "no active JWT key");
    Instant now = clock.instant();
    IssuanceRules.Grant grant = rules.grant(Kind.JWT, subject, ttl, now, key);
    builder.validity(now, grant.expiry());
    if (issuer != null) {
      builder.issuer(issuer);
    }
    JwtSvid svid = builder.sign(Objects.requireNonNull(key.algorithm), key.keyId, key.keyPair.getPrivate());
    audit.minted(svid, key.keyId, now, grant);
    return svid;
  }

  /** False once the token's signing key was tainted, revoked or dropped. */
  boolean isUsable(JwtSvid svid) {
    SigningKey key = keys.state().jwt.find(svid.keyId());
    return key != null && !key.tainted;
  }
}
