package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An authority's X.509-SVID requests, for a key it makes or a CSR's key: the subject, DNS name and inventory checks
 * ({@link IssuanceRules}), the TTL granted, the issuing CA (the active one), the certificate
 * ({@link X509SvidIssuance}) and its audit event; and whether an SVID's CA still issues.
 *
 * <p>Thread-safe: takes no lock, reads the keys' immutable snapshot.
 */
final class X509SvidRequests {
  private final IssuanceRules rules;
  private final AuthorityKeys keys;
  private final Clock clock;
  private final AuthorityAudit audit;

  X509SvidRequests(IssuanceRules rules, AuthorityKeys keys, Clock clock, AuthorityAudit audit) {
    this.rules = rules;
    this.keys = keys;
    this.clock = clock;
    this.audit = audit;
  }

  /** An SVID with a fresh EC P-256 key. See {@link EmbeddedAuthority#issueX509Svid(SpiffeId, Duration, Collection)}. */
  X509Svid issue(SpiffeId subject, @Nullable Duration ttl, Collection<String> dnsNames) {
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);
    return issueFor(subject, pair.getPublic(), pair.getPrivate(), ttl, dnsNames, false);
  }

  /** An SVID for a CSR's key. See {@link EmbeddedAuthority#issueX509SvidForCsr}. */
  X509Svid issueForCsr(byte[] csrDer, SpiffeId subject, @Nullable Duration ttl, Collection<String> dnsNames) {
    PublicKey key = X509SvidIssuance.csrPublicKey(csrDer);
    return issueFor(subject, key, null, ttl, dnsNames, true);
  }

  private X509Svid issueFor(SpiffeId subject, PublicKey publicKey, @Nullable PrivateKey privateKey,
      @Nullable Duration ttl, Collection<String> dnsNames, boolean csr) {
    Objects.requireNonNull(dnsNames, "dnsNames");
    rules.checkSubject(subject, Kind.X509_CA);
    X509SvidIssuance.checkDnsNames(dnsNames);
    String refused = rules.inventoryRefusal(Kind.X509_CA, subject);
    if (refused != null) {
      throw audit.refused(subject, ttl, List.of(), List.of(), refused, clock.instant());
    }
    SigningKey ca = Objects.requireNonNull(keys.current().cas.active(), "no active CA");
    Instant now = clock.instant();
    IssuanceRules.Grant grant = rules.grant(Kind.X509_CA, subject, ttl, now, ca);
    X509Svid svid = X509SvidIssuance.issue(ca, subject, publicKey, privateKey, dnsNames, now, grant.expiry());
    audit.issued(svid, ca.keyId, now, grant, dnsNames, csr);
    return svid;
  }

  /** False once the SVID's CA was tainted, revoked or dropped. */
  boolean isUsable(X509Svid svid) {
    // Called on every handshake through the SVID source: match by name and key identifier, no signature check.
    for (SigningKey ca : keys.state().cas.keys()) {
      if (X509SvidIssuance.mayHaveIssued(ca, svid)) {
        return !ca.tainted;
      }
    }
    return false;
  }
}
