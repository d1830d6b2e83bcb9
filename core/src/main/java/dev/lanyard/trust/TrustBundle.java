package dev.lanyard.trust;

import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.Text;
import dev.lanyard.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The trust bundle of one trust domain: its JWT-SVID signing keys and X.509-SVID roots, with the SPIFFE bundle's
 * sequence number and refresh hint. Immutable; a changed bundle is a new instance.
 *
 * <p>{@link #parse(TrustDomain, String)} reads a SPIFFE bundle (or any JWK Set whose entries carry
 * {@code use: "jwt-svid"} / {@code "x509-svid"}). Keys that cannot be used are skipped and listed in
 * {@link #skippedKeys()}: an unknown {@code kty}, a key type or curve outside the JWT-SVID algorithms (an Ed25519 OKP
 * key, say), a symmetric key, private key material, a {@code use} other than {@code jwt-svid}/{@code x509-svid}, a JWT
 * key without {@code kid}, RSA under 2048 bits or with an exponent below 65537, an {@code alg} that is not a JWT-SVID
 * algorithm or does not fit the key, {@code key_ops} without {@code verify}, and every key whose {@code kid} appears
 * twice (compared exactly, character for character; {@link SkippedKey#keyId()} shows only a printable form). Only a
 * document that is not a JSON JWK Set is refused as a whole ({@link BundleFormatException}). Reading and writing
 * the document is {@code BundleCodec}'s job; this is the value.
 *
 * <p>Thread-safe: immutable. {@link Builder} is not thread-safe.
 */
public final class TrustBundle {
  /** Largest bundle document accepted, in characters. */
  public static final int MAX_DOCUMENT_LENGTH = 4 * 1024 * 1024;


  private final TrustDomain trustDomain;
  private final Map<String, JwtKey> jwtKeys;
  private final List<X509Certificate> x509Authorities;
  private final long sequence;
  private final @Nullable Duration refreshHint;
  private final List<SkippedKey> skippedKeys;

  private TrustBundle(TrustDomain trustDomain, Map<String, JwtKey> jwtKeys, List<X509Certificate> x509Authorities,
      long sequence, @Nullable Duration refreshHint, List<SkippedKey> skippedKeys) {
    this.trustDomain = trustDomain;
    this.jwtKeys = jwtKeys;
    this.x509Authorities = List.copyOf(x509Authorities);
    this.sequence = sequence;
    this.refreshHint = refreshHint;
    this.skippedKeys = List.copyOf(skippedKeys);
  }

  /** A builder for a bundle of {@code trustDomain}. */
  public static Builder newBuilder(TrustDomain trustDomain) {
    return new Builder(Objects.requireNonNull(trustDomain, "trustDomain"));
  }

  /** The trust domain whose bundle this is. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The JWT-SVID signing key whose id is exactly {@code keyId} (no normalisation), if the bundle has it. */
  public Optional<JwtKey> jwtKey(String keyId) {
    return Optional.ofNullable(jwtKeys.get(keyId));
  }

  /** All JWT-SVID signing keys, in document order. */
  public List<JwtKey> jwtKeys() {
    return List.copyOf(jwtKeys.values());
  }

  /** The X.509-SVID roots (trust anchors). */
  public List<X509Certificate> x509Authorities() {
    return x509Authorities;
  }

  /** The SPIFFE bundle sequence number ({@code spiffe_sequence}), if present. */
  public OptionalLong sequence() {
    return sequence < 0 ? OptionalLong.empty() : OptionalLong.of(sequence);
  }

  /**
   * How often consumers should refresh the bundle ({@code spiffe_refresh_hint}), if present. Zero (an endpoint's
   * "as often as you can") is kept as written; consumers clamp it ({@link HttpBundleSource} to at least 1 s).
   */
  public Optional<Duration> refreshHint() {
    return Optional.ofNullable(refreshHint);
  }

  /** Keys of the parsed document that were not imported, with the reason for each. Empty for built bundles. */
  public List<SkippedKey> skippedKeys() {
    return skippedKeys;
  }

  /**
   * Parses a SPIFFE bundle document of {@code trustDomain}.
   *
   * @throws BundleFormatException when the document is not a JSON JWK Set (a {@code keys} array of objects)
   */
  public static TrustBundle parse(TrustDomain trustDomain, String json) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(json, "json");
    return BundleCodec.parse(trustDomain, json);
  }

  /** This bundle as a SPIFFE bundle document (JWK Set with {@code use}, {@code spiffe_sequence}, refresh hint). */
  public String toJson() {
    return BundleCodec.toJson(this);
  }

  /**
   * The JWT keys as a plain JWK Set for OIDC-style consumers: {@code use: "sig"} and an {@code alg} on every key (the
   * pinned one, else the natural one for the key: ES256/ES384/ES512 by curve, RS256 for RSA).
   */
  public String toJwksJson() {
    return BundleCodec.toJwksJson(this);
  }

  /** The X.509 roots as concatenated PEM certificates. */
  public String toPem() {
    return Certificates.pem(x509Authorities);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof TrustBundle)) {
      return false;
    }
    TrustBundle other = (TrustBundle) o;
    return trustDomain.equals(other.trustDomain) && jwtKeys.equals(other.jwtKeys)
        && x509Authorities.equals(other.x509Authorities) && sequence == other.sequence
        && Objects.equals(refreshHint, other.refreshHint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(trustDomain, jwtKeys.keySet(), sequence);
  }

  /** Metadata only: trust domain, key ids (printable form), number of roots, sequence. */
  @Override
  public String toString() {
    List<String> kids = new ArrayList<>(jwtKeys.size());
    for (String kid : jwtKeys.keySet()) {
      kids.add(Text.printable(kid));
    }
    return "TrustBundle[" + trustDomain + ", jwtKeys=" + kids + ", x509Authorities="
        + x509Authorities.size() + (sequence >= 0 ? ", sequence=" + sequence : "") + "]";
  }

  /** Builds a {@link TrustBundle}. Reusable after {@link #build()}. */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private final Map<String, JwtKey> jwtKeys = new LinkedHashMap<>();
    private final List<X509Certificate> x509Authorities = new ArrayList<>();
    private final List<SkippedKey> skipped = new ArrayList<>();
    private final Set<X509Certificate> seenAuthorities = new HashSet<>();
    private long sequence = -1;
    private @Nullable Duration refreshHint;

    private Builder(TrustDomain trustDomain) {
      this.trustDomain = trustDomain;
    }

    /**
     * Adds a JWT signing key.
     *
     * @throws IllegalArgumentException when a key with the same id is already in the bundle
     */
    public Builder addJwtKey(JwtKey key) {
      Objects.requireNonNull(key, "key");
      if (jwtKeys.putIfAbsent(key.keyId(), key) != null) {
        throw new IllegalArgumentException("key id " + Text.printable(key.keyId()) + " is already in the bundle");
      }
      return this;
    }

    /** Adds JWT signing keys. */
    public Builder addJwtKeys(Collection<JwtKey> keys) {
      keys.forEach(this::addJwtKey);
      return this;
    }

    /** Adds an X.509 root; adding the same certificate twice keeps one. */
    public Builder addX509Authority(X509Certificate root) {
      Objects.requireNonNull(root, "root");
      if (seenAuthorities.add(root)) {
        x509Authorities.add(root);
      }
      return this;
    }

    /** Sets the SPIFFE bundle sequence number (0 or more). */
    public Builder sequence(long sequence) {
      if (sequence < 0) {
        throw new IllegalArgumentException("sequence must not be negative");
      }
      this.sequence = sequence;
      return this;
    }

    /** Sets the refresh hint (zero or more; consumers clamp a tiny one). */
    public Builder refreshHint(Duration refreshHint) {
      Objects.requireNonNull(refreshHint, "refreshHint");
      if (refreshHint.isNegative()) {
        throw new IllegalArgumentException("refresh hint must not be negative");
      }
      this.refreshHint = refreshHint;
      return this;
    }

    /** Records keys of a parsed document that were not imported; for {@code BundleCodec}. */
    Builder addSkipped(Collection<SkippedKey> keys) {
      skipped.addAll(keys);
      return this;
    }

    /** The bundle. */
    public TrustBundle build() {
      return new TrustBundle(trustDomain, copyOrdered(jwtKeys),
          x509Authorities, sequence, refreshHint, skipped);
    }

    private static Map<String, JwtKey> copyOrdered(Map<String, JwtKey> keys) {
      return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }
  }
}
