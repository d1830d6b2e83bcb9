package dev.lanyard.authority;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what an authority does into {@link AuthorityEvent}s for its {@link AuditSink}: each credential minted or
 * issued, each key change (a pure function of the key ring before and after, {@link #changes}) and each revocation.
 * Only changes this process makes are audited: a state re-read from a directory another process changed is adopted
 * without events, as that process audits its own.
 *
 * <p>A sink that throws is logged at WARN (the event's kind and key id; events hold no secret) and otherwise ignored:
 * issuance never fails for its audit.
 *
 * <p>Thread-safe when the sink is.
 */
final class AuthorityAudit {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final String trustDomain;
  private final @Nullable AuditSink sink;

  /** @param sink where events go; null for none (then nothing is built) */
  AuthorityAudit(TrustDomain trustDomain, @Nullable AuditSink sink) {
    this.trustDomain = trustDomain.name();
    this.sink = sink;
  }

  /**
   * A JWT-SVID was minted with the key {@code keyId} as {@code grant}ed: its TTL after every cap, and the detail says
   * why it was shortened, when it was.
   */
  void minted(JwtSvid svid, String keyId, Instant now, IssuanceRules.Grant grant) {
    if (sink == null) {
      return;
    }
    emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.JWT_SVID_MINTED, trustDomain)
        .subject(svid.subject().toString()).audience(svid.audience()).scopes(svid.scopes()).ttl(grant.ttl())
        .keyId(keyId).credentialId(svid.tokenId()).detail(grant.shortened()).build());
  }

  /**
   * An X.509-SVID was issued by the CA {@code caId} as {@code grant}ed; {@code csr} when for a CSR's key. The detail
   * says whose key, the DNS names and why the TTL was shortened, when it was.
   */
  void issued(X509Svid svid, String caId, Instant now, IssuanceRules.Grant grant, Collection<String> dnsNames,
      boolean csr) {
    if (sink == null) {
      return;
    }
    String detail = csr ? "for the key of a certificate signing request" : "with a key made by the authority";
    if (!dnsNames.isEmpty()) {
      detail += "; DNS names " + String.join(", ", dnsNames);
    }
    if (grant.shortened() != null) {
      detail += "; " + grant.shortened();
    }
    emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.X509_SVID_ISSUED, trustDomain)
        .subject(svid.spiffeId().toString()).ttl(grant.ttl()).keyId(caId).credentialId(svid.serial())
        .detail(detail).build());
  }

  /**
   * A credential for {@code subject} was refused for {@code reason} (the identity inventory does not list it): records
   * {@link AuthorityEvent.Kind#ISSUANCE_REFUSED} and returns the exception to throw, whose message is the reason.
   */
  IllegalArgumentException refused(SpiffeId subject, @Nullable Duration requested, Collection<String> audience,
      Collection<String> scopes, String reason, Instant now) {
    if (sink != null) {
      emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.ISSUANCE_REFUSED, trustDomain)
          .subject(subject.toString()).ttl(requested).audience(audience).scopes(scopes).detail(reason).build());
    }
    return new IllegalArgumentException(reason);
  }

  /** The token with id {@code tokenId} was revoked until {@code expiresAt}. */
  void tokenRevoked(String tokenId, Instant expiresAt, Instant now) {
    if (sink == null) {
      return;
    }
    emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.REVOKED, trustDomain).credentialId(tokenId)
        .detail("JWT-SVID revoked: rejected by every verifier sharing the revocations until " + expiresAt).build());
  }

  /** Every token of {@code subject} issued before {@code issuedBefore} was revoked. */
  void subjectRevoked(SpiffeId subject, Instant issuedBefore, Instant now) {
    if (sink == null) {
      return;
    }
    emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.REVOKED, trustDomain).subject(subject.toString())
        .detail("every JWT-SVID of this SPIFFE ID issued before " + issuedBefore + " revoked").build());
  }

  /**
   * Every token signed by the key {@code keyId} was revoked on the revocation list directly (a key revoked through
   * the authority is audited as a key change instead, {@link #changes}).
   */
  void keyRevokedOnList(String keyId, Instant now) {
    if (sink == null) {
      return;
    }
    emit(AuthorityEvent.newBuilder(now, AuthorityEvent.Kind.REVOKED, trustDomain).keyId(keyId)
        .detail("every JWT-SVID signed by this key revoked: rejected by every verifier sharing the revocations (the "
            + "key stays in the bundle unless revoked through the authority)").build());
  }

  /** The events of a key change of this process, when a sink listens; see {@link #changes}. */
  List<AuthorityEvent> changesIfAudited(Kind kind, KeyRing<SigningKey> before, KeyRing<SigningKey> after,
      Instant now, @Nullable String revokedKeyId) {
    if (sink == null || before == after) {
      return List.of();
    }
    return changes(trustDomain, kind, before, after, now, revokedKeyId);
  }

  /**
   * The events that lead from {@code before} to {@code after}: a new key PREPARED (or ACTIVATED, when made to sign
   * at once), a key ACTIVATED (naming the key it replaces), TAINTED, and a key gone from the ring RETIRED (it left the
   * bundle) or, when it is {@code revokedKeyId}, REVOKED. Keys in ring order, then the keys gone.
   */
  static <K extends KeyLifecycle.Key<K>> List<AuthorityEvent> changes(String trustDomain, Kind kind,
      KeyRing<K> before, KeyRing<K> after, Instant now, @Nullable String revokedKeyId) {
    boolean jwt = kind == Kind.JWT;
    String what = jwt ? "JWT signing key" : "X.509 CA";
    K oldActive = before.active();
    List<AuthorityEvent> events = new ArrayList<>();
    for (K key : after.keys()) {
      K old = before.find(key.keyId());
      if (old == null && key.state() == KeyState.PREPARED) {
        events.add(event(trustDomain, jwt ? AuthorityEvent.Kind.KEY_PREPARED : AuthorityEvent.Kind.CA_PREPARED,
            now, key.keyId(), "published in the bundle ahead of use; signs nothing yet"));
      }
      if (key.activatedAt() != null && (old == null || old.activatedAt() == null)) {
        String detail = old == null ? "generated and signing at once" : "signs from now";
        if (oldActive != null && !oldActive.keyId().equals(key.keyId())) {
          detail += "; replaces " + oldActive.keyId() + ", which signs nothing more and stays published until the "
              + "last credential it signed has expired";
        }
        events.add(event(trustDomain, jwt ? AuthorityEvent.Kind.KEY_ACTIVATED : AuthorityEvent.Kind.CA_ACTIVATED,
            now, key.keyId(), detail));
      }
      if (key.tainted() && (old == null || !old.tainted())) {
        String detail = "signs nothing more; credentials it signed stay valid until they expire unless it is revoked";
        K newActive = after.active();
        if (old == oldActive && newActive != null) {
          detail += "; " + newActive.keyId() + " signs in its place";
        }
        events.add(event(trustDomain, jwt ? AuthorityEvent.Kind.KEY_TAINTED : AuthorityEvent.Kind.CA_TAINTED,
            now, key.keyId(), detail));
      }
    }
    for (K old : before.keys()) {
      if (after.find(old.keyId()) != null) {
        continue;
      }
      if (old.keyId().equals(revokedKeyId)) {
        events.add(event(trustDomain, AuthorityEvent.Kind.REVOKED, now, old.keyId(), what + " revoked: removed from "
            + "the bundle; " + (jwt ? "every token it signed is rejected" : "the SVIDs it issued no longer verify")));
      } else {
        String detail = old.state() == KeyState.PREPARED ? "dropped unused, too close to its expiry: left the bundle"
            : "left the bundle: the last credential it signed has expired";
        events.add(event(trustDomain, jwt ? AuthorityEvent.Kind.KEY_RETIRED : AuthorityEvent.Kind.CA_RETIRED,
            now, old.keyId(), detail));
      }
    }
    return events;
  }

  private static AuthorityEvent event(String trustDomain, AuthorityEvent.Kind kind, Instant now, String keyId,
      String detail) {
    return AuthorityEvent.newBuilder(now, kind, trustDomain).keyId(keyId).detail(detail).build();
  }

  /** Hands each event to the sink; a sink that throws is logged and skipped. */
  void emit(List<AuthorityEvent> events) {
    for (AuthorityEvent event : events) {
      emit(event);
    }
  }

  private void emit(AuthorityEvent event) {
    AuditSink s = sink;
    if (s == null) {
      return;
    }
    try {
      s.recordAuthority(event);
    } catch (RuntimeException e) {
      LOG.warn("embedded authority for {}: the audit sink failed to record a {} event (key {}): {}", trustDomain,
          event.kind(), event.keyId().orElse("-"), e.toString());
    }
  }
}
