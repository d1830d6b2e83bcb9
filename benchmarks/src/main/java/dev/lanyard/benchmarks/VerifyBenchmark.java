package dev.lanyard.benchmarks;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.VerificationKey;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.trust.BundleSource;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Verifying one JWT-SVID: Lanyard against its floors and its peers, per algorithm.
 *
 * <p>Every method checks the same token shape ({@link Fixture}) signed with the same key, and cycles through
 * {@value Fixture#TOKENS} distinct tokens (distinct {@code jti}, so distinct signatures) so that nothing a peer might
 * remember about the last token helps it. Every peer does comparable work: signature, {@code exp} and audience (and
 * whatever else it does by default), configured once, with its default crypto provider.
 * <ul>
 *   <li>{@code floorSignatureOnly}: {@link VerificationKey#verify} on precomputed signing input and signature bytes:
 *       the bare signature check with the provider Lanyard uses (BouncyCastle's lightweight ECDSA, the JDK's RSA).</li>
 *   <li>{@code floorParseAndVerify}: the least any verifier does: split at the dots, base64url-decode the three parts,
 *       parse header and claims JSON (Lanyard's strict parser), check the signature. No claim checks.</li>
 *   <li>{@code mapHitFloor}: a {@link ConcurrentHashMap} hit keyed by a fresh copy of the token string, as a token
 *       arrives from the network: the floor of any exact-match verified-token cache (hashing the string
 *       dominates).</li>
 *   <li>{@code mapHitAndClockFloor}: {@code mapHitFloor} plus one read of the system clock, compared with a deadline:
 *       the floor of any verified-token cache that checks on every hit that the token is still within its time (a
 *       correct cache must; a clock read costs 20-30 ns on a virtual machine's kvm-clock).</li>
 *   <li>{@code lanyardUncached}: Lanyard's verifier built with {@code disableCache()}: every check, every time.</li>
 *   <li>{@code lanyardCached}: Lanyard's default verifier, every token already verified once; each operation passes
 *       a fresh copy of the token string, like {@code mapHitFloor}.</li>
 *   <li>{@code nimbusProcessor}: nimbus-jose-jwt {@code DefaultJWTProcessor} with a {@code JWKSource} of the key and
 *       a claims verifier requiring {@code sub}, {@code exp} and the audience; built once.</li>
 *   <li>{@code springNimbusJwtDecoder}: Spring Security's {@code NimbusJwtDecoder} (from a {@code JWKSource}) with
 *       the default validators plus a {@code JwtAudienceValidator}.</li>
 *   <li>{@code javaSpiffe}: java-spiffe {@code JwtSvid.parseAndValidate} with a {@code JwtBundle}.</li>
 *   <li>{@code auth0JavaJwt}: auth0 java-jwt {@code JWTVerifier} requiring the audience, {@code exp} and
 *       {@code sub}; java-jwt has no PS256, so it runs for ES256, ES384 and RS256 only by default (ES512, RS384 and
 *       RS512 with {@code -p alg=...}).</li>
 *   <li>{@code jose4j}: jose4j {@code JwtConsumer} requiring {@code exp}, {@code sub} and the audience, the algorithm
 *       constrained to the one expected.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class VerifyBenchmark {
  private static final Clock SYSTEM_CLOCK = Clock.systemUTC();

  /** Keys and tokens of one algorithm, cycled through. */
  abstract static class Tokens {
    JwtAlgorithm algorithm;
    KeyPair keys;
    String keyId;
    String[] tokens;
    private int next;

    void init(String alg) {
      algorithm = JwtAlgorithm.valueOf(alg);
      keys = Fixture.keyPair(algorithm);
      keyId = Fixture.newKeyId();
      tokens = Fixture.tokens(algorithm, keyId, keys, Fixture.TOKENS);
    }

    final String nextToken() {
      int i = next;
      next = (i + 1) & (Fixture.TOKENS - 1);
      return tokens[i];
    }

    final int nextIndex() {
      int i = next;
      next = (i + 1) & (Fixture.TOKENS - 1);
      return i;
    }
  }

  /** Lanyard, its floors and the peers that support all four algorithms. */
  @State(Scope.Thread)
  public static class Shared extends Tokens {
    @Param({"ES256", "ES384", "RS256", "PS256"})
    public String alg;

    VerificationKey verificationKey;
    byte[][] signingInputs;
    byte[][] signatures;
    ConcurrentHashMap<String, Object> map;
    /** The deadline {@code mapHitAndClockFloor} compares the clock with: later than any run. */
    long hitDeadlineMillis = Long.MAX_VALUE;
    JwtSvidVerifier lanyardUncached;
    JwtSvidVerifier lanyardCached;
    DefaultJWTProcessor<SecurityContext> nimbus;
    NimbusJwtDecoder spring;
    JwtBundle spiffeBundle;
    Set<String> spiffeAudience;
    JwtConsumer jose4j;

    @Setup
    public void setUp() throws Exception {
      init(alg);
      verificationKey = VerificationKey.of(keys.getPublic());
      signingInputs = new byte[tokens.length][];
      signatures = new byte[tokens.length][];
      map = new ConcurrentHashMap<>();
      for (int i = 0; i < tokens.length; i++) {
        signingInputs[i] = Fixture.signingInput(tokens[i]);
        signatures[i] = Fixture.signature(tokens[i]);
        map.put(tokens[i], Boolean.TRUE);
      }
      BundleSource bundleSource = Fixture.bundleSource(algorithm, keyId, keys);
      lanyardUncached = JwtSvidVerifier.newBuilder().bundleSource(bundleSource).audience(Fixture.AUDIENCE)
          .disableCache().build();
      lanyardCached = JwtSvidVerifier.newBuilder().bundleSource(bundleSource).audience(Fixture.AUDIENCE).build();

      JWK jwk = keys.getPublic() instanceof ECPublicKey
          ? new ECKey.Builder(Curve.forECParameterSpec(((ECPublicKey) keys.getPublic()).getParams()),
              (ECPublicKey) keys.getPublic()).keyID(keyId).build()
          : new RSAKey.Builder((RSAPublicKey) keys.getPublic()).keyID(keyId).build();
      JWKSource<SecurityContext> jwkSource = new ImmutableJWKSet<>(new JWKSet(jwk));
      nimbus = new DefaultJWTProcessor<>();
      nimbus.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.parse(alg), jwkSource));
      nimbus.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(Fixture.AUDIENCE, null,
          Set.of("sub", "exp", "aud")));

      spring = NimbusJwtDecoder.withJwkSource(jwkSource).jwsAlgorithm(SignatureAlgorithm.from(alg)).build();
      spring.setJwtValidator(JwtValidators.createDefaultWithValidators(
          List.<OAuth2TokenValidator<Jwt>>of(new JwtAudienceValidator(Fixture.AUDIENCE))));

      spiffeBundle = new JwtBundle(io.spiffe.spiffeid.TrustDomain.parse(Fixture.TRUST_DOMAIN.name()),
          Map.of(keyId, keys.getPublic()));
      spiffeAudience = Set.of(Fixture.AUDIENCE);

      jose4j = new JwtConsumerBuilder()
          .setRequireExpirationTime()
          .setRequireSubject()
          .setExpectedAudience(Fixture.AUDIENCE)
          .setVerificationKey(keys.getPublic())
          .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, alg)
          .build();

      // Every path accepts every token before anything is measured (and the cache holds them all).
      for (String token : tokens) {
        Fixture.check(lanyardUncached.verify(token).subject().equals(Fixture.SUBJECT), "lanyard uncached");
        lanyardCached.verify(token);
        Fixture.check(nimbus.process(token, null).getSubject().equals(Fixture.SUBJECT.toString()), "nimbus");
        Fixture.check(spring.decode(token).getSubject().equals(Fixture.SUBJECT.toString()), "spring");
        Fixture.check(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(token, spiffeBundle, spiffeAudience)
            .getSpiffeId().toString().equals(Fixture.SUBJECT.toString()), "java-spiffe");
        Fixture.check(jose4j.processToClaims(token).getSubject().equals(Fixture.SUBJECT.toString()), "jose4j");
      }
      Fixture.check(floorParse(tokens[0]) != null, "floor");
    }

    Map<String, Object> floorParse(String token) throws ParseException {
      int dot1 = token.indexOf('.');
      int dot2 = token.indexOf('.', dot1 + 1);
      byte[] header = Base64Url.decode(token, 0, dot1);
      Map<String, Object> headerJson = Json.parseObject(new String(header, StandardCharsets.UTF_8), 4);
      byte[] payload = Base64Url.decode(token, dot1 + 1, dot2);
      Map<String, Object> claims = Json.parseObject(new String(payload, StandardCharsets.UTF_8), 8);
      byte[] signature = Base64Url.decode(token, dot2 + 1, token.length());
      byte[] input = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
      if (headerJson.isEmpty() || !verificationKey.verify(algorithm, input, signature)) {
        throw new IllegalStateException("floor: bad signature");
      }
      return claims;
    }
  }

  /** auth0 java-jwt, which has no RSA-PSS. */
  @State(Scope.Thread)
  public static class Auth0 extends Tokens {
    @Param({"ES256", "ES384", "RS256"})
    public String alg;

    JWTVerifier verifier;

    @Setup
    public void setUp() {
      init(alg);
      Algorithm algorithm;
      switch (this.algorithm) {
        case ES256:
          algorithm = Algorithm.ECDSA256((java.security.interfaces.ECKey) keys.getPublic());
          break;
        case ES384:
          algorithm = Algorithm.ECDSA384((java.security.interfaces.ECKey) keys.getPublic());
          break;
        case ES512:
          algorithm = Algorithm.ECDSA512((java.security.interfaces.ECKey) keys.getPublic());
          break;
        case RS256:
          algorithm = Algorithm.RSA256((RSAPublicKey) keys.getPublic());
          break;
        case RS384:
          algorithm = Algorithm.RSA384((RSAPublicKey) keys.getPublic());
          break;
        case RS512:
          algorithm = Algorithm.RSA512((RSAPublicKey) keys.getPublic());
          break;
        default:
          throw new IllegalStateException("java-jwt does not support " + alg);
      }
      verifier = JWT.require(algorithm).withAudience(Fixture.AUDIENCE).withClaimPresence("exp")
          .withClaimPresence("sub").build();
      for (String token : tokens) {
        Fixture.check(verifier.verify(token).getSubject().equals(Fixture.SUBJECT.toString()), "auth0");
      }
    }
  }

  @Benchmark
  public boolean floorSignatureOnly(Shared s) {
    int i = s.nextIndex();
    return s.verificationKey.verify(s.algorithm, s.signingInputs[i], s.signatures[i]);
  }

  @Benchmark
  public Map<String, Object> floorParseAndVerify(Shared s) throws ParseException {
    return s.floorParse(s.nextToken());
  }

  @Benchmark
  public Object mapHitFloor(Shared s) {
    return s.map.get(new String(s.nextToken().toCharArray()));
  }

  @Benchmark
  public Object mapHitAndClockFloor(Shared s) {
    Object hit = s.map.get(new String(s.nextToken().toCharArray()));
    return SYSTEM_CLOCK.millis() < s.hitDeadlineMillis ? hit : Boolean.FALSE;
  }

  @Benchmark
  public VerifiedJwtSvid lanyardUncached(Shared s) throws JwtSvidRejectedException {
    return s.lanyardUncached.verify(s.nextToken());
  }

  @Benchmark
  public VerifiedJwtSvid lanyardCached(Shared s) throws JwtSvidRejectedException {
    return s.lanyardCached.verify(new String(s.nextToken().toCharArray()));
  }

  @Benchmark
  public JWTClaimsSet nimbusProcessor(Shared s) throws Exception {
    return s.nimbus.process(s.nextToken(), null);
  }

  @Benchmark
  public Jwt springNimbusJwtDecoder(Shared s) {
    return s.spring.decode(s.nextToken());
  }

  @Benchmark
  public void javaSpiffe(Shared s, Blackhole blackhole) throws Exception {
    blackhole.consume(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(s.nextToken(), s.spiffeBundle,
        s.spiffeAudience));
  }

  @Benchmark
  public DecodedJWT auth0JavaJwt(Auth0 s) {
    return s.verifier.verify(s.nextToken());
  }

  @Benchmark
  public JwtClaims jose4j(Shared s) throws Exception {
    return s.jose4j.processToClaims(s.nextToken());
  }
}
