package dev.lanyard.servlet;

import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.HttpBundleSource;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The inbound settings shared by the servlet filter's init-params and the Spring starter's {@code lanyard.*}
 * properties: trust domain (also the realm of challenges), audience, bundle location, its cleartext-http opt-in and
 * the staleness bound of a bundle fetched from a URL, token lifetime cap, clock skew, and the unnormalised-path
 * relaxation. Each default and each bound is defined here
 * once; each adapter maps its own names onto a {@link Builder} and turns an {@link InvalidSettingException} into its
 * own error naming the init-param or property.
 *
 * <p>Public only because the Spring starter ({@code dev.lanyard.spring}) maps its properties into it; it is not meant
 * for applications (they use {@link LanyardFilter#newBuilder()}) and may change without notice.
 *
 * <p>Thread-safe: immutable. The {@link Builder} is not thread-safe.
 */
public final class InboundSettings {
  /** The default longest token lifetime accepted. */
  public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = JwtSvidVerifier.Builder.DEFAULT_MAX_TOKEN_LIFETIME;
  /** The largest value the longest token lifetime may be set to. */
  public static final Duration MAX_MAX_TOKEN_LIFETIME = Duration.ofHours(24);
  /** The default allowed clock skew. */
  public static final Duration DEFAULT_CLOCK_SKEW = JwtSvidVerifier.Builder.DEFAULT_CLOCK_SKEW;
  /** The largest allowed clock skew. */
  public static final Duration MAX_CLOCK_SKEW = JwtSvidVerifier.Builder.MAX_CLOCK_SKEW;
  /** The default staleness bound of a bundle fetched from a URL: 1 h. */
  public static final Duration DEFAULT_BUNDLE_MAX_STALENESS = HttpBundleSource.DEFAULT_MAX_STALENESS;
  /** The largest staleness bound of a bundle fetched from a URL: 7 days. */
  public static final Duration MAX_BUNDLE_MAX_STALENESS = Duration.ofDays(7);

  /** The settings, as named in errors. Each adapter has its own name for each (init-param, property). */
  public enum Setting {
    TRUST_DOMAIN("trust domain"),
    AUDIENCE("audience"),
    BUNDLE("bundle"),
    ALLOW_INSECURE_HTTP_BUNDLE("insecure http bundle"),
    MAX_TOKEN_LIFETIME("maximum token lifetime"),
    CLOCK_SKEW("clock skew"),
    ALLOW_UNNORMALIZED_PATHS("unnormalized paths"),
    BUNDLE_MAX_STALENESS("bundle max staleness");

    private final String description;

    Setting(String description) {
      this.description = description;
    }

    /** The setting in words, e.g. {@code maximum token lifetime}. */
    public String description() {
      return description;
    }
  }

  /**
   * A setting refused, with the problem in words ({@code must be between 0 and 5m}). The message is the setting's
   * description followed by the problem; adapters name the setting their own way.
   */
  public static final class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final Setting setting;
    private final String problem;
    private final @Nullable Setting remedy;

    InvalidSettingException(Setting setting, String problem, @Nullable Setting remedy) {
      super(setting.description() + " " + problem);
      this.setting = setting;
      this.problem = problem;
      this.remedy = remedy;
    }

    /** The setting refused. */
    public Setting setting() {
      return setting;
    }

    /** What is wrong, without the setting's name, e.g. {@code must be more than 0 and at most 24h}. */
    public String problem() {
      return problem;
    }

    /** The flag that would relax the refusal, when there is one (e.g. the insecure-http opt-in). */
    public Optional<Setting> remedy() {
      return Optional.ofNullable(remedy);
    }
  }

  private final TrustDomain trustDomain;
  private final String audience;
  private final @Nullable String bundle;
  private final boolean allowInsecureHttpBundle;
  private final Duration maxTokenLifetime;
  private final Duration clockSkew;
  private final boolean allowUnnormalizedPaths;
  private final Duration bundleMaxStaleness;

  private InboundSettings(Builder b) {
    this.trustDomain = Objects.requireNonNull(b.trustDomain);
    this.audience = Objects.requireNonNull(b.audience);
    this.bundle = b.bundle;
    this.allowInsecureHttpBundle = b.allowInsecureHttpBundle;
    this.maxTokenLifetime = b.maxTokenLifetime == null ? DEFAULT_MAX_TOKEN_LIFETIME : b.maxTokenLifetime;
    this.clockSkew = b.clockSkew == null ? DEFAULT_CLOCK_SKEW : b.clockSkew;
    this.allowUnnormalizedPaths = b.allowUnnormalizedPaths;
    this.bundleMaxStaleness = b.bundleMaxStaleness == null ? DEFAULT_BUNDLE_MAX_STALENESS : b.bundleMaxStaleness;
  }

  /** A builder: trust domain and audience are required, everything else has its default. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The trust domain whose bundle verifies callers. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The realm of {@code Bearer} challenges: the trust domain's name. */
  public String realm() {
    return trustDomain.name();
  }

  /** The audience inbound tokens must carry. */
  public String audience() {
    return audience;
  }

  /** The bundle location as written (a file, a resource, or an http(s) URL), when one is set. */
  public Optional<String> bundle() {
    return Optional.ofNullable(bundle);
  }

  /** True when the bundle location is an {@code http://} or {@code https://} URL. */
  public boolean isHttpBundle() {
    return bundle != null && isHttp(bundle);
  }

  /** True when a cleartext {@code http://} bundle URL is accepted (INSECURE, tests only). */
  public boolean allowInsecureHttpBundle() {
    return allowInsecureHttpBundle;
  }

  /**
   * How long the last good bundle fetched from a URL is served while refreshes fail; beyond it requests that need
   * the bundle get 503.
   */
  public Duration bundleMaxStaleness() {
    return bundleMaxStaleness;
  }

  /** The longest token lifetime accepted. */
  public Duration maxTokenLifetime() {
    return maxTokenLifetime;
  }

  /** The allowed clock skew. */
  public Duration clockSkew() {
    return clockSkew;
  }

  /** True when requests whose raw path is not in normal form are let through (not recommended). */
  public boolean allowUnnormalizedPaths() {
    return allowUnnormalizedPaths;
  }

  /**
   * The bundle source of an http(s) bundle location, with the staleness bound and the insecure opt-in when set; the
   * first fetch completes before it returns.
   *
   * @throws IllegalStateException when the bundle location is not an http(s) URL
   * @throws IllegalArgumentException when the URL is not usable
   * @throws BundleUnavailableException when the first fetch does not complete in time
   */
  public HttpBundleSource httpBundleSource() throws BundleUnavailableException {
    if (bundle == null || !isHttp(bundle)) {
      throw new IllegalStateException("the bundle is not an http(s) URL");
    }
    HttpBundleSource.Builder builder = HttpBundleSource.newBuilder(trustDomain, URI.create(bundle))
        .maxStaleness(bundleMaxStaleness);
    if (allowInsecureHttpBundle) {
      builder.allowInsecureHttp();
    }
    return builder.build();
  }

  /**
   * A filter builder with every setting here applied; the caller adds the bundle source, the policy, and optionally
   * clock, audit sink and revocations.
   */
  public LanyardFilter.Builder newFilterBuilder() {
    LanyardFilter.Builder builder = LanyardFilter.newBuilder().trustDomain(trustDomain).audience(audience)
        .maxTokenLifetime(maxTokenLifetime).clockSkew(clockSkew);
    if (allowUnnormalizedPaths) {
      builder.allowUnnormalizedPaths();
    }
    return builder;
  }

  @Override
  public String toString() {
    return "InboundSettings[trustDomain=" + trustDomain + ", audience=" + audience + ", bundle=" + bundle
        + ", allowInsecureHttpBundle=" + allowInsecureHttpBundle + ", maxTokenLifetime=" + maxTokenLifetime
        + ", clockSkew=" + clockSkew + ", allowUnnormalizedPaths=" + allowUnnormalizedPaths
        + ", bundleMaxStaleness=" + bundleMaxStaleness + "]";
  }

  /**
   * Checks a longest token lifetime: more than 0, at most {@link #MAX_MAX_TOKEN_LIFETIME}.
   *
   * @throws InvalidSettingException when out of range
   */
  static Duration checkMaxTokenLifetime(Duration value) {
    Objects.requireNonNull(value, "maxTokenLifetime");
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_MAX_TOKEN_LIFETIME) > 0) {
      throw new InvalidSettingException(Setting.MAX_TOKEN_LIFETIME, "must be more than 0 and at most 24h", null);
    }
    return value;
  }

  /**
   * Checks a clock skew: from 0 to {@link #MAX_CLOCK_SKEW}.
   *
   * @throws InvalidSettingException when out of range
   */
  static Duration checkClockSkew(Duration value) {
    Objects.requireNonNull(value, "clockSkew");
    if (value.isNegative() || value.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new InvalidSettingException(Setting.CLOCK_SKEW, "must be between 0 and 5m", null);
    }
    return value;
  }

  /**
   * Checks a staleness bound: more than 0, at most {@link #MAX_BUNDLE_MAX_STALENESS}.
   *
   * @throws InvalidSettingException when out of range
   */
  static Duration checkBundleMaxStaleness(Duration value) {
    Objects.requireNonNull(value, "bundleMaxStaleness");
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_BUNDLE_MAX_STALENESS) > 0) {
      throw new InvalidSettingException(Setting.BUNDLE_MAX_STALENESS, "must be more than 0 and at most 7d", null);
    }
    return value;
  }

  private static boolean isHttp(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://");
  }

  private static boolean isCleartextHttp(String value) {
    return value.regionMatches(true, 0, "http://", 0, 7);
  }

  /**
   * Builds {@link InboundSettings}, strict at once: each setter checks its value and each setting may be set once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable TrustDomain trustDomain;
    private @Nullable String audience;
    private @Nullable String bundle;
    private boolean allowInsecureHttpBundle;
    private @Nullable Duration maxTokenLifetime;
    private @Nullable Duration clockSkew;
    private boolean allowUnnormalizedPaths;
    private @Nullable Duration bundleMaxStaleness;

    private Builder() {}

    private static void unset(@Nullable Object current, Setting setting) {
      if (current != null) {
        throw new IllegalStateException(setting.description() + " was already set");
      }
    }

    /** The trust domain whose bundle verifies callers (also the realm of challenges). Required. */
    public Builder trustDomain(TrustDomain trustDomain) {
      unset(this.trustDomain, Setting.TRUST_DOMAIN);
      this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
      return this;
    }

    /**
     * The audience tokens must carry. Required.
     *
     * @throws InvalidSettingException when blank
     */
    public Builder audience(String audience) {
      unset(this.audience, Setting.AUDIENCE);
      Objects.requireNonNull(audience, "audience");
      if (audience.isBlank()) {
        throw new InvalidSettingException(Setting.AUDIENCE, "is required", null);
      }
      this.audience = audience;
      return this;
    }

    /**
     * Where the bundle comes from, as written: a file, a resource, or an http(s) URL. Optional.
     *
     * @throws InvalidSettingException when blank
     */
    public Builder bundle(String location) {
      unset(this.bundle, Setting.BUNDLE);
      Objects.requireNonNull(location, "location");
      if (location.isBlank()) {
        throw new InvalidSettingException(Setting.BUNDLE, "must not be blank", null);
      }
      this.bundle = location;
      return this;
    }

    /** INSECURE: accept a cleartext {@code http://} bundle URL. For tests only. */
    public Builder allowInsecureHttpBundle() {
      if (allowInsecureHttpBundle) {
        throw new IllegalStateException(Setting.ALLOW_INSECURE_HTTP_BUNDLE.description() + " was already set");
      }
      allowInsecureHttpBundle = true;
      return this;
    }

    /**
     * The longest token lifetime accepted (default {@link #DEFAULT_MAX_TOKEN_LIFETIME}).
     *
     * @throws InvalidSettingException unless more than 0 and at most {@link #MAX_MAX_TOKEN_LIFETIME}
     */
    public Builder maxTokenLifetime(Duration maxTokenLifetime) {
      unset(this.maxTokenLifetime, Setting.MAX_TOKEN_LIFETIME);
      this.maxTokenLifetime = checkMaxTokenLifetime(maxTokenLifetime);
      return this;
    }

    /**
     * The allowed clock skew (default {@link #DEFAULT_CLOCK_SKEW}).
     *
     * @throws InvalidSettingException unless from 0 to {@link #MAX_CLOCK_SKEW}
     */
    public Builder clockSkew(Duration clockSkew) {
      unset(this.clockSkew, Setting.CLOCK_SKEW);
      this.clockSkew = checkClockSkew(clockSkew);
      return this;
    }

    /**
     * How long the last good bundle fetched from a URL is served while refreshes fail (default
     * {@link #DEFAULT_BUNDLE_MAX_STALENESS}). Applies to every bundle fetched from a URL; a bundle file never goes
     * stale.
     *
     * @throws InvalidSettingException unless more than 0 and at most {@link #MAX_BUNDLE_MAX_STALENESS}
     */
    public Builder bundleMaxStaleness(Duration bundleMaxStaleness) {
      unset(this.bundleMaxStaleness, Setting.BUNDLE_MAX_STALENESS);
      this.bundleMaxStaleness = checkBundleMaxStaleness(bundleMaxStaleness);
      return this;
    }

    /** Lets requests through whose raw path is not in normal form; see {@link LanyardFilter.Builder}. */
    public Builder allowUnnormalizedPaths() {
      if (allowUnnormalizedPaths) {
        throw new IllegalStateException(Setting.ALLOW_UNNORMALIZED_PATHS.description() + " was already set");
      }
      allowUnnormalizedPaths = true;
      return this;
    }

    /**
     * The settings. The builder stays usable.
     *
     * @throws IllegalStateException when the trust domain or the audience is missing
     * @throws InvalidSettingException naming {@link Setting#BUNDLE} when it is a cleartext http URL without
     *     {@link #allowInsecureHttpBundle()}
     */
    public InboundSettings build() {
      if (trustDomain == null || audience == null) {
        throw new IllegalStateException("trust domain and audience are required");
      }
      if (bundle != null && isCleartextHttp(bundle) && !allowInsecureHttpBundle) {
        throw new InvalidSettingException(Setting.BUNDLE, "is cleartext http: bundles must come over https",
            Setting.ALLOW_INSECURE_HTTP_BUNDLE);
      }
      return new InboundSettings(this);
    }
  }
}
