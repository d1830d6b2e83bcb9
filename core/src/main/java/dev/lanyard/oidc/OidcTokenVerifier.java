package dev.lanyard.oidc;

import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleUnavailableException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Verifies Kubernetes service-account tokens from OIDC issuers on an explicit allow-list and maps each to a SPIFFE ID.
 *
 * <p>Order: the token's form and header (compact JWS, only {@code alg}, {@code kid}, {@code typ}; {@code alg} RS256 or
 * ES256, never {@code none} or HMAC); {@code iss} exactly one of the allowed issuers ({@code UNTRUSTED_ISSUER}
 * otherwise, before anything is fetched); the issuer's keys (discovery, then {@code jwks_uri}; see below); the
 * signature with the key named by {@code kid}, whose type and {@code alg} must fit the header; {@code exp}, {@code nbf}
 * and {@code iat} with the clock skew; {@code exp - iat} at most the maximum token lifetime (default 1 h; Kubernetes
 * can issue pod tokens valid for a year, refused as {@code LIFETIME_TOO_LONG}); {@code aud} containing the audience;
 * {@code sub} of the form {@code system:serviceaccount:<namespace>:<name>} ({@code INVALID_SUBJECT} otherwise), and,
 * when present, the {@code kubernetes.io} claim naming the same namespace and service account.
 *
 * <p>Keys: on first use of an issuer, {@code <issuer>/.well-known/openid-configuration} is fetched; its
 * {@code issuer} must equal the configured issuer character for character, and its {@code jwks_uri} must be https.
 * The key set is then fetched and kept for 5 minutes; a token naming an unknown {@code kid} causes one early refresh,
 * at most once per 30 s per issuer. Fetches are 200-only, at most 1 MiB, within the timeout (default 5 s), without
 * following redirects. When keys cannot be had (an endpoint down, a discovery document naming another issuer) the
 * verifier throws {@link BundleUnavailableException} (adapters answer 503); the last good key set is kept for up to
 * 1 h while refreshes fail.
 *
 * <p>Thread-safe: immutable configuration; each issuer's key set is a volatile reference, fetched under a per-issuer
 * lock so that concurrent requests cause one fetch.
 */
public interface OidcTokenVerifier {
  /**
   * Verifies {@code token}.
   *
   * @throws JwtSvidRejectedException when the token is rejected, with the reason
   * @throws BundleUnavailableException when the issuer's keys cannot be had right now (not the token's fault)
   */
  VerifiedOidcToken verify(String token) throws JwtSvidRejectedException;

  /**
   * True when the token's {@code iss} claim, read without verifying anything, names an allowed issuer. For routing
   * only (adapters send such tokens here and every other token to the JWT-SVID verifier); never a decision. Fetches
   * nothing.
   */
  boolean isFromAllowedIssuer(String token);

  /** The allowed issuers, as configured. */
  Set<URI> issuers();

  /** A builder with strict defaults. */
  static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Builds an {@link OidcTokenVerifier}. Required: at least one issuer, the audience and the trust domain to map
   * service accounts into. Each option can be set once; setting it again throws {@link IllegalStateException}.
   */
  final class Builder {
    /** Default maximum token lifetime. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(1);
    /** Default allowed clock skew. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Largest clock skew that can be configured. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** Default SPIFFE ID path template. */
    public static final String DEFAULT_PATH_TEMPLATE = "/ns/{namespace}/sa/{serviceAccount}";

    final Set<URI> issuers = new LinkedHashSet<>();
    @Nullable String audience;
    @Nullable TrustDomain trustDomain;
    @Nullable String pathTemplate;
    @Nullable Duration maxTokenLifetime;
    @Nullable Duration clockSkew;
    @Nullable Duration timeout;
    @Nullable Clock clock;
    @Nullable SSLContext sslContext;
    boolean allowInsecureHttp;

    Builder() {}

    /**
     * Allows tokens of {@code issuer}: an absolute https URL with a host, no user info, query or fragment, compared
     * with {@code iss} exactly as written here. Call once per issuer.
     *
     * @throws IllegalArgumentException when the URL is not such, or was already added
     */
    public Builder issuer(String issuer) {
      Objects.requireNonNull(issuer, "issuer");
      URI uri;
      try {
        uri = new URI(issuer);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("issuer is not a URL: " + e.getMessage());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http")) {
        throw new IllegalArgumentException("issuer must be an https URL: " + issuer);
      }
      if (uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException("issuer URL must not carry user info (credentials)");
      }
      if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException("issuer must be a URL with a host and no query or fragment: " + issuer);
      }
      if (!issuers.add(uri)) {
        throw new IllegalArgumentException("issuer " + issuer + " was already added");
      }
      return this;
    }

