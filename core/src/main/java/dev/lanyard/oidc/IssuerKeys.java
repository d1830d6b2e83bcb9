package dev.lanyard.oidc;

import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.JwkScreen;
import dev.lanyard.internal.Text;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.JwtKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of one allowed issuer: OIDC discovery (its {@code issuer} must equal ours exactly), then the
 * {@code jwks_uri} key set, kept for {@link #REFRESH} and refreshed early on an unknown {@code kid} at most once per
 * {@link #FORCED_REFRESH_SPACING}. Fetching reuses {@link BundleDocuments} (200 only, size limit, one deadline).
 *
 * <p>Thread-safe: the key set is a volatile reference; fetches run under a lock, and a thread that finds keys held
 * while another refreshes goes on with those.
 */
final class IssuerKeys {
  private static final Logger LOG = LoggerFactory.getLogger(OidcTokenVerifier.class);
  static final Duration REFRESH = Duration.ofMinutes(5);
  static final Duration FORCED_REFRESH_SPACING = Duration.ofSeconds(30);
  static final Duration FAILED_FETCH_SPACING = Duration.ofSeconds(1);
  static final Duration MAX_STALENESS = Duration.ofHours(1);
  static final int MAX_DOCUMENT_LENGTH = 1024 * 1024;

  private final URI issuer;
  private final HttpClient client;
  private final Duration timeout;
  private final Clock clock;
  private final boolean allowInsecureHttp;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable Map<String, JwtKey> keys;
  private volatile Instant fetchedAt = Instant.MIN;
  private volatile Instant lastAttempt = Instant.MIN;
  private volatile Instant lastForced = Instant.MIN;
  private volatile String lastError = "not fetched yet";
  private @Nullable URI jwksUri;

  IssuerKeys(URI issuer, HttpClient client, Duration timeout, Clock clock, boolean allowInsecureHttp) {
    this.issuer = issuer;
    this.client = client;
    this.timeout = timeout;
    this.clock = clock;
    this.allowInsecureHttp = allowInsecureHttp;
  }

  /**
   * The key with id {@code kid}, fetching or refreshing the key set as needed; empty when the issuer has no such key
   * (after the one rate-limited early refresh).
   *
   * @throws BundleUnavailableException when no usable key set can be had
   */
  Optional<JwtKey> key(String kid) {
    Instant now = clock.instant();
    Map<String, JwtKey> held = keys;
    if (held == null || !now.isBefore(fetchedAt.plus(REFRESH))) {
      held = refresh(now, held == null);
    }
    JwtKey key = held.get(kid);
    if (key == null && !now.isBefore(lastForced.plus(FORCED_REFRESH_SPACING))) {
      lock.lock();
      try {
        if (!now.isBefore(lastForced.plus(FORCED_REFRESH_SPACING))) {
          lastForced = now;
          LOG.info("OIDC issuer {}: token names unknown key '{}'; refreshing its key set", issuer, Text.printable(kid));
          held = fetchLocked(now, held);
        } else {
          held = Objects.requireNonNull(keys);
        }
      } finally {
        lock.unlock();
      }
      key = held.get(kid);
    }
    return Optional.ofNullable(key);
  }

  /** The key set after a fetch when needed; waits for the lock only when no keys are held. */
  private Map<String, JwtKey> refresh(Instant now, boolean mustWait) {
    if (!mustWait && !lock.tryLock()) {
      return Objects.requireNonNull(keys);
    }
    if (mustWait) {
      lock.lock();
    }
    try {
      Map<String, JwtKey> held = keys;
      if (held != null && now.isBefore(fetchedAt.plus(REFRESH))) {
        return held;
      }
      return fetchLocked(now, held);
    } finally {
      lock.unlock();
    }
  }

  private Map<String, JwtKey> fetchLocked(Instant now, @Nullable Map<String, JwtKey> held) {
    if (held == null && now.isBefore(lastAttempt.plus(FAILED_FETCH_SPACING))) {
      throw unavailable();
    }
    lastAttempt = now;
    try {
      Map<String, JwtKey> fresh = fetch();
      keys = fresh;
      fetchedAt = now;
      lastError = "none";
      return fresh;
    } catch (RuntimeException e) {
      lastError = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      LOG.warn("OIDC issuer {}: fetching its keys failed: {}", issuer, lastError);
      if (held != null && now.isBefore(fetchedAt.plus(MAX_STALENESS))) {
        return held;
      }
      throw unavailable();
    }
  }

  private BundleUnavailableException unavailable() {
    return new BundleUnavailableException("the keys of OIDC issuer " + issuer + " cannot be had: " + lastError);
  }

  private Map<String, JwtKey> fetch() {
    URI jwks = jwksUri;
    if (jwks == null) {
      jwks = discover();
      jwksUri = jwks;
    }
    return parseKeySet(get(jwks));
  }

  /** Reads the discovery document and returns its {@code jwks_uri}. */
  private URI discover() {
    String base = issuer.toString();
    URI discovery = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
        + "/.well-known/openid-configuration");
    Map<String, Object> document;
    try {
      document = Json.parseObject(get(discovery).strip(), 8);
    } catch (ParseException e) {
      throw new IllegalStateException("discovery document " + discovery + " is not a JSON object");
    }
    Object named = document.get("issuer");
    if (!issuer.toString().equals(named)) {
      throw new IllegalStateException("discovery document " + discovery + " names issuer "
          + (named instanceof String ? "'" + Text.printable((String) named) + "'" : "(none)") + ", not " + issuer);
    }
    Object jwks = document.get("jwks_uri");
    if (!(jwks instanceof String)) {
      throw new IllegalStateException("discovery document " + discovery + " has no jwks_uri");
    }
    URI uri;
    try {
      uri = new URI((String) jwks);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("jwks_uri of " + issuer + " is not a URL");
    }
    String scheme = uri.getScheme();
    boolean https = "https".equalsIgnoreCase(scheme);
    if (!(https || ("http".equalsIgnoreCase(scheme) && allowInsecureHttp)) || uri.getHost() == null
        || uri.getRawUserInfo() != null) {
      throw new IllegalStateException("jwks_uri of " + issuer + " is not an https URL with a host: "
          + Text.printable((String) jwks));
    }
    return uri;
  }

  private String get(URI uri) {
    return BundleDocuments.fetch(client, uri, timeout, MAX_DOCUMENT_LENGTH);
  }

  /**
   * A JWK Set's usable signing keys: {@code use} absent or {@code sig}, EC or RSA public keys that pass
   * {@link JwtKey#of}'s rules, with a {@code kid} that appears once; other entries are skipped and logged.
   */
  Map<String, JwtKey> parseKeySet(String json) {
    Map<String, Object> document;
    try {
      document = Json.parseObject(json.strip(), 8);
    } catch (ParseException e) {
      throw new IllegalStateException("key set of " + issuer + " is not a JSON object");
    }
    Object entries = document.get("keys");
    if (!(entries instanceof List)) {
      throw new IllegalStateException("key set of " + issuer + " has no \"keys\" array");
    }
    Map<String, Integer> kidCount = new HashMap<>();
    for (Object entry : (List<?>) entries) {
      if (entry instanceof Map && ((Map<?, ?>) entry).get("kid") instanceof String) {
        kidCount.merge((String) ((Map<?, ?>) entry).get("kid"), 1, Integer::sum);
      }
    }
    Map<String, JwtKey> result = new LinkedHashMap<>();
    for (Object entry : (List<?>) entries) {
      if (!(entry instanceof Map)) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> jwk = (Map<String, Object>) entry;
      Object kid = jwk.get("kid");
      String problem = kid instanceof String && kidCount.getOrDefault(kid, 0) > 1 ? "kid appears more than once"
          : importKey(jwk, result);
      if (problem != null) {
        LOG.warn("OIDC issuer {}: key {} skipped: {}", issuer,
            kid instanceof String ? "'" + Text.printable((String) kid) + "'" : "(no kid)", problem);
      }
    }
    return java.util.Collections.unmodifiableMap(result);
  }

  private static @Nullable String importKey(Map<String, Object> jwk, Map<String, JwtKey> into) {
    Object kid = jwk.get("kid");
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      return "no \"kid\"";
    }
    Object use = jwk.get("use");
    if (use != null && !"sig".equals(use)) {
      return "\"use\" is not sig";
    }
    JwkScreen.Screened screened;
    try {
      screened = JwkScreen.screen(jwk, JwkScreen.Wording.OIDC);
    } catch (JwkScreen.Unusable e) {
      return e.reason();
    }
    try {
      into.put((String) kid, JwtKey.of((String) kid, screened.publicKey(), screened.algorithm()));
      return null;
    } catch (IllegalArgumentException e) {
      return Objects.requireNonNullElse(e.getMessage(), "not a usable key");
    }
  }

  @Override
  public String toString() {
    return "IssuerKeys[" + issuer + "]";
  }
}
