package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static dev.lanyard.x509.TestCertificates.dns;
import static dev.lanyard.x509.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.exception.X509SvidException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interoperability of Lanyard's X.509-SVIDs and bundles with the real peer, {@code io.spiffe:java-spiffe-core} 0.8.17,
 * in both directions, on the system clock (java-spiffe validates at the current time and has no clock to inject).
 *
 * <p>Who produces what:
 * <ul>
 *   <li><b>Lanyard → java-spiffe</b>: Lanyard's {@link EmbeddedAuthority} (EC or RSA CA, self-signed or under an
 *       upstream CA generated here) issues the SVIDs and writes the bundle PEM ({@link TrustBundle#toPem()});
 *       java-spiffe parses the SVID ({@link io.spiffe.svid.x509svid.X509Svid#parse} with PEM,
 *       {@link io.spiffe.svid.x509svid.X509Svid#parseRaw} with DER) and the bundle
 *       ({@link X509Bundle#parse}) and validates the chain
 *       ({@link io.spiffe.svid.x509svid.X509SvidValidator#verifyChain}).</li>
 *   <li><b>SPIRE/java-spiffe → Lanyard</b>: the test builds the chain the way SPIRE's credential templates do
 *       (upstream root → SPIRE CA {@code C=US, O=SPIFFE, serialNumber=…} → SVID {@code C=US, O=SPIRE, CN=<first DNS>}
 *       with keyEncipherment|keyAgreement|digitalSignature), java-spiffe reads the root PEM into its
 *       {@link X509Bundle}, and Lanyard builds its bundle from java-spiffe's authorities (and, separately, from a
 *       SPIFFE bundle JSON document as SPIRE's bundle endpoint serves it) and verifies the chain.</li>
 *   <li><b>Baseline</b>: java-spiffe's {@code verifyChain} is plain PKIX plus the trust domain lookup, so leaves that
 *       break the X509-SVID profile pass it; Lanyard's verifier rejects them. Its {@code X509Svid.parse} has some
 *       of the profile checks.</li>
 * </ul>
 */
class JavaSpiffeX509InteropTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final io.spiffe.spiffeid.TrustDomain JS_TD = io.spiffe.spiffeid.TrustDomain.parse("example.org");
  static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/ns/prod/sa/web");

  // ------------------------------------------------------------------------------------- Lanyard → java-spiffe

  /** An authority configuration, named for the report. */
  static Stream<Arguments> authorities() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    TestCertificates certs = new TestCertificates(now);
    return Stream.of(
        Arguments.of("EC CA, self-signed", (Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder>) b -> b),
        Arguments.of("RSA CA, self-signed",
            (Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder>) EmbeddedAuthority.Builder::rsaCa),
        Arguments.of("EC CA under an upstream EC root",
            (Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder>) b -> {
              Issued upstream = certs.ca("Upstream Root").selfSigned();
              return b.upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate));
            }),
        Arguments.of("RSA CA under an upstream RSA root",
            (Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder>) b -> {
              Issued upstream = certs.ca("Upstream RSA Root").key(TestCertificates.rsaKey(2048)).selfSigned();
              return b.rsaCa().upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate));
            }),
        Arguments.of("EC CA under an upstream intermediate and root",
            (Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder>) b -> {
              Issued root = certs.ca("Upstream Root").selfSigned();
              Issued intermediate = certs.ca("Upstream Intermediate").issuedBy(root);
              return b.upstreamCa(intermediate.keyPair.getPrivate(),
                  List.of(intermediate.certificate, root.certificate));
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("authorities")
  void javaSpiffeWhenLanyardSvidThenParsesAndVerifiesChain(String name,
      Function<EmbeddedAuthority.Builder, EmbeddedAuthority.Builder> configure) throws Exception {
    EmbeddedAuthority authority = configure.apply(EmbeddedAuthority.newBuilder(TD)).build();
    X509Svid svid = authority.issueX509Svid(WORKLOAD, null, List.of("web.example.org"));
    List<X509Certificate> roots = authority.bundle().x509Authorities();

    io.spiffe.svid.x509svid.X509Svid fromPem = io.spiffe.svid.x509svid.X509Svid.parse(
        svid.chainPem().getBytes(StandardCharsets.US_ASCII), svid.privateKeyPem().getBytes(StandardCharsets.US_ASCII));
    io.spiffe.svid.x509svid.X509Svid fromDer = io.spiffe.svid.x509svid.X509Svid.parseRaw(
        concatenatedDer(svid.chain()), svid.privateKey().getEncoded());

    for (io.spiffe.svid.x509svid.X509Svid parsed : List.of(fromPem, fromDer)) {
      assertThat(parsed.getSpiffeId().toString()).isEqualTo(WORKLOAD.toString());
      assertThat(parsed.getChain()).isEqualTo(svid.chain());
      assertThat(parsed.getLeaf()).isEqualTo(svid.leaf());
      assertThat(parsed.getPrivateKey().getEncoded()).isEqualTo(svid.privateKey().getEncoded());
    }
    X509Bundle ours = new X509Bundle(JS_TD, new HashSet<>(roots));
    assertThatCode(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(fromPem.getChain(), ours))
        .doesNotThrowAnyException();

    X509Bundle parsedBundle = X509Bundle.parse(JS_TD, authority.bundle().toPem().getBytes(StandardCharsets.US_ASCII));
    assertThat(parsedBundle.getX509Authorities()).containsExactlyInAnyOrderElementsOf(roots);
    assertThatCode(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(svid.chain(), parsedBundle))
        .doesNotThrowAnyException();
    io.spiffe.svid.x509svid.X509SvidValidator.verifySpiffeId(svid.leaf(),
        () -> Set.of(io.spiffe.spiffeid.SpiffeId.parse(WORKLOAD.toString())));

    // And Lanyard agrees.
    VerifiedX509Svid verified = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build()
        .verify(svid.chain());
    assertThat(verified.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(roots).contains(verified.trustAnchor());
  }

  @Test
  void javaSpiffeWhenLanyardRsaSvidIssuedForCsrThenParsesWithWorkloadKeyAndVerifies() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).rsaCa().build();
    KeyPair workloadKey = TestCertificates.rsaKey(2048);
    PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web"),
        workloadKey.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(workloadKey.getPrivate()));
    X509Svid svid = authority.issueX509SvidForCsr(csr.getEncoded(), WORKLOAD, Duration.ofMinutes(30), List.of());

    io.spiffe.svid.x509svid.X509Svid parsed = io.spiffe.svid.x509svid.X509Svid.parseRaw(
        concatenatedDer(svid.chain()), workloadKey.getPrivate().getEncoded());

    assertThat(parsed.getSpiffeId().toString()).isEqualTo(WORKLOAD.toString());
    assertThatCode(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(parsed.getChain(),
        new X509Bundle(JS_TD, new HashSet<>(authority.bundle().x509Authorities())))).doesNotThrowAnyException();
  }

  @Test
  void javaSpiffeWhenBundleHasPreparedAndActiveRootsThenParsesBoth() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    authority.prepareX509Ca();
    List<X509Certificate> roots = authority.bundle().x509Authorities();

    X509Bundle parsed = X509Bundle.parse(JS_TD, authority.bundle().toPem().getBytes(StandardCharsets.US_ASCII));

    assertThat(roots).hasSize(2);
    assertThat(parsed.getX509Authorities()).containsExactlyInAnyOrderElementsOf(roots);
  }

  @Test
  void javaSpiffeWhenSvidFromAnotherTrustDomainsAuthorityThenVerifyChainFails() {
    EmbeddedAuthority ours = EmbeddedAuthority.newBuilder(TD).build();
    EmbeddedAuthority impostor = EmbeddedAuthority.newBuilder(TD).build();
    X509Svid forged = impostor.issueX509Svid(WORKLOAD);

    assertThatThrownBy(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(forged.chain(),
        new X509Bundle(JS_TD, new HashSet<>(ours.bundle().x509Authorities()))))
        .isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().bundleSource(ours.bundleSource()).build()
        .verify(forged.chain()))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_CHAIN));
  }

  // ------------------------------------------------------------------------------------- SPIRE → Lanyard

  /** A PKI built the way SPIRE builds it: upstream root, SPIRE server CA (intermediate), workload SVID. */
  static final class SpireStylePki {
    final TestCertificates certs = new TestCertificates(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final Issued upstreamRoot = certs.ca("Upstream Root").subject("C=US, O=Upstream, CN=Upstream Root")
        .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature, true).selfSigned();
    final Issued spireCa = certs.ca("SPIRE CA")
        .subject("C=US, O=SPIFFE, SERIALNUMBER=" + new java.math.BigInteger(64, new java.security.SecureRandom()))
        .sans(uri("spiffe://example.org"))
        .validity(certs.now().minusSeconds(10), certs.now().plus(Duration.ofHours(24)))
        .issuedBy(upstreamRoot);
    final Issued svid = certs.leaf(WORKLOAD.toString()).subject("C=US, O=SPIRE, CN=web.example.org")
        .keyUsage(KeyUsage.keyEncipherment | KeyUsage.keyAgreement | KeyUsage.digitalSignature, true)
        .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
        .sans(uri(WORKLOAD.toString()), dns("web.example.org"))
        .validity(certs.now().minusSeconds(10), certs.now().plus(Duration.ofHours(1)))
        .issuedBy(spireCa);
  }

  @Test
  void lanyardWhenSpireStyleChainAndBundleFromJavaSpiffeThenAccepted() throws Exception {
    SpireStylePki spire = new SpireStylePki();
    byte[] rootPem = dev.lanyard.internal.Certificates.pem(List.of(spire.upstreamRoot.certificate))
        .getBytes(StandardCharsets.US_ASCII);
    X509Bundle javaSpiffeBundle = X509Bundle.parse(JS_TD, rootPem);
    TrustBundle.Builder lanyardBundle = TrustBundle.newBuilder(TD);
    javaSpiffeBundle.getX509Authorities().forEach(lanyardBundle::addX509Authority);
    List<X509Certificate> presented = chain(spire.svid, spire.spireCa);

    VerifiedX509Svid verified = X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(lanyardBundle.build()))
        .build().verify(presented);

    assertThat(verified.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(verified.path()).containsExactlyElementsOf(presented);
    assertThat(verified.trustAnchor()).isEqualTo(spire.upstreamRoot.certificate);
    // java-spiffe agrees on the same chain and bundle.
    assertThatCode(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(presented, javaSpiffeBundle))
        .doesNotThrowAnyException();
  }

  @Test
  void lanyardWhenSpireStyleChainAndSpiffeBundleJsonThenAccepted() throws Exception {
    SpireStylePki spire = new SpireStylePki();
    X509Certificate root = spire.upstreamRoot.certificate;
    JWK x509Entry = new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (ECPublicKey) root.getPublicKey())
        .keyUse(new KeyUse("x509-svid")).x509CertChain(List.of(Base64.encode(root.getEncoded()))).build();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", List.of(x509Entry.toJSONObject()));
    document.put("spiffe_sequence", 1);
    document.put("spiffe_refresh_hint", 300);
    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(document));

    VerifiedX509Svid verified = X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle)).build()
        .verify(chain(spire.svid, spire.spireCa));

    assertThat(bundle.x509Authorities()).containsExactly(root);
    assertThat(verified.spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void javaSpiffeWhenSpireStyleSvidThenParsesLikeLanyardsOwn() throws Exception {
    SpireStylePki spire = new SpireStylePki();

    io.spiffe.svid.x509svid.X509Svid parsed = io.spiffe.svid.x509svid.X509Svid.parseRaw(
        concatenatedDer(chain(spire.svid, spire.spireCa)), spire.svid.keyPair.getPrivate().getEncoded());
    X509Svid ours = X509Svid.of(parsed.getChain(), parsed.getPrivateKey());

    assertThat(ours.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(ours.chain()).isEqualTo(parsed.getChain());
  }

  // ------------------------------------------------------------------------------------- baseline divergence

  /** A leaf flaw; each is built under the same trusted root. */
  @FunctionalInterface
  interface LeafFlaw {
    TestCertificates.Spec apply(TestCertificates.Spec leaf);
  }

  /**
   * Leaves that break the X509-SVID profile but chain correctly: java-spiffe's {@code verifyChain} accepts all of
   * them (it is PKIX plus the trust domain of the first spiffe:// URI); Lanyard rejects each with the given reason.
   * {@code javaSpiffeParseAccepts} records whether java-spiffe's {@code X509Svid.parse} (which a workload uses for its
   * own SVID) takes it.
   */
  static Stream<Arguments> profileDivergences() {
    return Stream.of(
        Arguments.of("leaf that is a CA", (LeafFlaw) l -> l.basicConstraints(true, null), Reason.NOT_A_LEAF,
            false),
        Arguments.of("keyCertSign on the leaf",
            (LeafFlaw) l -> l.keyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign, true),
            Reason.BAD_KEY_USAGE, false),
        Arguments.of("key usage not critical", (LeafFlaw) l -> l.keyUsage(KeyUsage.digitalSignature, false),
            Reason.BAD_KEY_USAGE, true),
        Arguments.of("EKU with only serverAuth", (LeafFlaw) l -> l.extendedKeyUsage(KeyPurposeId.id_kp_serverAuth),
            Reason.BAD_EXTENDED_KEY_USAGE, true),
        Arguments.of("a SPIFFE ID and an https URI SAN",
            (LeafFlaw) l -> l.sans(uri(WORKLOAD.toString()), uri("https://example.org/x")),
            Reason.MULTIPLE_URI_SANS, false),
        Arguments.of("trust domain ID as the leaf's SPIFFE ID", (LeafFlaw) l -> l.sans(uri("spiffe://example.org")),
            Reason.INVALID_SPIFFE_ID, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profileDivergences")
  void verifyChainWhenLeafBreaksProfileThenJavaSpiffeAcceptsAndLanyardRejects(String name, LeafFlaw flaw,
      Reason lanyardReason, boolean javaSpiffeParseAccepts) throws Exception {
    TestCertificates certs = new TestCertificates(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    Issued root = certs.ca("Root").selfSigned();
    Issued leaf = flaw.apply(certs.leaf(WORKLOAD.toString())).issuedBy(root);
    List<X509Certificate> presented = chain(leaf);

    assertThatCode(() -> io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(presented,
        new X509Bundle(JS_TD, Set.of(root.certificate)))).doesNotThrowAnyException();
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder()
        .bundleSource(BundleSource.of(TrustBundle.newBuilder(TD).addX509Authority(root.certificate).build()))
        .build().verify(presented))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(lanyardReason));
    if (javaSpiffeParseAccepts) {
      assertThatCode(() -> parseWithJavaSpiffe(presented, leaf.keyPair.getPrivate())).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> parseWithJavaSpiffe(presented, leaf.keyPair.getPrivate()))
          .isInstanceOf(X509SvidException.class);
    }
  }

  private static void parseWithJavaSpiffe(List<X509Certificate> chain, PrivateKey key) throws Exception {
    io.spiffe.svid.x509svid.X509Svid.parseRaw(concatenatedDer(chain), key.getEncoded());
  }

  private static byte[] concatenatedDer(List<X509Certificate> chain) throws CertificateException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (X509Certificate certificate : chain) {
      out.writeBytes(certificate.getEncoded());
    }
    return out.toByteArray();
  }
}
