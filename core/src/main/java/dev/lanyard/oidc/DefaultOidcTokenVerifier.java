package dev.lanyard.oidc;

import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.Text;
import dev.lanyard.internal.Utf8;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
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
  private static final long MAX_EPOCH_SECOND = 253402300799L;
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
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (b.sslContext != null) {
      http.sslContext(b.sslContext);
    }
    HttpClient client = http.build();
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
      Object iss = decodeObject(token, dot1 + 1, dot2, "payload").get("iss");
      return iss instanceof String && issuers.containsKey(iss);
    } catch (JwtSvidRejectedException e) {
      return false;
    }
  }

  @Override
  public VerifiedOidcToken verify(String token) throws JwtSvidRejectedException {
    if (token == null) {
      throw reject(Reason.MALFORMED, "no token");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw reject(Reason.MALFORMED, "token is longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw reject(Reason.MALFORMED, "not a compact JWS of exactly three parts");
    }
    Map<String, Object> header = decodeObject(token, 0, dot1, "header");
    Object alg = null;
    Object kid = null;
    for (Map.Entry<String, Object> member : header.entrySet()) {
      switch (member.getKey()) {
        case "alg":
          alg = member.getValue();
          break;
        case "kid":
          kid = member.getValue();
          break;
        case "typ":
          if (!"JWT".equals(member.getValue()) && !"JOSE".equals(member.getValue())) {
            throw reject(Reason.TYPE_NOT_ALLOWED, "typ must be JWT or JOSE when present");
          }
          break;
        default:
          throw reject(Reason.HEADER_NOT_ALLOWED, "header '" + Text.printable(member.getKey())
              + "' is not allowed (only alg, kid and typ)");
      }
    }
    JwtAlgorithm algorithm = alg instanceof String ? JwtAlgorithm.fromJwaName((String) alg).orElse(null) : null;
    if (algorithm == null || !ALGORITHMS.contains(algorithm)) {
      throw reject(Reason.ALGORITHM_NOT_ALLOWED, alg instanceof String
          ? "alg '" + Text.printable((String) alg) + "' is not allowed (RS256 or ES256)" : "no alg header");
    }
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      throw reject(Reason.UNKNOWN_KEY, "no kid header");
    }
    String keyId = (String) kid;
    Map<String, Object> claims = decodeObject(token, dot1 + 1, dot2, "payload");

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
    byte[] signature = Base64Url.decode(token, dot2 + 1, token.length());
    if (signature == null) {
      throw reject(Reason.MALFORMED, "signature is not canonical base64url");
    }
    if (!key.verifies(algorithm, token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII), signature)) {
      throw reject(Reason.BAD_SIGNATURE, "signature does not verify with key '" + Text.printable(keyId) + "'");
    }

    // Claims, now that they are authentic.
    Instant now = clock.instant();
    Instant exp = numericDate(claims, "exp", true);
    Instant nbf = numericDate(claims, "nbf", false);
    Instant iat = numericDate(claims, "iat", false);
    if (exp == null || !now.isBefore(exp.plus(clockSkew))) {
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
    List<String> aud = audience(claims.get("aud"));
    if (!aud.contains(audience)) {
      throw reject(Reason.AUDIENCE_MISMATCH, "aud does not contain " + audience);
    }
    Object jti = claims.get("jti");
    if (claims.containsKey("jti") && !(jti instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "jti is not a string");
    }
    String[] account = serviceAccount(claims);
    SpiffeId id;
    try {
      id = SpiffeId.parse("spiffe://" + trustDomain.name() + pathTemplate.replace("{namespace}", account[0])
          .replace("{serviceAccount}", account[1]));
    } catch (InvalidSpiffeIdException e) {
      throw reject(Reason.INVALID_SUBJECT, "the service account does not map to a SPIFFE ID: " + e.getMessage());
    }
    return new VerifiedOidcToken(id, (String) iss, account[0], account[1], aud, exp, iat, keyId, (String) jti,
        algorithm);
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

  private static @Nullable Instant numericDate(Map<String, Object> claims, String name, boolean required)
      throws JwtSvidRejectedException {
    if (!claims.containsKey(name)) {
      if (required) {
        throw reject(Reason.MISSING_CLAIM, "no " + name + " claim");
      }
      return null;
    }
    Object value = claims.get(name);
    if (!(value instanceof Number)) {
      throw reject(Reason.INVALID_CLAIM, name + " is not a number");
    }
    double seconds = ((Number) value).doubleValue();
    if (!(seconds >= 0 && seconds <= MAX_EPOCH_SECOND)) {
      throw reject(Reason.INVALID_CLAIM, name + " is out of range");
    }
    long whole = (long) Math.floor(seconds);
    return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1_000_000_000L));
  }

  private static List<String> audience(@Nullable Object aud) throws JwtSvidRejectedException {
    if (aud instanceof String) {
      return List.of((String) aud);
    }
    if (aud instanceof List && !((List<?>) aud).isEmpty()) {
      List<String> list = new ArrayList<>();
      for (Object a : (List<?>) aud) {
        if (!(a instanceof String)) {
          throw reject(Reason.INVALID_CLAIM, "aud holds a value that is not a string");
        }
        list.add((String) a);
      }
      return list;
    }
    throw reject(Reason.INVALID_CLAIM, "aud is not a string or a non-empty array of strings");
  }

  private static Map<String, Object> decodeObject(String token, int from, int to, String part)
      throws JwtSvidRejectedException {
    byte[] bytes = Base64Url.decode(token, from, to);
    String json = bytes == null || bytes.length == 0 ? null : Utf8.decodeOrNull(bytes);
    if (json == null) {
      throw reject(Reason.MALFORMED, part + " is not canonical base64url UTF-8");
    }
    try {
      return Json.parseObject(json, 8);
    } catch (ParseException e) {
      throw reject(Reason.MALFORMED, part + " is not a strict JSON object: " + e.getMessage());
    }
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
