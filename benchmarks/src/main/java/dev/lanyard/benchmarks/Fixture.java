package dev.lanyard.benchmarks;

import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What every benchmark shares: one JWT-SVID shape (header {@code alg}, {@code kid}, {@code typ}; claims {@code sub},
 * one {@code aud}, {@code exp}, {@code iat}, {@code jti} and a two-scope {@code scope}), signed by Lanyard's own
 * {@link JwtSvid.Builder}, and the keys that sign it.
 */
final class Fixture {
  static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  static final SpiffeId SUBJECT = SpiffeId.parse("spiffe://example.org/orders");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final List<String> AUDIENCES = List.of(AUDIENCE);
  static final List<String> SCOPES = List.of("payments:read", "payments:write");
  /** Tokens live 30 minutes: longer than any benchmark trial, within the verifiers' default 1 h maximum. */
  static final Duration TOKEN_LIFETIME = Duration.ofMinutes(30);
  /** Distinct tokens cycled through, a power of two. */
  static final int TOKENS = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Fixture() {}

  /** A random key id of the length the embedded authority uses (128 bits, base64url). */
  static String newKeyId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return Base64Url.encode(id);
  }

  /** A key pair for {@code algorithm}: its curve, or RSA-2048. */
  static KeyPair keyPair(JwtAlgorithm algorithm) {
    return JwsSigning.generateKeyPair(algorithm);
  }

  /** {@code count} distinct tokens (distinct {@code jti}) of the shared shape, issued now. */
  static String[] tokens(JwtAlgorithm algorithm, String keyId, KeyPair keys, int count) {
    Instant now = Instant.now();
    String[] tokens = new String[count];
    for (int i = 0; i < count; i++) {
      tokens[i] = JwtSvid.newBuilder()
          .subject(SUBJECT)
          .audience(AUDIENCES)
          .scopes(SCOPES)
          .validity(now, now.plus(TOKEN_LIFETIME))
          .sign(algorithm, keyId, keys.getPrivate())
          .token();
    }
    return tokens;
  }

  /** A Lanyard bundle source holding just this key, pinned to its algorithm. */
  static BundleSource bundleSource(JwtAlgorithm algorithm, String keyId, KeyPair keys) {
    return BundleSource.of(TrustBundle.newBuilder(TRUST_DOMAIN)
        .addJwtKey(JwtKey.of(keyId, keys.getPublic(), Optional.of(algorithm)))
        .build());
  }

  /** The signing input ({@code header.payload}) of a compact JWS, as bytes. */
  static byte[] signingInput(String token) {
    return token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
  }

  /** The decoded signature of a compact JWS. */
  static byte[] signature(String token) {
    return Base64Url.decode(token, token.lastIndexOf('.') + 1, token.length());
  }

  /** Fails the trial at once when a peer is misconfigured, instead of measuring an exception path. */
  static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("benchmark fixture broken: " + what);
    }
  }
}
