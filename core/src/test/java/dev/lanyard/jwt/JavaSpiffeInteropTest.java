package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.SkippedKey;
import dev.lanyard.trust.TrustBundle;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.exception.JwtBundleException;
import io.spiffe.exception.JwtSvidException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interoperability of Lanyard's JWT-SVIDs and bundles with the real peer, {@code io.spiffe:java-spiffe-core} 0.8.17
 * (which parses bundles and verifies tokens with nimbus-jose-jwt), in both directions.
 *
 * <p>Who produces what:
 * <ul>
 *   <li><b>Lanyard → java-spiffe</b>: Lanyard's {@link EmbeddedAuthority} generates the keys, mints the tokens
 *       ({@code ES256}, {@code ES384}, {@code RS256}, {@code PS256}) and writes the SPIFFE bundle document with
 *       {@link TrustBundle#toJson()}; java-spiffe reads it with
 *       {@link JwtBundle#parse(io.spiffe.spiffeid.TrustDomain, byte[])} and validates the tokens with
 *       {@link io.spiffe.svid.jwtsvid.JwtSvid#parseAndValidate}. The authority's bundle also holds its X.509 CA
 *       ({@code use: "x509-svid"} entries, which X509-SVID §6.1 forbids to carry a {@code kid}), and java-spiffe's
 *       JWT bundle parser refuses any entry without {@code kid}; so java-spiffe is handed the JWT part of the bundle,
 *       written by Lanyard's {@code toJson()} from the authority's JWT keys with the same sequence and hint (the JWT
 *       entries are identical to those of the full document), as the Workload API hands out a JWT bundle. The full
 *       document's refusal is asserted as a divergence.</li>
 *   <li><b>java-spiffe → Lanyard</b>: java-spiffe 0.8.x has no public JWT-SVID signer (tokens come from the Workload
 *       API) and no bundle writer. So the trust bundle is a java-spiffe {@link JwtBundle} built from its
 *       {@code (TrustDomain, Map<String, PublicKey>)} constructor, and the document Lanyard reads is that bundle's
 *       {@link JwtBundle#getJwtAuthorities()} written as a JWK Set by nimbus (java-spiffe's own JOSE library) with
 *       {@code use: "jwt-svid"}. The tokens are signed with nimbus in the shape SPIRE issues: header {@code alg},
 *       {@code kid}, {@code typ: JWT}; claims {@code sub}, {@code aud}, {@code exp}, {@code iat}. Each such token is
 *       first shown to pass java-spiffe's {@code parseAndValidate} against the java-spiffe bundle, then verified by
 *       Lanyard against the exported document.</li>
 * </ul>
 *
 * <p>Divergences (BASELINES, "Correctness baselines"): java-spiffe refuses a whole JWT bundle that holds one Ed25519
 * OKP key (with an unchecked {@code IllegalArgumentException}, not its declared {@link JwtBundleException}), where
 * Lanyard skips just that key as the SPIFFE bundle spec says; java-spiffe does not check {@code nbf}; it accepts a
 * 1024-bit RSA key and tokens signed with it; and, because its JWT bundle parser needs a {@code kid} on every entry, it
 * refuses a full SPIFFE bundle document whose X.509 roots ({@code use: "x509-svid"}, no {@code kid}) sit next to the
 * JWT keys.
 */
class JavaSpiffeInteropTest {
  private static final String TD_NAME = "example.org";
  private static final dev.lanyard.spiffe.TrustDomain TD = dev.lanyard.spiffe.TrustDomain.of(TD_NAME);
  private static final io.spiffe.spiffeid.TrustDomain PEER_TD = io.spiffe.spiffeid.TrustDomain.parse(TD_NAME);
  private static final SpiffeId CALLER = SpiffeId.parse("spiffe://example.org/ns/default/sa/caller");
  private static final String AUDIENCE = "spiffe://example.org/ns/default/sa/payments";
  private static final String OTHER_AUDIENCE = "spiffe://example.org/ns/default/sa/ledger";

  // ---------------------------------------------------------------------------------------------------------------
  // Lanyard mints, java-spiffe validates.

  @ParameterizedTest
  @EnumSource(value = JwtAlgorithm.class, names = {"ES256", "ES384", "RS256", "PS256"})
  void lanyardTokenWhenValidatedByJavaSpiffeThenAcceptedWithSameClaims(JwtAlgorithm algorithm) throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).jwtAlgorithm(algorithm).build();
    JwtSvid minted = authority.mint(CALLER, List.of(AUDIENCE), List.of("read", "write"), Duration.ofMinutes(5));
    byte[] document = jwtBundleDocument(authority.bundle());

    JwtBundle peerBundle = JwtBundle.parse(PEER_TD, document);
    io.spiffe.svid.jwtsvid.JwtSvid validated =
        io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(minted.token(), peerBundle, Set.of(AUDIENCE));

    assertThat(peerBundle.getJwtAuthorities()).containsOnlyKeys(minted.keyId());
    assertThat(peerBundle.findJwtAuthority(minted.keyId()))
        .isEqualTo(authority.bundle().jwtKey(minted.keyId()).orElseThrow().publicKey());
    assertThat(validated.getSpiffeId().toString()).isEqualTo(CALLER.toString());
    assertThat(validated.getAudience()).containsExactly(AUDIENCE);
    assertThat(validated.getExpiry().toInstant()).isEqualTo(minted.expiresAt());
    assertThat(validated.getIssuedAt().toInstant()).isEqualTo(minted.issuedAt());
    assertThat(validated.getClaims()).containsEntry("jti", minted.tokenId()).containsEntry("scope", "read write");
    assertThat(validated.getToken()).isEqualTo(minted.token());
  }

  @Test
  void lanyardTokenWithTwoAudiencesWhenValidatedByJavaSpiffeThenAccepted() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    JwtSvid minted = authority.mint(CALLER, List.of(AUDIENCE, OTHER_AUDIENCE), List.of(), null);
    JwtBundle peerBundle = JwtBundle.parse(PEER_TD, jwtBundleDocument(authority.bundle()));

    io.spiffe.svid.jwtsvid.JwtSvid validated =
        io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(minted.token(), peerBundle, Set.of(OTHER_AUDIENCE));

    assertThat(validated.getAudience()).containsExactlyInAnyOrder(AUDIENCE, OTHER_AUDIENCE);
  }

  @Test
  void lanyardBundleAfterRotationWhenReadByJavaSpiffeThenEveryPublishedKeyValidates() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    JwtSvid first = authority.mintJwtSvid(CALLER, AUDIENCE);
    authority.rotateJwtKey();
    authority.rotateJwtKey();
    JwtSvid second = authority.mintJwtSvid(CALLER, AUDIENCE);
    assertThat(second.keyId()).isNotEqualTo(first.keyId());

    JwtBundle peerBundle = JwtBundle.parse(PEER_TD, jwtBundleDocument(authority.bundle()));

    assertThat(peerBundle.getJwtAuthorities()).containsKeys(first.keyId(), second.keyId());
    for (JwtSvid svid : List.of(first, second)) {
      assertThat(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(svid.token(), peerBundle, Set.of(AUDIENCE))
          .getSpiffeId().toString()).isEqualTo(CALLER.toString());
    }
  }

  @Test
  void lanyardTokenWhenAudienceDiffersThenJavaSpiffeRejectsItToo() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    JwtSvid minted = authority.mintJwtSvid(CALLER, AUDIENCE);
    JwtBundle peerBundle = JwtBundle.parse(PEER_TD, jwtBundleDocument(authority.bundle()));

    assertThatThrownBy(() -> io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(minted.token(), peerBundle,
        Set.of(OTHER_AUDIENCE))).isInstanceOf(JwtSvidException.class);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // java-spiffe's bundle and SPIRE-shaped tokens, Lanyard verifies.

  static Stream<Arguments> peerAlgorithms() {
    return Stream.of(
        Arguments.of(JWSAlgorithm.ES256, JwtAlgorithm.ES256),
        Arguments.of(JWSAlgorithm.ES384, JwtAlgorithm.ES384),
        Arguments.of(JWSAlgorithm.ES512, JwtAlgorithm.ES512),
        Arguments.of(JWSAlgorithm.RS256, JwtAlgorithm.RS256),
        Arguments.of(JWSAlgorithm.RS512, JwtAlgorithm.RS512),
        Arguments.of(JWSAlgorithm.PS256, JwtAlgorithm.PS256),
        Arguments.of(JWSAlgorithm.PS384, JwtAlgorithm.PS384));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("peerAlgorithms")
  void peerTokenWhenVerifiedByLanyardAgainstPeerBundleThenAccepted(JWSAlgorithm jws, JwtAlgorithm expected)
      throws Exception {
    KeyPair pair = keyPairFor(jws);
    String kid = "spire-" + jws.getName().toLowerCase(java.util.Locale.ROOT);
    JwtBundle peerBundle = new JwtBundle(PEER_TD, Map.of(kid, pair.getPublic()));
    Instant now = Instant.now();
    Instant exp = now.plus(Duration.ofMinutes(5));
    String token = spireShapedToken(jws, kid, pair.getPrivate(), CALLER.toString(), List.of(AUDIENCE), now, exp,
        null);

    // The peer accepts its own token...
    io.spiffe.svid.jwtsvid.JwtSvid peerView =
        io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(token, peerBundle, Set.of(AUDIENCE));
    assertThat(peerView.getSpiffeId().toString()).isEqualTo(CALLER.toString());
    // ...and so does Lanyard, against the peer's bundle.
    TrustBundle bundle = TrustBundle.parse(TD, exportPeerBundle(peerBundle));
    assertThat(bundle.skippedKeys()).isEmpty();
    VerifiedJwtSvid verified = verifier(bundle).verify(token);

    assertThat(verified.subject()).isEqualTo(CALLER);
    assertThat(verified.audience()).containsExactly(AUDIENCE);
    assertThat(verified.keyId()).isEqualTo(kid);
    assertThat(verified.algorithm()).isEqualTo(expected);
    assertThat(verified.expiresAt()).isEqualTo(Instant.ofEpochSecond(exp.getEpochSecond()));
    assertThat(verified.issuedAt()).contains(Instant.ofEpochSecond(now.getEpochSecond()));
    assertThat(verified.tokenId()).isEmpty();
    assertThat(verified.scopes()).isEmpty();
  }

  @Test
  void peerTokenWithTwoAudiencesAndPeerBundleOfSeveralKeysWhenVerifiedByLanyardThenAccepted() throws Exception {
    KeyPair ec = keyPairFor(JWSAlgorithm.ES256);
    KeyPair rsa = keyPairFor(JWSAlgorithm.RS256);
    JwtBundle peerBundle = new JwtBundle(PEER_TD);
    peerBundle.putJwtAuthority("ec-authority", ec.getPublic());
    peerBundle.putJwtAuthority("rsa-authority", rsa.getPublic());
    Instant now = Instant.now();
    String token = spireShapedToken(JWSAlgorithm.RS256, "rsa-authority", rsa.getPrivate(), CALLER.toString(),
        List.of(OTHER_AUDIENCE, AUDIENCE), now, now.plusSeconds(300), null);
    assertThat(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(token, peerBundle, Set.of(AUDIENCE))
        .getAudience()).containsExactlyInAnyOrder(AUDIENCE, OTHER_AUDIENCE);

    TrustBundle bundle = TrustBundle.parse(TD, exportPeerBundle(peerBundle));
    VerifiedJwtSvid verified = verifier(bundle).verify(token);

    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactlyInAnyOrder("ec-authority", "rsa-authority");
    assertThat(verified.audience()).containsExactly(OTHER_AUDIENCE, AUDIENCE);
  }

  @Test
  void peerTokenWhenSignedWithOtherPeerKeyThenBothReject() throws Exception {
    KeyPair published = keyPairFor(JWSAlgorithm.ES256);
    KeyPair other = keyPairFor(JWSAlgorithm.ES256);
    JwtBundle peerBundle = new JwtBundle(PEER_TD, Map.of("k", published.getPublic()));
    Instant now = Instant.now();
    String forged = spireShapedToken(JWSAlgorithm.ES256, "k", other.getPrivate(), CALLER.toString(),
        List.of(AUDIENCE), now, now.plusSeconds(300), null);

    assertThatThrownBy(() -> io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(forged, peerBundle, Set.of(AUDIENCE)))
        .isInstanceOf(JwtSvidException.class);
    assertThat(reject(verifier(TrustBundle.parse(TD, exportPeerBundle(peerBundle))), forged))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Divergences.

  @Test
  void bundleWithEd25519KeyWhenReadThenJavaSpiffeRefusesWholeBundleAndLanyardSkipsJustThatKey() throws Exception {
    KeyPair ec = keyPairFor(JWSAlgorithm.ES256);
    Map<String, Object> okp = ed25519Jwk("ed-authority");
    String document = JSONObjectUtils.toJSONString(Map.of("keys", List.of(
        jwtSvidJwk("ec-authority", ec.getPublic()), okp)));
    Instant now = Instant.now();
    String token = spireShapedToken(JWSAlgorithm.ES256, "ec-authority", ec.getPrivate(), CALLER.toString(),
        List.of(AUDIENCE), now, now.plusSeconds(300), null);

    // java-spiffe: the whole bundle fails to load. 0.8.17 throws an unchecked IllegalArgumentException ("Unsupported
    // JWT family algorithm: OKP") out of JwtBundle.parse instead of its declared JwtBundleException.
    assertThatThrownBy(() -> JwtBundle.parse(PEER_TD, document.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfAny(IllegalArgumentException.class, JwtBundleException.class);

    // Lanyard: the EC key loads, the OKP key is skipped and reported, tokens of the EC key verify.
    TrustBundle bundle = TrustBundle.parse(TD, document);
    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly("ec-authority");
    assertThat(bundle.skippedKeys()).singleElement().satisfies(skipped -> {
      assertThat(skipped.index()).isEqualTo(1);
      assertThat(skipped.keyId()).contains("ed-authority");
    });
    assertThat(verifier(bundle).verify(token).subject()).isEqualTo(CALLER);
    assertThat(reject(verifier(bundle), withHeader(token, "ES256", "ed-authority"))).isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void tokenWithFutureNotBeforeThenJavaSpiffeAcceptsAndLanyardRejects() throws Exception {
    KeyPair ec = keyPairFor(JWSAlgorithm.ES256);
    JwtBundle peerBundle = new JwtBundle(PEER_TD, Map.of("k", ec.getPublic()));
    Instant now = Instant.now();
    String token = spireShapedToken(JWSAlgorithm.ES256, "k", ec.getPrivate(), CALLER.toString(), List.of(AUDIENCE),
        now, now.plusSeconds(1800), now.plusSeconds(1200));

    assertThat(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(token, peerBundle, Set.of(AUDIENCE))
        .getSpiffeId().toString()).isEqualTo(CALLER.toString());
    assertThat(reject(verifier(TrustBundle.parse(TD, exportPeerBundle(peerBundle))), token))
        .isEqualTo(Reason.NOT_YET_VALID);
  }

  @Test
  void bundleWithRsa1024KeyThenJavaSpiffeAcceptsItsTokensAndLanyardSkipsTheKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(1024);
    KeyPair weak = generator.generateKeyPair();
    JwtBundle peerBundle = new JwtBundle(PEER_TD, Map.of("weak", weak.getPublic()));
    Instant now = Instant.now();
    // nimbus refuses to sign with a key under 2048 bits (bar a deprecated override), so sign with the JDK.
    SignedJWT unsigned = new SignedJWT(spireHeader(JWSAlgorithm.RS256, "weak"),
        claims(CALLER.toString(), List.of(AUDIENCE), now, now.plusSeconds(300), null));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(weak.getPrivate());
    rsa.update(unsigned.getSigningInput());
    String token = new String(unsigned.getSigningInput(), StandardCharsets.US_ASCII) + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());

    assertThat(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(token, peerBundle, Set.of(AUDIENCE))
        .getSpiffeId().toString()).isEqualTo(CALLER.toString());
    TrustBundle bundle = TrustBundle.parse(TD, exportPeerBundle(peerBundle));
    assertThat(bundle.jwtKeys()).isEmpty();
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::keyId).containsExactly(Optional.of("weak"));
    assertThat(reject(verifier(bundle), token)).isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void fullSpiffeBundleWithX509RootsThenJavaSpiffeJwtBundleRefusesItAndLanyardReadsBoth() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    JwtSvid minted = authority.mintJwtSvid(CALLER, AUDIENCE);
    TrustBundle full = authority.bundle();
    assertThat(full.x509Authorities()).as("the authority publishes its X.509 CA").isNotEmpty();
    String document = full.toJson();

    // X509-SVID §6.1: x509-svid entries carry x5c and MUST NOT have a kid. java-spiffe's JWT bundle parser reads
    // every entry as a JWT authority and requires a kid, so it refuses the whole SPIFFE bundle document.
    assertThatThrownBy(() -> JwtBundle.parse(PEER_TD, document.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(JwtBundleException.class);
    // What java-spiffe can read: the JWT part (as the Workload API serves it), or Lanyard's plain JWK Set.
    for (byte[] readable : List.of(jwtBundleDocument(full), full.toJwksJson().getBytes(StandardCharsets.UTF_8))) {
      JwtBundle peerBundle = JwtBundle.parse(PEER_TD, readable);
      assertThat(peerBundle.getJwtAuthorities()).containsOnlyKeys(minted.keyId());
      assertThat(io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(minted.token(), peerBundle, Set.of(AUDIENCE))
          .getSpiffeId().toString()).isEqualTo(CALLER.toString());
    }
    // Lanyard reads the full document back: roots and JWT keys.
    TrustBundle parsed = TrustBundle.parse(TD, document);
    assertThat(parsed).isEqualTo(full);
    assertThat(parsed.x509Authorities()).isEqualTo(full.x509Authorities());
    assertThat(parsed.skippedKeys()).isEmpty();
  }

  @Test
  void builtBundleWithX509RootThenJavaSpiffeRefusesItAndLanyardRoundTrips() throws Exception {
    KeyPair ec = keyPairFor(JWSAlgorithm.ES256);
    X509Certificate root = selfSignedRoot(keyPairFor(JWSAlgorithm.ES256));
    TrustBundle full = TrustBundle.newBuilder(TD)
        .addJwtKey(JwtKey.of("jwt-authority", ec.getPublic(), Optional.empty()))
        .addX509Authority(root)
        .sequence(1)
        .build();

    assertThatThrownBy(() -> JwtBundle.parse(PEER_TD, full.toJson().getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(JwtBundleException.class);
    assertThat(JwtBundle.parse(PEER_TD, full.toJwksJson().getBytes(StandardCharsets.UTF_8)).getJwtAuthorities())
        .containsOnlyKeys("jwt-authority");
    assertThat(TrustBundle.parse(TD, full.toJson())).isEqualTo(full);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers.

  /**
   * The JWT part of a Lanyard bundle as a SPIFFE bundle document, written by Lanyard ({@link TrustBundle#toJson()} of
   * a bundle holding only the JWT keys, with the same sequence and refresh hint): what the Workload API hands out as a
   * JWT bundle. The JWT entries are byte for byte those of the full document.
   */
  private static byte[] jwtBundleDocument(TrustBundle full) {
    TrustBundle.Builder jwtOnly = TrustBundle.newBuilder(full.trustDomain()).addJwtKeys(full.jwtKeys());
    full.sequence().ifPresent(jwtOnly::sequence);
    full.refreshHint().ifPresent(jwtOnly::refreshHint);
    String document = jwtOnly.build().toJson();
    try {
      List<Object> fullKeys = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(full.toJson()), "keys");
      List<Object> jwtKeys = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(document), "keys");
      assertThat(fullKeys).containsAll(jwtKeys);
    } catch (java.text.ParseException e) {
      throw new AssertionError(e);
    }
    return document.getBytes(StandardCharsets.UTF_8);
  }

  private static JwtSvidVerifier verifier(TrustBundle bundle) {
    return JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle)).audience(AUDIENCE).build();
  }

  private static Reason reject(JwtSvidVerifier verifier, String token) {
    try {
      verifier.verify(token);
      throw new AssertionError("token was accepted");
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }

  private static KeyPair keyPairFor(JWSAlgorithm algorithm) throws Exception {
    if (JWSAlgorithm.Family.EC.contains(algorithm)) {
      String curve = algorithm.equals(JWSAlgorithm.ES256) ? "secp256r1"
          : algorithm.equals(JWSAlgorithm.ES384) ? "secp384r1" : "secp521r1";
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(curve));
      return generator.generateKeyPair();
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static JWSHeader spireHeader(JWSAlgorithm algorithm, String kid) {
    return new JWSHeader.Builder(algorithm).keyID(kid).type(JOSEObjectType.JWT).build();
  }

  private static JWTClaimsSet claims(String subject, List<String> audience, Instant issuedAt, Instant expiresAt,
      Instant notBefore) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .subject(subject)
        .audience(audience)
        .expirationTime(Date.from(expiresAt))
        .issueTime(Date.from(issuedAt));
    if (notBefore != null) {
      claims.notBeforeTime(Date.from(notBefore));
    }
    return claims.build();
  }

  /** A token as SPIRE issues it: header alg, kid, typ JWT; claims sub, aud, exp, iat (and nbf when given). */
  private static String spireShapedToken(JWSAlgorithm algorithm, String kid, PrivateKey key, String subject,
      List<String> audience, Instant issuedAt, Instant expiresAt, Instant notBefore) throws Exception {
    SignedJWT jwt = new SignedJWT(spireHeader(algorithm, kid), claims(subject, audience, issuedAt, expiresAt,
        notBefore));
    JWSSigner signer = key instanceof ECPrivateKey ? new ECDSASigner((ECPrivateKey) key) : new RSASSASigner(key);
    jwt.sign(signer);
    String token = jwt.serialize();
    Map<String, Object> header = JSONObjectUtils.parse(new String(
        Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))), StandardCharsets.UTF_8));
    assertThat(header).containsOnlyKeys("alg", "kid", "typ").containsEntry("typ", "JWT");
    return token;
  }

  /** The token with its header replaced (signature kept): for tests where the key lookup decides. */
  private static String withHeader(String token, String alg, String kid) {
    String header = JSONObjectUtils.toJSONString(new LinkedHashMap<>(Map.of("alg", alg, "kid", kid, "typ", "JWT")));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(header.getBytes(StandardCharsets.UTF_8))
        + token.substring(token.indexOf('.'));
  }

  /**
   * java-spiffe's bundle as a SPIFFE bundle document: its authorities ({@link JwtBundle#getJwtAuthorities()}) written
   * by nimbus with {@code use: "jwt-svid"} and their key ids.
   */
  private static String exportPeerBundle(JwtBundle peerBundle) {
    List<Object> keys = new ArrayList<>();
    for (Map.Entry<String, PublicKey> authority : peerBundle.getJwtAuthorities().entrySet()) {
      keys.add(jwtSvidJwk(authority.getKey(), authority.getValue()));
    }
    return JSONObjectUtils.toJSONString(Map.of("keys", keys));
  }

  private static Map<String, Object> jwtSvidJwk(String kid, PublicKey key) {
    JWK jwk;
    if (key instanceof ECPublicKey) {
      ECPublicKey ec = (ECPublicKey) key;
      jwk = new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyID(kid)
          .keyUse(new KeyUse("jwt-svid")).build();
    } else {
      jwk = new RSAKey.Builder((RSAPublicKey) key).keyID(kid).keyUse(new KeyUse("jwt-svid")).build();
    }
    return jwk.toJSONObject();
  }

  private static Map<String, Object> ed25519Jwk(String kid) throws Exception {
    byte[] encoded = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    Map<String, Object> jwk = new LinkedHashMap<>();
    jwk.put("kty", "OKP");
    jwk.put("crv", "Ed25519");
    jwk.put("x", Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length)));
    jwk.put("kid", kid);
    jwk.put("use", "jwt-svid");
    return jwk;
  }

  private static X509Certificate selfSignedRoot(KeyPair pair) throws Exception {
    X500Name name = new X500Name("O=Lanyard test,CN=example.org root");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
  }
}
