package dev.lanyard.jwt;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.RevocationList;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies JWT-SVIDs strictly (SPIFFE JWT-SVID spec and RFC 8725). Thread-safe; build one per audience and share it.
 *
 * <pre>{@code
 * JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
 *     .bundleSource(authority.bundleSource())
 *     .audience("spiffe://example.org/payments")
 *     .build();
 * VerifiedJwtSvid caller = verifier.verify(token);   // or JwtSvidRejectedException with a reason
 * }</pre>
 */
public interface JwtSvidVerifier {
  /**
   * Verifies {@code token}.
   *
   * @return the verified token
   * @throws JwtSvidRejectedException when the token is rejected, with the reason
   * @throws BundleUnavailableException when the bundle needed cannot be had right now (not the token's fault)
   */
  VerifiedJwtSvid verify(String token) throws JwtSvidRejectedException;

  /** A builder with strict defaults. */
  static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Builds a verifier. Strict by default: audience required, clock skew 30 s (at most 5 min), maximum token lifetime
   * 1 h, all JWT-SVID algorithms, a verified-token cache of 10 000 entries, tokens of at most 16 KiB. Each option can
   * be set once; setting it again throws {@link IllegalStateException}. The builder can be reused after
   * {@link #build()}.
   */
  final class Builder {
    /** Default allowed clock skew. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Largest clock skew that can be configured. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** Default maximum token lifetime. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(1);
    /** Default size of the verified-token cache. */
    public static final long DEFAULT_CACHE_SIZE = 10_000;
    /** Default largest token accepted, in characters. */
    public static final int DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;
    /** Largest configurable token size, in characters. */
    public static final int MAX_TOKEN_LENGTH_LIMIT = 1024 * 1024;

    @Nullable BundleSource bundleSource;
    @Nullable Set<String> audiences;
    @Nullable Set<TrustDomain> trustDomains;
    @Nullable Set<JwtAlgorithm> algorithms;
    @Nullable Duration clockSkew;
    @Nullable Duration maxTokenLifetime;
    @Nullable Clock clock;
    @Nullable RevocationList revocations;
    long cacheSize = -1;
    int maxTokenLength = -1;
    @Nullable VerificationListener listener;

    Builder() {}

    /** Where the trust bundles come from. Required. */
    public Builder bundleSource(BundleSource bundleSource) {
      requireUnset(this.bundleSource, "bundleSource");
      this.bundleSource = Objects.requireNonNull(bundleSource, "bundleSource");
      return this;
    }

    /** The audience tokens must carry (usually this service's SPIFFE ID); more may be given, any one suffices. */
    public Builder audience(String audience, String... more) {
      requireUnset(this.audiences, "audience");
      Set<String> set = new LinkedHashSet<>();
      set.add(requireNonEmpty(audience, "audience"));
      for (String a : more) {
        set.add(requireNonEmpty(a, "audience"));
      }
      this.audiences = Set.copyOf(set);
      return this;
    }

    /**
     * Accept only subjects of these trust domains. By default, any trust domain the bundle source has a bundle for.
     */
    public Builder trustDomains(TrustDomain first, TrustDomain... more) {
      requireUnset(this.trustDomains, "trustDomains");
      Set<TrustDomain> set = new LinkedHashSet<>();
      set.add(Objects.requireNonNull(first, "trustDomain"));
      for (TrustDomain td : more) {
        set.add(Objects.requireNonNull(td, "trustDomain"));
      }
      this.trustDomains = Set.copyOf(set);
      return this;
    }

    /** Accept only these algorithms. By default all JWT-SVID algorithms (RS/ES/PS 256/384/512). */
    public Builder algorithms(JwtAlgorithm first, JwtAlgorithm... more) {
      requireUnset(this.algorithms, "algorithms");
      EnumSet<JwtAlgorithm> set = EnumSet.of(Objects.requireNonNull(first, "algorithm"));
      set.addAll(Arrays.asList(more));
      this.algorithms = set;
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

    /**
     * Longest token lifetime accepted, {@code exp - iat} (or {@code exp - now} without {@code iat}); default 1 h.
     */
    public Builder maxTokenLifetime(Duration maxTokenLifetime) {
      requireUnset(this.maxTokenLifetime, "maxTokenLifetime");
      Objects.requireNonNull(maxTokenLifetime, "maxTokenLifetime");
      if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
        throw new IllegalArgumentException("maximum token lifetime must be positive");
      }
      this.maxTokenLifetime = maxTokenLifetime;
      return this;
    }

    /** The clock to judge time by; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      requireUnset(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Revocations to honour; share one list between all verifiers of a process. None by default. */
    public Builder revocations(RevocationList revocations) {
      requireUnset(this.revocations, "revocations");
      this.revocations = Objects.requireNonNull(revocations, "revocations");
      return this;
    }

    /** Size of the verified-token cache (default 10 000). */
    public Builder cacheMaximumSize(long size) {
      if (cacheSize >= 0) {
        throw new IllegalStateException("cache size was already set (or the cache disabled)");
      }
      if (size <= 0) {
        throw new IllegalArgumentException("cache size must be positive; use disableCache() for none");
      }
      this.cacheSize = size;
      return this;
    }

    /** Verify every token in full, with no verified-token cache. */
    public Builder disableCache() {
      if (cacheSize >= 0) {
        throw new IllegalStateException("cache size was already set (or the cache disabled)");
      }
      this.cacheSize = 0;
      return this;
    }

    /** Largest token accepted, in characters (default 16 KiB, at most 1 MiB). */
    public Builder maxTokenLength(int maxTokenLength) {
      if (this.maxTokenLength >= 0) {
        throw new IllegalStateException("maxTokenLength was already set");
      }
      if (maxTokenLength < 64 || maxTokenLength > MAX_TOKEN_LENGTH_LIMIT) {
        throw new IllegalArgumentException("maximum token length must be between 64 and " + MAX_TOKEN_LENGTH_LIMIT);
      }
      this.maxTokenLength = maxTokenLength;
      return this;
    }

    /** Receives every decision, for audit. */
    public Builder listener(VerificationListener listener) {
      requireUnset(this.listener, "listener");
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The verifier.
     *
     * @throws IllegalStateException when the bundle source or the audience is missing
     */
    public JwtSvidVerifier build() {
      if (bundleSource == null) {
        throw new IllegalStateException("a bundle source is required");
      }
      if (audiences == null) {
        throw new IllegalStateException("an audience is required");
      }
      return new DefaultJwtSvidVerifier(this);
    }

    private static void requireUnset(@Nullable Object value, String name) {
      if (value != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    private static String requireNonEmpty(String value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isEmpty()) {
        throw new IllegalArgumentException(name + " must not be empty");
      }
      return value;
    }
  }
}