    /** The audience tokens must carry (any one of their {@code aud} values). Required. */
    public Builder audience(String audience) {
      requireUnset(this.audience, "audience");
      Objects.requireNonNull(audience, "audience");
      if (audience.isBlank()) {
        throw new IllegalArgumentException("audience must not be blank");
      }
      this.audience = audience;
      return this;
    }

    /** The trust domain service accounts map into. Required. */
    public Builder trustDomain(TrustDomain trustDomain) {
      requireUnset(this.trustDomain, "trustDomain");
      this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
      return this;
    }

    /**
     * The SPIFFE ID path a service account maps to, with the placeholders {@code {namespace}} and
     * {@code {serviceAccount}} (default {@value #DEFAULT_PATH_TEMPLATE}).
     *
     * @throws IllegalArgumentException unless it starts with {@code /} and names both placeholders
     */
    public Builder pathTemplate(String template) {
      requireUnset(this.pathTemplate, "pathTemplate");
      Objects.requireNonNull(template, "template");
      if (!template.startsWith("/") || !template.contains("{namespace}") || !template.contains("{serviceAccount}")) {
        throw new IllegalArgumentException("path template must start with / and name {namespace} and "
            + "{serviceAccount}");
      }
      this.pathTemplate = template;
      return this;
    }

    /** Longest token lifetime accepted, {@code exp - iat} (or {@code exp - now} without {@code iat}); default 1 h. */
    public Builder maxTokenLifetime(Duration maxTokenLifetime) {
      requireUnset(this.maxTokenLifetime, "maxTokenLifetime");
      Objects.requireNonNull(maxTokenLifetime, "maxTokenLifetime");
      if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
        throw new IllegalArgumentException("maximum token lifetime must be positive");
      }
      this.maxTokenLifetime = maxTokenLifetime;
      return this;
    }

    /** Allowed clock skew for {@code exp}, {@code nbf} and {@code iat}: 0 to 5 minutes, default 30 s. */
    public Builder clockSkew(Duration clockSkew) {
      requireUnset(this.clockSkew, "clockSkew");
      Objects.requireNonNull(clockSkew, "clockSkew");
      if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
        throw new IllegalArgumentException("clock skew must be between 0 and " + MAX_CLOCK_SKEW.toSeconds() + "s");
      }
      this.clockSkew = clockSkew;
      return this;
    }

    /** The deadline of each whole fetch (discovery or key set); default 5 s. */
    public Builder timeout(Duration timeout) {
      requireUnset(this.timeout, "timeout");
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** The clock to judge time by; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      requireUnset(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** TLS settings for the issuers' endpoints (the JDK's defaults otherwise). */
    public Builder sslContext(SSLContext sslContext) {
      requireUnset(this.sslContext, "sslContext");
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * INSECURE: accepts cleartext {@code http} issuers and key sets, which anyone on the network path can replace.
     * For tests and loopback only; the verifier logs a WARN when built.
     */
    public Builder allowInsecureHttp() {
      if (allowInsecureHttp) {
        throw new IllegalStateException("allowInsecureHttp() was already called");
      }
      this.allowInsecureHttp = true;
      return this;
    }

    /**
     * The verifier. Fetches nothing yet: each issuer's keys are fetched when its first token arrives.
     *
     * @throws IllegalStateException when no issuer, audience or trust domain is set, or an issuer is cleartext http
     *     without {@link #allowInsecureHttp()}
     */
    public OidcTokenVerifier build() {
      if (issuers.isEmpty()) {
        throw new IllegalStateException("at least one issuer is required");
      }
      if (audience == null) {
        throw new IllegalStateException("an audience is required");
      }
      if (trustDomain == null) {
        throw new IllegalStateException("a trust domain is required");
      }
      for (URI issuer : issuers) {
        BundleDocuments.requireHttps("issuer", issuer, allowInsecureHttp);
      }
      return new DefaultOidcTokenVerifier(this);
    }

    private static void requireUnset(@Nullable Object value, String name) {
      if (value != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }
  }
}
