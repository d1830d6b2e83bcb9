package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.policy.Challenge;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes JWT-SVID verification against a real bundle of real keys (EC P-256, EC P-384, RSA 2048) at a fixed instant.
 * Allowed outcomes: acceptance with consistent claims, or {@link JwtSvidRejectedException} with a reason; any other
 * exception, a disagreement between a cached and an uncached answer, or a token accepted with an algorithm or key
 * other than the one that signed it is a finding.
 *
 * <p>{@link #verifyToken} takes the input as the token itself (structure, base64url, JSON, header rules, key
 * lookup). {@link #verifySignedToken} signs the fuzzed header and claims for real, so that every check after the
 * signature is reached: input byte 0 picks the signer ({@link #SIGNERS}, by its low three bits, so {@code '0'} to
 * {@code '7'} in a seed file), then the header JSON, a line feed, and the claims JSON.
 */
class JwtSvidVerifierFuzzTest {
  static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  /** 2026-01-01T00:00:00Z, the instant every token is judged at (seed claims are written against it). */
  static final Instant NOW = Instant.ofEpochSecond(1_767_225_600L);

  private static final KeyPair EC_256 = JwsSigning.generateKeyPair(JwtAlgorithm.ES256);
  private static final KeyPair EC_384 = JwsSigning.generateKeyPair(JwtAlgorithm.ES384);
  private static final KeyPair RSA = JwsSigning.generateKeyPair(JwtAlgorithm.RS256);
  private static final KeyPair STRANGER = JwsSigning.generateKeyPair(JwtAlgorithm.ES256);

  private record Signer(JwtAlgorithm algorithm, KeyPair keyPair, String keyId) {}

  /** Who signs in {@link #verifySignedToken}, by input byte 0; the last key is not in the bundle. */
  private static final Signer[] SIGNERS = {
      new Signer(JwtAlgorithm.ES256, EC_256, "ec-256"),
      new Signer(JwtAlgorithm.ES384, EC_384, "ec-384"),
      new Signer(JwtAlgorithm.RS256, RSA, "rsa"),
      new Signer(JwtAlgorithm.PS256, RSA, "rsa"),
      new Signer(JwtAlgorithm.RS512, RSA, "rsa"),
      new Signer(JwtAlgorithm.PS512, RSA, "rsa"),
      new Signer(JwtAlgorithm.ES256, EC_256, "ec-256-pinned"),
      new Signer(JwtAlgorithm.ES256, STRANGER, "stranger"),
  };

  private static final JwtSvidVerifier CACHED;
  private static final JwtSvidVerifier UNCACHED;

  static {
    TrustBundle bundle = TrustBundle.newBuilder(TRUST_DOMAIN)
        .addJwtKey(JwtKey.of("ec-256", EC_256.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("ec-384", EC_384.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("rsa", RSA.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("ec-256-pinned", EC_256.getPublic(), Optional.of(JwtAlgorithm.ES256)))
        .build();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    RevocationList revocations = new RevocationList(clock, Duration.ofHours(1));
    revocations.revokeToken("revoked-jti");
    revocations.revokeSubject(SpiffeId.parse("spiffe://example.org/revoked"),
        NOW.minusSeconds(60));
    BundleSource source = BundleSource.of(bundle);
    CACHED = JwtSvidVerifier.newBuilder().bundleSource(source).audience(AUDIENCE).clock(clock)
        .revocations(revocations).build();
    UNCACHED = JwtSvidVerifier.newBuilder().bundleSource(source).audience(AUDIENCE).clock(clock)
        .revocations(revocations).disableCache().build();
  }

  /** The input, as UTF-8 text, is the token. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void verifyToken(byte[] input) {
    String token = new String(input, StandardCharsets.UTF_8);
    Outcome first = verify(CACHED, token);
    assertThat(verify(UNCACHED, token)).isEqualTo(first);
    assertThat(verify(CACHED, token)).isEqualTo(first);
  }

  /** Byte 0 picks the signer; the rest is header JSON, a line feed, claims JSON, signed for real. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void verifySignedToken(byte[] input) {
    if (input.length == 0) {
      return;
    }
    Signer signer = SIGNERS[input[0] & 0x07];
    String rest = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    int newline = rest.indexOf('\n');
    String header = newline < 0 ? rest : rest.substring(0, newline);
    String claims = newline < 0 ? "{}" : rest.substring(newline + 1);
    String signingInput = HandmadeJws.signingInput(header, claims);
    byte[] signature = JwsSigning.sign(signer.algorithm(), signer.keyPair().getPrivate(),
        signingInput.getBytes(StandardCharsets.US_ASCII));
    String token = signingInput + "." + HandmadeJws.b64(signature);

    Outcome first = verify(CACHED, token);
    assertThat(verify(UNCACHED, token)).isEqualTo(first);
    assertThat(verify(CACHED, token)).isEqualTo(first);
    if (first.accepted() != null) {
      // Accepted only under the algorithm that signed, and a kid naming the key that signed (two names for EC_256).
      assertThat(first.accepted().algorithm()).isEqualTo(signer.algorithm());
      assertThat(signer.keyPair()).isNotSameAs(STRANGER);
      String keyId = first.accepted().keyId();
      assertThat(keyId.equals(signer.keyId())
          || signer.keyPair() == EC_256 && (keyId.equals("ec-256") || keyId.equals("ec-256-pinned"))).isTrue();
    }
  }

  /** What a verification came to: the verified token and its claims as text, or the rejection reason. */
  private record Outcome(VerifiedJwtSvid accepted, String claims, JwtSvidRejectedException.Reason reason) {
    /** Compares what was decided, not token instances (the cache hands back the same one, a full run a new one). */
    @Override
    public boolean equals(Object o) {
      return o instanceof Outcome && Objects.equals(claims, ((Outcome) o).claims)
          && reason == ((Outcome) o).reason;
    }

    @Override
    public int hashCode() {
      return Objects.hash(claims, reason);
    }
  }

  private static Outcome verify(JwtSvidVerifier verifier, String token) {
    try {
      VerifiedJwtSvid verified = verifier.verify(token);
      checkAccepted(verified);
      return new Outcome(verified, verified.subject() + " " + verified.audience() + " " + verified.scopes() + " "
          + verified.expiresAt() + " " + verified.issuedAt() + " " + verified.keyId() + " " + verified.tokenId()
          + " " + verified.issuer() + " " + verified.algorithm(), null);
    } catch (JwtSvidRejectedException rejected) {
      assertThat(rejected.reason()).isNotNull();
      assertThat(Challenge.invalidToken(rejected.reason().description()).status()).isEqualTo(401);
      if (token.length() > 80) {
        assertThat(rejected.getMessage()).doesNotContain(token);
      }
      return new Outcome(null, null, rejected.reason());
    }
  }

  private static void checkAccepted(VerifiedJwtSvid verified) {
    assertThat(verified.subject().isMemberOf(TRUST_DOMAIN)).isTrue();
    assertThat(verified.subject().isTrustDomainId()).isFalse();
    assertThat(verified.audience()).contains(AUDIENCE);
    assertThat(verified.expiresAt()).isAfter(NOW.minus(JwtSvidVerifier.Builder.DEFAULT_CLOCK_SKEW));
    Instant start = verified.issuedAt().orElse(NOW);
    assertThat(Duration.between(start, verified.expiresAt()))
        .isLessThanOrEqualTo(JwtSvidVerifier.Builder.DEFAULT_MAX_TOKEN_LIFETIME);
    verified.issuedAt().ifPresent(iat -> assertThat(iat).isBeforeOrEqualTo(NOW.plusSeconds(30)));
    assertThat(verified.tokenId()).isNotEqualTo(Optional.of("revoked-jti"));
    assertThat(verified.toString()).isNotBlank();
  }
}
