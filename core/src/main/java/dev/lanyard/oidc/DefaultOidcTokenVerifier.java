package dev.lanyard.oidc;

import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.internal.CompactJws;
import dev.lanyard.internal.JwtClaims;
import dev.lanyard.internal.Text;
import dev.lanyard.internal.TokenRejection;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier behind {@link OidcTokenVerifier#newBuilder()}; see there for the order of checks.
 *
 * <p>Thread-safe: immutable configuration over per-issuer {@link IssuerKeys}.
 */
final class DefaultOidcTokenVerifier implements OidcTokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(OidcTokenVerifier.class);
  private static final Set<JwtAlgorithm> ALGORITHMS = Set.of(JwtAlgorithm.RS256, JwtAlgorithm.ES256);
  private static final int MAX_TOKEN_LENGTH = 16 * 1024;
  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private final Map<String, IssuerKeys> issuers;
  private final Set<URI> issuerUris;
  private final String audience;
  private final TrustDomain trustDomain;
  private final String pathTemplate;
  private final Duration maxTokenLifetime;
  private final Duration clockSkew;
  private final Clock clock;

  DefaultOidcTokenVerifier(OidcTokenVerifier.Builder b) {
    this.audience = java.util.Objects.requireNonNull(b.audience);
    this.trustDomain = java.util.Objects.requireNonNull(b.trustDomain);
    this.pathTemplate = b.pathTemplate != null ? b.pathTemplate : Builder.DEFAULT_PATH_TEMPLATE;
    this.maxTokenLifetime = b.maxTokenLifetime != null ? b.maxTokenLifetime : Builder.DEFAULT_MAX_TOKEN_LIFETIME;
    this.clockSkew = b.clockSkew != null ? b.clockSkew : Builder.DEFAULT_CLOCK_SKEW;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    Duration timeout = b.timeout != null ? b.timeout : Duration.ofSeconds(5);
    HttpClient client = BundleDocuments.newClient(timeout, b.sslContext);
    Map<String, IssuerKeys> map = new LinkedHashMap<>();
    for (URI issuer : b.issuers) {
      map.put(issuer.toString(), new IssuerKeys(issuer, client, timeout, clock, b.allowInsecureHttp));
      if (BundleDocuments.isCleartext(issuer)) {
        LOG.warn("INSECURE: OIDC issuer {} is cleartext http (allowInsecureHttp): anyone on the network path can "
            + "replace the keys that verify callers; use https outside tests", issuer);
      }
    }
    this.issuers = Map.copyOf(map);
    this.issuerUris = Set.copyOf(b.issuers);
  }

  @Override
  public Set<URI> issuers() {
    return issuerUris;
  }

  @Override
  public boolean isFromAllowedIssuer(String token) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH) {
      return false;
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0) {
      return false;
    }
    try {
      Object iss = CompactJws.decodeObject(token, dot1 + 1, dot2, CompactJws.MAX_CLAIMS_DEPTH, "payload").get("iss");
      return iss instanceof String && issuers.containsKey(iss);
    } catch (TokenRejection e) {
      return false;
    }
  }

  @Override
  public VerifiedOidcToken verify(String token) throws JwtSvidRejectedException {
    if (token == null) {
      throw reject(Reason.MALFORMED, "no token");
    }
    try {
      return verifyOrFault(token);
    } catch (TokenRejection e) {
      throw new JwtSvidRejectedException(Reason.valueOf(e.fault().name()), e.detail());
    }
  }

  private VerifiedOidcToken verifyOrFault(String token) throws JwtSvidRejectedException, TokenRejection {
    CompactJws jws = CompactJws.parse(token, MAX_TOKEN_LENGTH, ALGORITHMS);
    JwtAlgorithm algorithm = jws.algorithm();
    String keyId = jws.keyId();
    Map<String, Object> claims = jws.claims();

    // The issuer before anything is fetched: an issuer off the list costs no network.
    if (!claims.containsKey("iss")) {
      throw reject(Reason.MISSING_CLAIM, "no iss claim");
    }
    Object iss = claims.get("iss");
    if (!(iss instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "iss is not a string");
    }
    IssuerKeys keys = issuers.get(iss);
    if (keys == null) {
      throw reject(Reason.UNTRUSTED_ISSUER, "issuer '" + Text.printable((String) iss) + "' is not allowed");
    }
    JwtKey key = keys.key(keyId).orElse(null);
    if (key == null) {
      throw reject(Reason.UNKNOWN_KEY, "issuer " + iss + " has no usable key '" + Text.printable(keyId) + "'");
    }
    if (!key.accepts(algorithm)) {
      throw reject(Reason.KEY_MISMATCH, "key '" + Text.printable(keyId) + "' does not fit alg " + algorithm);
    }
    if (!key.verifies(algorithm, jws.signingInput(), jws.signature())) {
      throw reject(Reason.BAD_SIGNATURE, "signature does not verify with key '" + Text.printable(keyId) + "'");
    }

    // Claims, now that they are authentic.
    JwtClaims.Window window = JwtClaims.checkTimes(claims, clock.instant(), clockSkew, maxTokenLifetime);
    List<String> aud = JwtClaims.audience(claims);
    if (!aud.contains(audience)) {
      throw reject(Reason.AUDIENCE_MISMATCH, "aud does not contain " + audience);
    }
    String jti = JwtClaims.optionalString(claims, "jti");
    String[] account = serviceAccount(claims);
    SpiffeId id;
    try {
      id = SpiffeId.parse("spiffe://" + trustDomain.name() + pathTemplate.replace("{namespace}", account[0])
          .replace("{serviceAccount}", account[1]));
    } catch (InvalidSpiffeIdException e) {
      throw reject(Reason.INVALID_SUBJECT, "the service account does not map to a SPIFFE ID: " + e.getMessage());
    }
    return new VerifiedOidcToken(id, (String) iss, account[0], account[1], aud, window.expiresAt(),
        window.issuedAt(), keyId, jti, algorithm);
  }

  /**
   * Namespace and name from {@code sub} ({@code system:serviceaccount:<namespace>:<name>}), checked against the
   * {@code kubernetes.io} claim when present.
   */
  private static String[] serviceAccount(Map<String, Object> claims) throws JwtSvidRejectedException {
    if (!claims.containsKey("sub")) {
      throw reject(Reason.MISSING_CLAIM, "no sub claim");
    }
    Object sub = claims.get("sub");
    if (!(sub instanceof String) || !((String) sub).startsWith(SERVICE_ACCOUNT_PREFIX)) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a service account (system:serviceaccount:<namespace>:<name>)");
    }
    String rest = ((String) sub).substring(SERVICE_ACCOUNT_PREFIX.length());
    int colon = rest.indexOf(':');
    if (colon <= 0 || colon == rest.length() - 1 || rest.indexOf(':', colon + 1) >= 0) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a service account (system:serviceaccount:<namespace>:<name>)");
    }
    String namespace = rest.substring(0, colon);
    String name = rest.substring(colon + 1);
    Object k8s = claims.get("kubernetes.io");
    if (k8s instanceof Map) {
      Object ns = ((Map<?, ?>) k8s).get("namespace");
      Object sa = ((Map<?, ?>) k8s).get("serviceaccount");
      Object saName = sa instanceof Map ? ((Map<?, ?>) sa).get("name") : null;
      if ((ns != null && !namespace.equals(ns)) || (saName != null && !name.equals(saName))) {
        throw reject(Reason.INVALID_CLAIM, "the kubernetes.io claim names another service account than sub");
      }
    } else if (k8s != null) {
      throw reject(Reason.INVALID_CLAIM, "the kubernetes.io claim is not an object");
    }
    return new String[] {namespace, name};
  }

  private static JwtSvidRejectedException reject(Reason reason, String message) {
    return new JwtSvidRejectedException(reason, message);
  }

  @Override
  public String toString() {
    return "OidcTokenVerifier[issuers=" + issuerUris + ", audience=" + audience + ", trustDomain=" + trustDomain
        + ", maxLifetime=" + maxTokenLifetime + "]";
  }
}
