package dev.lanyard.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.Text;
import dev.lanyard.internal.Utf8;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The verifier behind {@link JwtSvidVerifier#newBuilder()}. */
final class DefaultJwtSvidVerifier implements JwtSvidVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(JwtSvidVerifier.class);
  private static final int MAX_HEADER_DEPTH = 4;
  private static final int MAX_CLAIMS_DEPTH = 8;
  /** Latest instant a NumericDate may name: the year 9999. */
  private static final long MAX_EPOCH_SECOND = 253402300799L;

  private final BundleSource bundleSource;
  private final Set<String> audiences;
  private final Set<TrustDomain> trustDomains;
  private final Set<JwtAlgorithm> algorithms;
  private final Duration clockSkew;
  private final Duration maxTokenLifetime;
  private final Clock clock;
  private final RevocationList revocations;
  private final int maxTokenLength;
  private final VerificationListener listener;
  private final Cache<String, Entry> cache;

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
    long size = b.cacheSize >= 0 ? b.cacheSize : Builder.DEFAULT_CACHE_SIZE;
    // Acceptance ends at exp + skew, checked on every hit with the verifier's clock; the cache only has to let go of
    // entries by then, and no accepted token lives longer than the maximum lifetime. A fixed write expiry costs a
    // hit less than a per-entry one.
    this.cache = size == 0 ? null : Caffeine.newBuilder()
        .maximumSize(size)
        .expireAfterWrite(this.maxTokenLifetime.plus(this.clockSkew))
        .build();
  }

  /** A verified token with what it was verified against. Immutable. */
  private static final class Entry {
    final VerifiedJwtSvid token;
    final JwtKey key;
    final TrustBundle bundle;
    final long revocationVersion;
    final Instant acceptUntil;
    /** {@link #acceptUntil} in epoch milliseconds, rounded down, for a cheap check on the hit path. */
    final long acceptUntilMillis;

    Entry(VerifiedJwtSvid token, JwtKey key, TrustBundle bundle, long revocationVersion, Instant acceptUntil) {
      this.token = token;
      this.key = key;
      this.bundle = bundle;
      this.revocationVersion = revocationVersion;
      this.acceptUntil = acceptUntil;
      this.acceptUntilMillis = acceptUntil.toEpochMilli();
    }
  }

  @Override
  public VerifiedJwtSvid verify(String token) throws JwtSvidRejectedException {
    if (token == null) {
      throw reject(null, Reason.MALFORMED, "no token", null);
    }
    if (cache != null) {
      Entry entry = cache.getIfPresent(token);
      if (entry != null) {
        VerifiedJwtSvid hit = checkCached(token, entry);
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
    if (cache != null) {
      cache.put(token, new Entry(verified, parsed.key, parsed.bundle, revocationVersion,
          verified.expiresAt().plus(clockSkew)));
    }
    if (listener != null) {
      notify(VerificationEvent.accepted(now, verified, false));
    }
    return verified;
  }

  /** The cached token if it still holds, or null to verify it again in full. */
  private VerifiedJwtSvid checkCached(String token, Entry entry) throws JwtSvidRejectedException {
    VerifiedJwtSvid verified = entry.token;
    if (clock.millis() >= entry.acceptUntilMillis) {
      // At or past the end (a sub-millisecond remainder is left to the full verification, which is exact).
      cache.invalidate(token);
      return null;
    }
    Optional<TrustBundle> current = bundleSource.bundleFor(verified.subject().trustDomain());
    if (current.isEmpty()) {
      cache.invalidate(token);
      return null;
    }
    if (current.get() != entry.bundle) {
      JwtKey key = current.get().jwtKeyOrNull(verified.keyId());
      if (key == null || !key.equals(entry.key)) {
        cache.invalidate(token);
        return null;
      }
      entry = new Entry(verified, key, current.get(), entry.revocationVersion, entry.acceptUntil);
      cache.put(token, entry);
    }
    if (revocations != null) {
      long version = revocations.version();
      if (version != entry.revocationVersion) {
        String revoked = revocationOf(verified.subject(), verified.keyId(), verified.tokenId().orElse(null),
            verified.issuedAtOrNull());
        if (revoked != null) {
          cache.invalidate(token);
          Parsed parsed = new Parsed();
          parsed.subject = verified.subject().toString();
          parsed.keyId = verified.keyId();
          parsed.tokenId = verified.tokenId().orElse(null);
          JwtSvidRejectedException e = new JwtSvidRejectedException(Reason.REVOKED, revoked);
          notifyRejected(clock.instant(), e, parsed);
          throw e;
        }
        cache.put(token, new Entry(verified, entry.key, entry.bundle, version, entry.acceptUntil));
      }
    }
    if (listener != null) {
      notify(VerificationEvent.accepted(clock.instant(), verified, true));
    }
    return verified;
  }

  /** What was read from a token so far, for the audit event and the cache. */
  private static final class Parsed {
    String subject;
    String keyId;
    String tokenId;
    JwtKey key;
    TrustBundle bundle;
  }

  private VerifiedJwtSvid verifyUncached(String token, Instant now, Parsed parsed) throws JwtSvidRejectedException {
    int length = token.length();
    if (length > maxTokenLength) {
      throw reject(Reason.MALFORMED, "token is longer than " + maxTokenLength + " characters");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw reject(Reason.MALFORMED, "not a compact JWS of exactly three parts");
    }
    Map<String, Object> header = decodeObject(token, 0, dot1, MAX_HEADER_DEPTH, "header");

    // Header: only alg, kid and typ (JWT-SVID §2); no key search by jwk, jku, x5u or x5c; no crit.
    Object alg = null;
    Object kid = null;
    Object typ = null;
    boolean hasTyp = false;
    for (Map.Entry<String, Object> member : header.entrySet()) {
      switch (member.getKey()) {
        case "alg":
          alg = member.getValue();
          break;
        case "kid":
          kid = member.getValue();
          break;
        case "typ":
          typ = member.getValue();
          hasTyp = true;
          break;
        default:
          throw reject(Reason.HEADER_NOT_ALLOWED, "header '" + Text.printable(member.getKey())
              + "' is not allowed (a JWT-SVID header has only alg, kid and typ)");
      }
    }
    if (!(alg instanceof String)) {
      throw reject(Reason.ALGORITHM_NOT_ALLOWED, "no alg header");
    }
    JwtAlgorithm algorithm = JwtAlgorithm.fromJwaName((String) alg).orElse(null);
    if (algorithm == null) {
      throw reject(Reason.ALGORITHM_NOT_ALLOWED,
          "alg '" + Text.printable((String) alg) + "' is not a JWT-SVID algorithm (RS/ES/PS 256/384/512)");
    }
    if (!algorithms.contains(algorithm)) {
      throw reject(Reason.ALGORITHM_NOT_ALLOWED, "alg " + algorithm + " is not allowed by this verifier");
    }
    if (hasTyp && !"JWT".equals(typ) && !"JOSE".equals(typ)) {
      throw reject(Reason.TYPE_NOT_ALLOWED, "typ must be JWT or JOSE when present");
    }
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      throw reject(Reason.UNKNOWN_KEY, "no kid header");
    }
    String keyId = (String) kid;
    parsed.keyId = keyId;

    Map<String, Object> claims = decodeObject(token, dot1 + 1, dot2, MAX_CLAIMS_DEPTH, "payload");
    Object jti = claims.get("jti");
    if (jti instanceof String) {
      parsed.tokenId = (String) jti;
    }
    Object sub = claims.get("sub");
    if (!claims.containsKey("sub")) {
      throw reject(Reason.MISSING_CLAIM, "no sub claim");
    }
    if (!(sub instanceof String)) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a string");
    }
    SpiffeId subject;
    try {
      subject = SpiffeId.parse((String) sub);
    } catch (InvalidSpiffeIdException e) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a SPIFFE ID: " + e.getMessage());
    }
    if (subject.isTrustDomainId()) {
      throw reject(Reason.INVALID_SUBJECT, "sub names a trust domain, not a workload");
    }
    parsed.subject = subject.toString();
    TrustDomain trustDomain = subject.trustDomain();
    if (trustDomains != null && !trustDomains.contains(trustDomain)) {
      throw reject(Reason.UNTRUSTED_TRUST_DOMAIN, "trust domain " + trustDomain + " is not accepted");
    }
    TrustBundle bundle = bundleSource.bundleFor(trustDomain).orElse(null);
    if (bundle == null) {
      throw reject(Reason.UNTRUSTED_TRUST_DOMAIN, "no bundle for trust domain " + trustDomain);
    }
    JwtKey key = bundle.jwtKeyOrNull(keyId);
    if (key == null) {
      bundleSource.requestRefresh(trustDomain);
      throw reject(Reason.UNKNOWN_KEY, "the bundle of " + trustDomain + " has no usable key '"
          + Text.printable(keyId) + "'");
    }
    if (!key.accepts(algorithm)) {
      throw reject(Reason.KEY_MISMATCH, "key '" + Text.printable(keyId) + "' does not fit alg " + algorithm);
    }
    byte[] signature = Base64Url.decode(token, dot2 + 1, length);
    if (signature == null) {
      throw reject(Reason.MALFORMED, "signature is not canonical base64url");
    }
    byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
    if (!key.verificationKey().verify(algorithm, signingInput, signature)) {
      throw reject(Reason.BAD_SIGNATURE, "signature does not verify with key '" + Text.printable(keyId) + "'");
    }

    // Claims, now that they are authentic.
    Instant exp = numericDate(claims, "exp", true);
    Instant nbf = numericDate(claims, "nbf", false);
    Instant iat = numericDate(claims, "iat", false);
    if (!now.isBefore(exp.plus(clockSkew))) {
      throw reject(Reason.EXPIRED, "expired at " + exp);
    }
    if (nbf != null && now.plus(clockSkew).isBefore(nbf)) {
      throw reject(Reason.NOT_YET_VALID, "not valid before " + nbf);
    }
    if (iat != null && now.plus(clockSkew).isBefore(iat)) {
      throw reject(Reason.NOT_YET_VALID, "issued in the future, at " + iat);
    }
    Duration lifetime = Duration.between(iat != null ? iat : now, exp);
    if (lifetime.compareTo(maxTokenLifetime) > 0) {
      throw reject(Reason.LIFETIME_TOO_LONG, "lifetime " + lifetime.toSeconds() + "s exceeds the maximum of "
          + maxTokenLifetime.toSeconds() + "s");
    }
    if (!claims.containsKey("aud")) {
      throw reject(Reason.MISSING_CLAIM, "no aud claim");
    }
    List<String> audience = audience(claims.get("aud"));
    boolean audienceMatches = false;
    for (String a : audience) {
      if (audiences.contains(a)) {
        audienceMatches = true;
        break;
      }
    }
    if (!audienceMatches) {
      throw reject(Reason.AUDIENCE_MISMATCH, "aud does not contain " + audiences);
    }
    Set<String> scopes = Set.of();
    Object scope = claims.get("scope");
    if (claims.containsKey("scope")) {
      scopes = scope instanceof String ? Scopes.parse((String) scope) : null;
      if (scopes == null) {
        throw reject(Reason.INVALID_CLAIM, "scope is not a space-delimited list of scope tokens");
      }
    }
    if (claims.containsKey("jti") && !(jti instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "jti is not a string");
    }
    Object iss = claims.get("iss");
    if (claims.containsKey("iss") && !(iss instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "iss is not a string");
    }
    if (revocations != null) {
      String revoked = revocationOf(subject, keyId, (String) jti, iat);
      if (revoked != null) {
        throw reject(Reason.REVOKED, revoked);
      }
    }
    parsed.key = key;
    parsed.bundle = bundle;
    return new VerifiedJwtSvid(subject, audience, scopes, exp, iat, keyId, (String) jti, (String) iss, algorithm);
  }

  private String revocationOf(SpiffeId subject, String keyId, String tokenId, Instant issuedAt) {
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

  private static Map<String, Object> decodeObject(String token, int from, int to, int depth, String part)
      throws JwtSvidRejectedException {
    byte[] bytes = Base64Url.decode(token, from, to);
    if (bytes == null || bytes.length == 0) {
      throw reject(Reason.MALFORMED, part + " is not canonical base64url");
    }
    String json = Utf8.decodeOrNull(bytes);
    if (json == null) {
      throw reject(Reason.MALFORMED, part + " is not UTF-8");
    }
    try {
      return Json.parseObject(json, depth);
    } catch (ParseException e) {
      throw reject(Reason.MALFORMED, part + " is not a strict JSON object: " + e.getMessage());
    }
  }

  private static Instant numericDate(Map<String, Object> claims, String name, boolean required)
      throws JwtSvidRejectedException {
    Object value = claims.get(name);
    if (!claims.containsKey(name)) {
      if (required) {
        throw reject(Reason.MISSING_CLAIM, "no " + name + " claim");
      }
      return null;
    }
    if (!(value instanceof Number)) {
      throw reject(Reason.INVALID_CLAIM, name + " is not a number");
    }
    double seconds = ((Number) value).doubleValue();
    if (!(seconds >= 0 && seconds <= MAX_EPOCH_SECOND)) {
      throw reject(Reason.INVALID_CLAIM, name + " is out of range");
    }
    if (value instanceof Long || value instanceof Integer) {
      return Instant.ofEpochSecond(((Number) value).longValue());
    }
    long whole = (long) Math.floor(seconds);
    return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1_000_000_000L));
  }

  private static List<String> audience(Object aud) throws JwtSvidRejectedException {
    if (aud instanceof String) {
      return List.of((String) aud);
    }
    if (aud instanceof List && !((List<?>) aud).isEmpty()) {
      List<String> list = new ArrayList<>(((List<?>) aud).size());
      for (Object a : (List<?>) aud) {
        if (!(a instanceof String)) {
          throw reject(Reason.INVALID_CLAIM, "aud holds a value that is not a string");
        }
        list.add((String) a);
      }
      return Collections.unmodifiableList(list);
    }
    throw reject(Reason.INVALID_CLAIM, "aud is not a string or a non-empty array of strings");
  }

  private static JwtSvidRejectedException reject(Reason reason, String message) {
    return new JwtSvidRejectedException(reason, message);
  }

  private JwtSvidRejectedException reject(Instant now, Reason reason, String message, Parsed parsed) {
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
    try {
      listener.onDecision(event);
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
