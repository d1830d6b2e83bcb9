package dev.lanyard.jwt;

import dev.lanyard.internal.CompactJws;
import dev.lanyard.internal.JwtClaims;
import dev.lanyard.internal.Text;
import dev.lanyard.internal.TokenRejection;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier behind {@link JwtSvidVerifier#newBuilder()}: runs the verification order of the README, with
 * {@link CompactJws} for the token's form and header, {@link ClaimChecks} for the claims and
 * {@link VerifiedTokenCache} for tokens already verified, and tells the listener of every decision.
 *
 * <p>Thread-safe: immutable configuration over a concurrent cache.
 */
final class DefaultJwtSvidVerifier implements JwtSvidVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(JwtSvidVerifier.class);

  private final BundleSource bundleSource;
  private final Set<String> audiences;
  private final @Nullable Set<TrustDomain> trustDomains;
  private final Set<JwtAlgorithm> algorithms;
  private final Duration clockSkew;
  private final Duration maxTokenLifetime;
  private final Clock clock;
  private final @Nullable RevocationList revocations;
  private final int maxTokenLength;
  private final @Nullable VerificationListener listener;
  private final ClaimChecks claimChecks;
  private final @Nullable VerifiedTokenCache cache;

  DefaultJwtSvidVerifier(JwtSvidVerifier.Builder b) {
    this.bundleSource = b.bundleSource;
    this.audiences = b.audiences;
    this.trustDomains = b.trustDomains;
    this.algorithms = b.algorithms != null ? EnumSet.copyOf(b.algorithms) : EnumSet.allOf(JwtAlgorithm.class);
    this.clockSkew = b.clockSkew != null ? b.clockSkew : Builder.DEFAULT_CLOCK_SKEW;
    this.maxTokenLifetime = b.maxTokenLifetime != null ? b.maxTokenLifetime : Builder.DEFAULT_MAX_TOKEN_LIFETIME;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.revocations = b.revocations;
    this.maxTokenLength = b.maxTokenLength > 0 ? b.maxTokenLength : Builder.DEFAULT_MAX_TOKEN_LENGTH;
    this.listener = b.listener;
    this.claimChecks = new ClaimChecks(audiences, clockSkew, maxTokenLifetime);
    long size = b.cacheSize >= 0 ? b.cacheSize : Builder.DEFAULT_CACHE_SIZE;
    // Acceptance ends at exp + skew, checked on every hit with the verifier's clock.
    this.cache = size == 0 ? null : new VerifiedTokenCache(size);
  }

  @Override
  public VerifiedJwtSvid verify(String token) throws JwtSvidRejectedException {
    if (token == null) {
      throw reject(null, Reason.MALFORMED, "no token", null);
    }
    if (cache != null) {
      VerifiedTokenCache.Entry entry = cache.get(token);
      if (entry != null) {
        // The common hit, kept small: in time, same bundle, no revocation since. Anything else takes checkCached.
        if (clock.millis() < entry.acceptUntilMillis
            && bundleSource.bundleFor(entry.trustDomain).orElse(null) == entry.bundle
            && (revocations == null || revocations.version() == entry.revocationVersion)) {
          if (listener != null) {
            notify(VerificationEvent.accepted(clock.instant(), entry.token, true));
          }
          return entry.token;
        }
        VerifiedJwtSvid hit = checkCached(cache, token, entry);
        if (hit != null) {
          return hit;
        }
      }
    }
    long revocationVersion = revocations == null ? 0 : revocations.version();
    Instant now = clock.instant();
    Parsed parsed = new Parsed();
    VerifiedJwtSvid verified;
    try {
      verified = verifyUncached(token, now, parsed);
    } catch (JwtSvidRejectedException e) {
      notifyRejected(now, e, parsed);
      throw e;
    }
    if (cache != null && parsed.key != null && parsed.bundle != null) {
      cache.put(token, new VerifiedTokenCache.Entry(verified, parsed.key, parsed.bundle, revocationVersion,
          verified.expiresAt().plus(clockSkew)), now.toEpochMilli());
    }
    if (listener != null) {
      notify(VerificationEvent.accepted(now, verified, false));
    }
    return verified;
  }

  /** The cached token if it still holds, or null to verify it again in full. */
  private @Nullable VerifiedJwtSvid checkCached(VerifiedTokenCache cache, String token,
      VerifiedTokenCache.Entry entry) throws JwtSvidRejectedException {
    VerifiedJwtSvid verified = entry.token;
    if (clock.millis() >= entry.acceptUntilMillis) {
      // At or past the end (a sub-millisecond remainder is left to the full verification, which is exact).
      cache.remove(token, entry);
      return null;
    }
    Optional<TrustBundle> current = bundleSource.bundleFor(verified.subject().trustDomain());
    if (current.isEmpty()) {
      cache.remove(token, entry);
      return null;
    }
    if (current.get() != entry.bundle) {
      JwtKey key = current.get().jwtKey(verified.keyId()).orElse(null);
      if (key == null || !key.equals(entry.key)) {
        cache.remove(token, entry);
        return null;
      }
      VerifiedTokenCache.Entry updated = entry.with(current.get(), entry.revocationVersion);
      cache.replace(token, entry, updated);
      entry = updated;
    }
    if (revocations != null) {
      long version = revocations.version();
      if (version != entry.revocationVersion) {
        String revoked = revocationOf(revocations, verified.subject(), verified.keyId(),
            verified.tokenId().orElse(null), verified.issuedAtOrNull());
        if (revoked != null) {
          cache.remove(token, entry);
          Parsed parsed = new Parsed();
          parsed.subject = verified.subject().toString();
          parsed.keyId = verified.keyId();
          parsed.tokenId = verified.tokenId().orElse(null);
          JwtSvidRejectedException e = new JwtSvidRejectedException(Reason.REVOKED, revoked);
          notifyRejected(clock.instant(), e, parsed);
          throw e;
        }
        cache.replace(token, entry, entry.with(entry.bundle, version));
      }
    }
    if (listener != null) {
      notify(VerificationEvent.accepted(clock.instant(), verified, true));
    }
    return verified;
  }

  /** What was read from a token so far, for the audit event and the cache. */
  private static final class Parsed {
    @Nullable String subject;
    @Nullable String keyId;
    @Nullable String tokenId;
    @Nullable JwtKey key;
    @Nullable TrustBundle bundle;
  }

  private VerifiedJwtSvid verifyUncached(String token, Instant now, Parsed parsed) throws JwtSvidRejectedException {
    try {
      return verifyUncachedOrFault(token, now, parsed);
    } catch (TokenRejection e) {
      throw ClaimChecks.rejected(e);
    }
  }

  private VerifiedJwtSvid verifyUncachedOrFault(String token, Instant now, Parsed parsed)
      throws JwtSvidRejectedException, TokenRejection {
    CompactJws jws = CompactJws.parse(token, maxTokenLength, algorithms);
    JwtAlgorithm algorithm = jws.algorithm();
    String keyId = jws.keyId();
    parsed.keyId = keyId;

    Map<String, Object> claims = jws.claims();
    parsed.tokenId = JwtClaims.tokenIdOrNull(claims);
    SpiffeId subject = ClaimChecks.subject(claims);
    parsed.subject = subject.toString();
    TrustDomain trustDomain = subject.trustDomain();
    if (trustDomains != null && !trustDomains.contains(trustDomain)) {
      throw reject(Reason.UNTRUSTED_TRUST_DOMAIN, "trust domain " + trustDomain + " is not accepted");
    }
    TrustBundle bundle = bundleSource.bundleFor(trustDomain).orElse(null);
    if (bundle == null) {
      throw reject(Reason.UNTRUSTED_TRUST_DOMAIN, "no bundle for trust domain " + trustDomain);
    }
    JwtKey key = bundle.jwtKey(keyId).orElse(null);
    if (key == null) {
      bundleSource.requestRefresh(trustDomain);
      throw reject(Reason.UNKNOWN_KEY, "the bundle of " + trustDomain + " has no usable key '"
          + Text.printable(keyId) + "'");
    }
    if (!key.accepts(algorithm)) {
      throw reject(Reason.KEY_MISMATCH, "key '" + Text.printable(keyId) + "' does not fit alg " + algorithm);
    }
    byte[] signature = jws.signature();
    if (!key.verifies(algorithm, jws.signingInput(), signature)) {
      throw reject(Reason.BAD_SIGNATURE, "signature does not verify with key '" + Text.printable(keyId) + "'");
    }

    // Claims, now that they are authentic.
    ClaimChecks.Checked checked = claimChecks.check(claims, now);
    if (revocations != null) {
      String revoked = revocationOf(revocations, subject, keyId, checked.tokenId, checked.issuedAt);
      if (revoked != null) {
        throw reject(Reason.REVOKED, revoked);
      }
    }
    parsed.key = key;
    parsed.bundle = bundle;
    return new VerifiedJwtSvid(subject, checked.audience, checked.scopes, checked.expiresAt, checked.issuedAt, keyId,
        checked.tokenId, checked.issuer, algorithm);
  }

  private static @Nullable String revocationOf(RevocationList revocations, SpiffeId subject, String keyId,
      @Nullable String tokenId, @Nullable Instant issuedAt) {
    if (revocations.isKeyRevoked(keyId)) {
      return "key '" + Text.printable(keyId) + "' is revoked";
    }
    if (revocations.isTokenRevoked(tokenId)) {
      return "token id is revoked";
    }
    if (revocations.isSubjectRevoked(subject, issuedAt)) {
      return "tokens of " + subject + " issued before the revocation are revoked";
    }
    return null;
  }

  private static JwtSvidRejectedException reject(Reason reason, String message) {
    return new JwtSvidRejectedException(reason, message);
  }

  private JwtSvidRejectedException reject(@Nullable Instant now, Reason reason, String message,
      @Nullable Parsed parsed) {
    JwtSvidRejectedException e = new JwtSvidRejectedException(reason, message);
    notifyRejected(now == null ? clock.instant() : now, e, parsed == null ? new Parsed() : parsed);
    return e;
  }

  private void notifyRejected(Instant now, JwtSvidRejectedException e, Parsed parsed) {
    if (listener != null) {
      notify(VerificationEvent.rejected(now, e, parsed.subject, parsed.keyId, parsed.tokenId));
    }
  }

  private void notify(VerificationEvent event) {
    VerificationListener l = listener;
    if (l == null) {
      return;
    }
    try {
      l.onDecision(event);
    } catch (RuntimeException e) {
      LOG.warn("verification listener failed on {}", event, e);
    }
  }

  @Override
  public String toString() {
    return "JwtSvidVerifier[audience=" + audiences + ", skew=" + clockSkew + ", maxLifetime=" + maxTokenLifetime
        + ", cache=" + (cache != null) + "]";
  }
}
