package dev.lanyard.authority;

import dev.lanyard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.TestCertificates;
import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedded authority's X.509 side on a fixed, mutable clock: the X509-SVID profile of what it issues, its CA
 * certificates, issuance from CSRs, argument checks, the CA lifecycle at its exact boundaries (prepare at 1/2,
 * activate at 5/6 of the 7-day life, retired root kept until its last SVID expired plus 5 minutes), tainting,
 * revocation, upstream CAs and persistence.
 */
class X509AuthorityTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/ns/prod/sa/web");
  static final Duration CA_LIFETIME = Duration.ofDays(7);
  static final Duration MAX_TTL = Duration.ofHours(24);
  static final Duration PREPARE_AT = CA_LIFETIME.dividedBy(2); // 84 h
  static final Duration ACTIVATE_AT = CA_LIFETIME.multipliedBy(5).dividedBy(6); // 140 h
  static final Duration GRACE = Duration.ofMinutes(5);
  static final Duration MS = Duration.ofMillis(1);

  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int DNS = 2;
  private static final int URI = 6;

  private MutableClock clock;
  private EmbeddedAuthority authority;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    authority = EmbeddedAuthority.newBuilder(TD).clock(clock).build();
  }

  private X509SvidVerifier verifier(EmbeddedAuthority a) {
    return X509SvidVerifier.newBuilder().bundleSource(a.bundleSource()).clock(clock).build();
  }

  /** Moves the clock to {@code START + sinceStart} and runs the lifecycle there. */
  private void at(Duration sinceStart) {
    clock.set(START.plus(sinceStart));
    authority.maintain();
  }

  private static List<AuthorityCa> cas(EmbeddedAuthority a, KeyState state) {
    return a.x509Cas().stream().filter(ca -> ca.state() == state).collect(Collectors.toList());
  }

  private static AuthorityCa active(EmbeddedAuthority a) {
    List<AuthorityCa> active = cas(a, KeyState.ACTIVE);
    assertThat(active).hasSize(1);
    return active.get(0);
  }

  private static boolean issuedBy(X509Svid svid, X509Certificate ca) {
    try {
      svid.leaf().verify(ca.getPublicKey());
      return svid.leaf().getIssuerX500Principal().equals(ca.getSubjectX500Principal());
    } catch (Exception e) {
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------------ SVID profile

  @Test
  void issueWhenDefaultsThenLeafMeetsX509SvidProfile() throws Exception {
    X509Svid svid = authority.issueX509Svid(WORKLOAD, null, List.of("web.example.org", "*.web.example.org"));
    X509Certificate leaf = svid.leaf();
    X509Certificate ca = active(authority).certificate();

    assertThat(svid.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(names(leaf, URI)).containsExactly(WORKLOAD.toString());
    assertThat(names(leaf, DNS)).containsExactly("web.example.org", "*.web.example.org");
    assertThat(leaf.getSubjectAlternativeNames()).hasSize(3);
    // CA:FALSE, critical.
    assertThat(leaf.getExtensionValue(Extension.basicConstraints.getId())).isNotNull();
    assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    // Key usage critical, digitalSignature only (EC key).
    assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
    assertThat(keyUsageBits(leaf)).isEqualTo(KeyUsage.digitalSignature);
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    assertThat(leaf.getNonCriticalExtensionOIDs()).contains(Extension.extendedKeyUsage.getId());
    // Serial, key identifiers.
    assertThat(leaf.getSerialNumber().bitLength()).isEqualTo(128);
    assertThat(subjectKeyIdentifier(leaf)).isEqualTo(sha1KeyId(leaf.getPublicKey()));
    assertThat(authorityKeyIdentifier(leaf)).isEqualTo(subjectKeyIdentifier(ca));
    // Validity: backdated 10 s, default TTL 1 h.
    assertThat(svid.notBefore()).isEqualTo(START.minusSeconds(10));
    assertThat(svid.expiresAt()).isEqualTo(START.plus(Duration.ofHours(1)));
    // Issued by the active CA, key held, EC P-256.
    assertThat(svid.chain()).containsExactly(leaf);
    assertThat(issuedBy(svid, ca)).isTrue();
    assertThat(leaf.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    assertThat(svid.hasPrivateKey()).isTrue();
    assertThat(keyMatches(svid.privateKey(), leaf.getPublicKey())).isTrue();
    assertThat(svid.toString()).doesNotContain("PRIVATE").contains(WORKLOAD.toString());
    VerifiedX509Svid verified = verifier(authority).verify(svid.chain());
    assertThat(verified.spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void issueWhenNoDnsNamesThenOnlyTheUriSan() throws Exception {
    X509Svid svid = authority.issueX509Svid(WORKLOAD);

    assertThat(svid.leaf().getSubjectAlternativeNames()).hasSize(1);
    assertThat(names(svid.leaf(), URI)).containsExactly(WORKLOAD.toString());
  }

  @Test
  void issueWhenManySvidsThenSerialsAre128BitAndDistinct() {
    Set<BigInteger> serials = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      BigInteger serial = authority.issueX509Svid(WORKLOAD).leaf().getSerialNumber();
      assertThat(serial.bitLength()).isEqualTo(128);
      assertThat(serial.signum()).isPositive();
      serials.add(serial);
    }

    assertThat(serials).hasSize(100);
  }

  @Test
  void issueWhenTtlGivenThenNotAfterIsNowPlusTtl() {
    assertThat(authority.issue(WORKLOAD, Duration.ofMinutes(5)).expiresAt()).isEqualTo(START.plusSeconds(300));
    assertThat(authority.issueX509Svid(WORKLOAD, Duration.ofSeconds(1), List.of()).expiresAt())
        .isEqualTo(START.plusSeconds(1));
    assertThat(authority.issueX509Svid(WORKLOAD, MAX_TTL, List.of()).expiresAt()).isEqualTo(START.plus(MAX_TTL));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PT0S", "-PT1S", "PT0.999S", "-PT25H"})
  void issueWhenTtlUnderOneSecondThenIllegalArgumentException(String ttl) {
    assertThatThrownBy(() -> authority.issueX509Svid(WORKLOAD, Duration.parse(ttl), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1s");
    assertThatThrownBy(() -> authority.issue(WORKLOAD, Duration.parse(ttl)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PT24H0.001S", "PT24H1S", "PT25H", "P365D"})
  void issueWhenTtlOverTheMaximumThenCertificateShortenedToTheMaximum(String ttl) throws Exception {
    X509Svid svid = authority.issueX509Svid(WORKLOAD, Duration.parse(ttl), List.of());
    X509Svid viaIssuer = authority.issue(WORKLOAD, Duration.parse(ttl));

    assertThat(svid.leaf().getNotAfter().toInstant()).isEqualTo(START.plus(MAX_TTL));
    assertThat(svid.expiresAt()).isEqualTo(START.plus(MAX_TTL));
    assertThat(viaIssuer.leaf().getNotAfter().toInstant()).isEqualTo(START.plus(MAX_TTL));
    assertThat(verifier(authority).verify(svid.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void issueWhenTtlOverTheMaximumAndUpstreamEndsSoonerThenCappedAtTheCaExpiry() {
    Instant upstreamEnd = START.plus(Duration.ofHours(30));
    Issued upstream = certs.ca("Short Upstream Root").validity(START.minus(Duration.ofDays(1)), upstreamEnd)
        .selfSigned();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    clock.set(upstreamEnd.minus(Duration.ofHours(2)));

    X509Svid svid = a.issue(WORKLOAD, Duration.ofDays(3));

    assertThat(svid.leaf().getNotAfter().toInstant()).isEqualTo(upstreamEnd);
  }

  static Stream<String> invalidDnsNames() {
    return Stream.of("", " ", "web example.org", "-web.example.org", "web-.example.org", "web..example.org",
        ".example.org", "web.example.org.", "web_1.example.org", "*.*.example.org", "web.*.example.org", "*",
        "*.", "a".repeat(64) + ".example.org", ("a".repeat(62) + ".").repeat(4) + "org", "wéb.example.org",
        "web.example.org\n", "web.example.org\u0000", "spiffe://example.org/x", "web@example.org",
        // Names the verifier refuses: an IP literal is not a DNS name, and a wildcard must leave two labels.
        "8.8.8.8", "10.0.0.1", "web.example.123", "*.com", "*.org", "*.1.2", "w*.example.org");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidDnsNames")
  void issueWhenDnsNameInvalidThenIllegalArgumentException(String name) {
    assertThatThrownBy(() -> authority.issueX509Svid(WORKLOAD, null, List.of("ok.example.org", name)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"8.8.8.8", "*.com", "web.example.org.", "web_1.example.org"})
  void issueWhenDnsNameInvalidThenMessageNamesIt(String name) {
    assertThatThrownBy(() -> authority.issueX509Svid(WORKLOAD, null, List.of("ok.example.org", name)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'")
        .hasMessageContaining("not a DNS name");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"8.8.8.8", "*.com", "192.168.0.1"})
  void issueForCsrWhenDnsNameIsAnIpLiteralOrATopLevelWildcardThenIllegalArgumentException(String name) {
    byte[] csr = csr(TestCertificates.ecKey(), "SHA256withECDSA", "CN=web", null);

    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, null, List.of(name)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"localhost", "*.web.example.org", "a-b.example.org", "xn--bcher-kva.example",
      "WEB.Example.ORG", "*.example.org", "1.2.3.example", "8.8.8.8x", "0a.1b"})
  void issueWhenDnsNameValidThenInTheLeafAndTheSvidVerifies(String name) throws Exception {
    X509Svid svid = authority.issueX509Svid(WORKLOAD, null, List.of(name));

    assertThat(names(svid.leaf(), DNS)).containsExactly(name);
    assertThat(verifier(authority).verify(svid.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void issueWhenDnsNameHas63CharacterLabelThenAccepted() throws Exception {
    String name = "a".repeat(63) + ".example.org";

    assertThat(names(authority.issueX509Svid(WORKLOAD, null, List.of(name)).leaf(), DNS)).containsExactly(name);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"spiffe://other.org/web", "spiffe://example.org", "spiffe://example.org.evil/web"})
  void issueWhenSubjectNotAWorkloadOfTheTrustDomainThenIllegalArgumentException(String subject) {
    assertThatThrownBy(() -> authority.issueX509Svid(SpiffeId.parse(subject)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issueWhenNullArgumentsThenNullPointerException() {
    assertThatThrownBy(() -> authority.issueX509Svid(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> authority.issueX509Svid(WORKLOAD, null, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(null, WORKLOAD, null, List.of()))
        .isInstanceOf(NullPointerException.class);
  }

  // ----------------------------------------------------------------------------------------------- CA certificate

  @Test
  void buildWhenNewThenOneActiveSelfSignedCaPublishedWithCaProfile() throws Exception {
    List<AuthorityCa> cas = authority.x509Cas();
    AuthorityCa ca = cas.get(0);
    X509Certificate cert = ca.certificate();

    assertThat(cas).hasSize(1);
    assertThat(ca.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(ca.keyType()).isEqualTo("EC_P256");
    assertThat(ca.tainted()).isFalse();
    assertThat(ca.createdAt()).isEqualTo(START);
    assertThat(ca.activatedAt()).contains(START);
    assertThat(ca.retiredAt()).isEmpty();
    assertThat(ca.notAfter()).isEqualTo(START.plus(CA_LIFETIME));
    assertThat(ca.toString()).doesNotContain("PRIVATE");
    assertCaProfile(cert);
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(START.minusSeconds(10));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(START.plus(CA_LIFETIME));
    assertThat(cert.getSubjectX500Principal()).isEqualTo(cert.getIssuerX500Principal());
    cert.verify(cert.getPublicKey());
    assertThat(authority.bundle().x509Authorities()).containsExactly(cert);
  }

  @Test
  void buildWhenRsaCaThenCaKeyIsRsa2048AndSvidKeysStayEc() throws Exception {
    EmbeddedAuthority rsa = EmbeddedAuthority.newBuilder(TD).clock(clock).rsaCa().build();
    AuthorityCa ca = rsa.x509Cas().get(0);
    X509Svid svid = rsa.issueX509Svid(WORKLOAD);

    assertThat(ca.keyType()).isEqualTo("RSA_2048");
    assertThat(((RSAPublicKey) ca.certificate().getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
    assertCaProfile(ca.certificate());
    assertThat(svid.leaf().getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThat(svid.leaf().getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(keyUsageBits(svid.leaf())).isEqualTo(KeyUsage.digitalSignature);
    assertThat(verifier(rsa).verify(svid.chain()).trustAnchor()).isEqualTo(ca.certificate());
  }

  private static void assertCaProfile(X509Certificate cert) throws Exception {
    assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(),
        Extension.keyUsage.getId());
    assertThat(cert.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(keyUsageBits(cert)).isEqualTo(KeyUsage.keyCertSign | KeyUsage.cRLSign);
    assertThat(names(cert, URI)).containsExactly("spiffe://example.org");
    assertThat(cert.getSubjectAlternativeNames()).hasSize(1);
    assertThat(subjectKeyIdentifier(cert)).isEqualTo(sha1KeyId(cert.getPublicKey()));
    assertThat(cert.getSerialNumber().bitLength()).isEqualTo(128);
  }

  // ------------------------------------------------------------------------------------------------- CSR issuance

  @Test
  void issueForCsrWhenCsrAsksForOtherNamesThenOnlyItsKeyIsUsed() throws Exception {
    KeyPair workload = TestCertificates.ecKey();
    byte[] csr = csr(workload, "SHA256withECDSA", "CN=evil, O=Evil Corp",
        new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org/admin"),
            new GeneralName(GeneralName.dNSName, "evil.example.com")}));

    X509Svid svid = authority.issueX509SvidForCsr(csr, WORKLOAD, Duration.ofMinutes(10), List.of("web.example.org"));

    assertThat(svid.leaf().getPublicKey()).isEqualTo(workload.getPublic());
    assertThat(names(svid.leaf(), URI)).containsExactly(WORKLOAD.toString());
    assertThat(names(svid.leaf(), DNS)).containsExactly("web.example.org");
    assertThat(svid.leaf().getSubjectX500Principal().getName()).doesNotContainIgnoringCase("evil");
    assertThat(keyUsageBits(svid.leaf())).isEqualTo(KeyUsage.digitalSignature);
    assertThat(svid.expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(10)));
    assertThat(svid.hasPrivateKey()).isFalse();
    assertThatThrownBy(svid::privateKey).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(svid::privateKeyPem).isInstanceOf(IllegalStateException.class);
    assertThat(verifier(authority).verify(svid.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void issueForCsrWhenRsaKeyThenKeyUsageAddsKeyEncipherment() throws Exception {
    KeyPair workload = TestCertificates.rsaKey(2048);

    X509Svid svid = authority.issueX509SvidForCsr(csr(workload, "SHA256withRSA", "CN=web", null), WORKLOAD, null,
        List.of());

    assertThat(svid.leaf().getPublicKey()).isEqualTo(workload.getPublic());
    assertThat(svid.leaf().getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
    assertThat(keyUsageBits(svid.leaf())).isEqualTo(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
    assertThat(svid.expiresAt()).isEqualTo(START.plus(Duration.ofHours(1)));
    assertThat(verifier(authority).verify(svid.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void issueForCsrWhenSignatureTamperedThenIllegalArgumentException() throws Exception {
    byte[] csr = csr(TestCertificates.ecKey(), "SHA256withECDSA", "CN=web", null);
    csr[csr.length - 1] ^= 0x01;

    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issueForCsrWhenSignedByAnotherKeyThenIllegalArgumentException() throws Exception {
    KeyPair claimed = TestCertificates.ecKey();
    KeyPair signer = TestCertificates.ecKey();
    byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web"), claimed.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())).getEncoded();

    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> unacceptableCsrs() {
    return Stream.of(
        Arguments.of("garbage", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}),
        Arguments.of("empty", new byte[0]),
        Arguments.of("EC P-384 key", csr(TestCertificates.ecP384Key(), "SHA384withECDSA", "CN=web", null)),
        Arguments.of("RSA 1024 key", csr(TestCertificates.rsaKey(1024), "SHA256withRSA", "CN=web", null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unacceptableCsrs")
  void issueForCsrWhenMalformedOrKeyNotAllowedThenIllegalArgumentException(String name, byte[] csr) {
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issueForCsrWhenBadDnsNameOrTtlOrSubjectThenIllegalArgumentException() {
    byte[] csr = csr(TestCertificates.ecKey(), "SHA256withECDSA", "CN=web", null);

    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, null, List.of("bad..name")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, WORKLOAD, Duration.ZERO, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, SpiffeId.parse("spiffe://other.org/web"), null,
        List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issueForCsrWhenTtlOverTheMaximumThenShortenedToTheMaximum() {
    byte[] csr = csr(TestCertificates.ecKey(), "SHA256withECDSA", "CN=web", null);

    X509Svid svid = authority.issueX509SvidForCsr(csr, WORKLOAD, Duration.ofDays(2), List.of());

    assertThat(svid.leaf().getNotAfter().toInstant()).isEqualTo(START.plus(MAX_TTL));
  }

  // ------------------------------------------------------------------------------------------------ CA lifecycle

  @Test
  void maintainWhenHalfTheCaLifeThenNextCaPreparedAndPublishedButNotIssuing() throws Exception {
    AuthorityCa first = active(authority);

    at(PREPARE_AT.minus(MS));
    assertThat(authority.x509Cas()).hasSize(1);

    at(PREPARE_AT);
    List<AuthorityCa> prepared = cas(authority, KeyState.PREPARED);
    assertThat(prepared).hasSize(1);
    AuthorityCa next = prepared.get(0);
    assertThat(next.createdAt()).isEqualTo(START.plus(PREPARE_AT));
    assertThat(next.activatedAt()).isEmpty();
    assertThat(next.notAfter()).isEqualTo(START.plus(PREPARE_AT).plus(CA_LIFETIME));
    assertThat(active(authority).id()).isEqualTo(first.id());
    assertThat(authority.bundle().x509Authorities()).containsExactlyInAnyOrder(first.certificate(),
        next.certificate());
    X509Svid svid = authority.issueX509Svid(WORKLOAD);
    assertThat(issuedBy(svid, first.certificate())).isTrue();
    assertThat(issuedBy(svid, next.certificate())).isFalse();
  }

  @Test
  void maintainWhenFiveSixthsOfTheCaLifeThenPreparedActivatedAndOldRetired() throws Exception {
    AuthorityCa first = active(authority);
    at(PREPARE_AT);
    AuthorityCa next = cas(authority, KeyState.PREPARED).get(0);

    at(ACTIVATE_AT.minus(MS));
    assertThat(active(authority).id()).isEqualTo(first.id());
    X509Svid beforeRotation = authority.issueX509Svid(WORKLOAD);
    assertThat(issuedBy(beforeRotation, first.certificate())).isTrue();

    at(ACTIVATE_AT);
    assertThat(active(authority).id()).isEqualTo(next.id());
    assertThat(active(authority).activatedAt()).contains(START.plus(ACTIVATE_AT));
    AuthorityCa retired = cas(authority, KeyState.RETIRED).get(0);
    assertThat(retired.id()).isEqualTo(first.id());
    assertThat(retired.retiredAt()).contains(START.plus(ACTIVATE_AT));
    X509Svid afterRotation = authority.issueX509Svid(WORKLOAD);
    assertThat(issuedBy(afterRotation, next.certificate())).isTrue();
    assertThat(authority.bundle().x509Authorities()).containsExactlyInAnyOrder(first.certificate(),
        next.certificate());
    assertThat(verifier(authority).verify(beforeRotation.chain()).trustAnchor()).isEqualTo(first.certificate());
    assertThat(verifier(authority).verify(afterRotation.chain()).trustAnchor()).isEqualTo(next.certificate());
  }

  @Test
  void maintainWhenRetiredCasLastSvidExpiredPlusGraceThenRootLeavesBundle() throws Exception {
    AuthorityCa first = active(authority);
    at(PREPARE_AT);
    at(ACTIVATE_AT.minus(MS));
    X509Svid last = authority.issueX509Svid(WORKLOAD, MAX_TTL, List.of());
    at(ACTIVATE_AT);
    Instant removable = START.plus(ACTIVATE_AT).plus(MAX_TTL).plus(GRACE);

    // The last SVID of the retired CA verifies up to its last instant.
    clock.set(last.expiresAt());
    assertThat(verifier(authority).verify(last.chain()).trustAnchor()).isEqualTo(first.certificate());

    clock.set(removable.minus(MS));
    authority.maintain();
    assertThat(authority.bundle().x509Authorities()).contains(first.certificate());
    assertThat(cas(authority, KeyState.RETIRED)).extracting(AuthorityCa::id).containsExactly(first.id());

    clock.set(removable);
    authority.maintain();
    assertThat(authority.bundle().x509Authorities()).doesNotContain(first.certificate()).hasSize(1);
    assertThat(authority.x509Cas()).extracting(AuthorityCa::id).doesNotContain(first.id());
    assertThat(authority.isUsable(last)).isFalse();
  }

  @Test
  void prepareX509CaWhenCalledThenRootPublishedBeforeItIssues() throws Exception {
    AuthorityCa first = active(authority);

    AuthorityCa prepared = authority.prepareX509Ca();

    assertThat(prepared.state()).isEqualTo(KeyState.PREPARED);
    assertThat(authority.prepareX509Ca().id()).isEqualTo(prepared.id());
    assertThat(authority.bundle().x509Authorities()).contains(prepared.certificate());
    assertThat(issuedBy(authority.issueX509Svid(WORKLOAD), first.certificate())).isTrue();

    clock.advance(Duration.ofMinutes(10));
    AuthorityCa activated = authority.activateX509Ca();

    assertThat(activated.id()).isEqualTo(prepared.id());
    assertThat(activated.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(issuedBy(authority.issueX509Svid(WORKLOAD), prepared.certificate())).isTrue();
    assertThat(authority.x509Cas()).extracting(AuthorityCa::state)
        .containsExactly(KeyState.RETIRED, KeyState.ACTIVE);
  }

  @Test
  void activateX509CaWhenNothingPreparedThenIllegalStateException() {
    assertThatThrownBy(authority::activateX509Ca).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rotateX509CaWhenCalledTwiceThenPreparesThenActivates() {
    AuthorityCa first = active(authority);

    AuthorityCa prepared = authority.rotateX509Ca();
    AuthorityCa activated = authority.rotateX509Ca();

    assertThat(prepared.state()).isEqualTo(KeyState.PREPARED);
    assertThat(activated.id()).isEqualTo(prepared.id());
    assertThat(activated.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(authority.x509Cas()).extracting(AuthorityCa::id).containsExactly(first.id(), prepared.id());
  }

  /**
   * The class documentation: "When it has lived half its lifetime a next one is PREPARED and published in the
   * bundle; at five sixths it is activated", so every CA after the first is published a third of the CA lifetime
   * (56 h by default) before it issues. Walks the default authority through 30 days, one hour at a time.
   */
  @Test
  void maintainWhenSteadyStateThenEveryCaIsPublishedAThirdOfItsLifeBeforeItIssues() {
    Map<String, AuthorityCa> seen = walk(authority, Duration.ofDays(30), Duration.ofHours(1));

    List<AuthorityCa> rotated = seen.values().stream()
        .filter(ca -> ca.activatedAt().isPresent() && !ca.createdAt().equals(START)).collect(Collectors.toList());
    assertThat(rotated).hasSizeGreaterThanOrEqualTo(4);
    for (AuthorityCa ca : rotated) {
      assertThat(Duration.between(ca.createdAt(), ca.activatedAt().get())).as(ca.toString())
          .isGreaterThanOrEqualTo(CA_LIFETIME.dividedBy(3));
    }
  }

  /**
   * At the smallest allowed CA lifetime (6 × max TTL) every CA after the first is still published before it issues
   * (a schedule timed from activation instead of creation would make the forced path activate a CA it just made).
   */
  @Test
  void maintainWhenShortestCaLifetimeThenNoCaIssuesBeforeItWasPublished() {
    EmbeddedAuthority tight = EmbeddedAuthority.newBuilder(TD).clock(clock).caLifetime(Duration.ofHours(6))
        .maxX509SvidTtl(Duration.ofHours(1)).build();

    Map<String, AuthorityCa> seen = walk(tight, Duration.ofDays(2), Duration.ofMinutes(1));

    for (AuthorityCa ca : seen.values()) {
      if (ca.activatedAt().isPresent() && !ca.createdAt().equals(START)) {
        assertThat(ca.activatedAt().get()).as(ca.toString()).isAfter(ca.createdAt());
      }
    }
  }

  /** Every CA seen while the clock walks, as last described. */
  private Map<String, AuthorityCa> walk(EmbeddedAuthority a, Duration length, Duration step) {
    Map<String, AuthorityCa> seen = new HashMap<>();
    for (Duration t = Duration.ZERO; t.compareTo(length) <= 0; t = t.plus(step)) {
      clock.set(START.plus(t));
      a.maintain();
      for (AuthorityCa ca : a.x509Cas()) {
        seen.put(ca.id(), ca);
      }
    }
    return seen;
  }

  // ------------------------------------------------------------------------------------------ taint and revoke

  @Test
  void taintX509CaWhenActiveThenItsSvidsNotUsableAndNextSvidFromNewCa() throws Exception {
    AuthorityCa first = active(authority);
    X509Svid old = authority.issueX509Svid(WORKLOAD);
    assertThat(authority.isUsable(old)).isTrue();
    clock.advance(Duration.ofMinutes(1));

    AuthorityCa tainted = authority.taintX509Ca(first.id());

    assertThat(tainted.tainted()).isTrue();
    assertThat(tainted.state()).isEqualTo(KeyState.RETIRED);
    assertThat(tainted.retiredAt()).contains(START.plus(Duration.ofMinutes(1)));
    assertThat(authority.isUsable(old)).isFalse();
    AuthorityCa replacement = active(authority);
    assertThat(replacement.id()).isNotEqualTo(first.id());
    X509Svid fresh = authority.issueX509Svid(WORKLOAD);
    assertThat(issuedBy(fresh, replacement.certificate())).isTrue();
    assertThat(authority.isUsable(fresh)).isTrue();
    // Tainting does not revoke: the old SVID still verifies until it expires or its CA is revoked.
    assertThat(authority.bundle().x509Authorities()).contains(first.certificate(), replacement.certificate());
    assertThat(verifier(authority).verify(old.chain()).trustAnchor()).isEqualTo(first.certificate());
  }

  @Test
  void taintX509CaWhenPreparedExistsThenPreparedBecomesActive() {
    AuthorityCa first = active(authority);
    AuthorityCa prepared = authority.prepareX509Ca();

    authority.taintX509Ca(first.id());

    assertThat(active(authority).id()).isEqualTo(prepared.id());
    assertThat(authority.x509Cas()).hasSize(2);
  }

  @Test
  void isUsableWhenSvidFromForeignAuthorityThenFalse() {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TD).clock(clock).build();

    assertThat(authority.isUsable(other.issueX509Svid(WORKLOAD))).isFalse();
  }

  @Test
  void revokeX509CaWhenNotActiveThenRootLeavesBundleAndItsSvidsFailVerification() throws Exception {
    AuthorityCa first = active(authority);
    X509Svid old = authority.issueX509Svid(WORKLOAD);
    authority.taintX509Ca(first.id());

    authority.revokeX509Ca(first.id());

    assertThat(authority.bundle().x509Authorities()).doesNotContain(first.certificate()).hasSize(1);
    assertThat(authority.x509Cas()).extracting(AuthorityCa::id).doesNotContain(first.id());
    assertThat(authority.isUsable(old)).isFalse();
    assertThatThrownBy(() -> verifier(authority).verify(old.chain()))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_CHAIN));
    X509Svid fresh = authority.issueX509Svid(WORKLOAD);
    assertThat(verifier(authority).verify(fresh.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  @Test
  void revokeX509CaWhenRetiredByRotationThenRootLeavesBundle() throws Exception {
    AuthorityCa first = active(authority);
    X509Svid old = authority.issueX509Svid(WORKLOAD);
    authority.rotateX509Ca();
    authority.rotateX509Ca();

    authority.revokeX509Ca(first.id());

    assertThat(authority.bundle().x509Authorities()).doesNotContain(first.certificate());
    assertThatThrownBy(() -> verifier(authority).verify(old.chain()))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_CHAIN));
  }

  @Test
  void revokeX509CaWhenPreparedThenRemovedFromBundle() {
    AuthorityCa prepared = authority.prepareX509Ca();

    authority.revokeX509Ca(prepared.id());

    assertThat(authority.bundle().x509Authorities()).doesNotContain(prepared.certificate()).hasSize(1);
  }

  @Test
  void revokeX509CaWhenActiveThenIllegalStateExceptionAndWhenUnknownThenIllegalArgumentException() {
    AuthorityCa first = active(authority);

    assertThatThrownBy(() -> authority.revokeX509Ca(first.id())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> authority.revokeX509Ca("no-such-ca")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> authority.taintX509Ca("no-such-ca")).isInstanceOf(IllegalArgumentException.class);
    assertThat(authority.bundle().x509Authorities()).containsExactly(first.certificate());
  }

  // ---------------------------------------------------------------------------------------------------- upstream

  private final TestCertificates certs = new TestCertificates(START);

  @Test
  void upstreamCaWhenGivenThenBundleHoldsUpstreamRootAndSvidChainIsLeafAndIntermediate() throws Exception {
    Issued upstream = certs.ca("Upstream Root").selfSigned();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    X509Certificate intermediate = a.x509Cas().get(0).certificate();

    X509Svid svid = a.issueX509Svid(WORKLOAD);

    assertThat(a.bundle().x509Authorities()).containsExactly(upstream.certificate);
    assertThat(intermediate.getIssuerX500Principal()).isEqualTo(upstream.certificate.getSubjectX500Principal());
    intermediate.verify(upstream.certificate.getPublicKey());
    assertCaProfile(intermediate);
    assertThat(authorityKeyIdentifier(intermediate)).isEqualTo(subjectKeyIdentifier(upstream.certificate));
    assertThat(svid.chain()).containsExactly(svid.leaf(), intermediate);
    VerifiedX509Svid verified = verifier(a).verify(svid.chain());
    assertThat(verified.path()).containsExactly(svid.leaf(), intermediate);
    assertThat(verified.trustAnchor()).isEqualTo(upstream.certificate);
    // A prepared CA is another intermediate under the same root: the bundle does not change.
    a.prepareX509Ca();
    assertThat(a.bundle().x509Authorities()).containsExactly(upstream.certificate);
  }

  @Test
  void upstreamCaWhenChainHasIntermediateThenSvidChainCarriesItAndBundleHoldsTheRoot() throws Exception {
    Issued root = certs.ca("Upstream Root").selfSigned();
    Issued upstreamIntermediate = certs.ca("Upstream Intermediate").issuedBy(root);
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock).upstreamCa(
        upstreamIntermediate.keyPair.getPrivate(), List.of(upstreamIntermediate.certificate, root.certificate))
        .build();

    X509Svid svid = a.issueX509Svid(WORKLOAD);

    assertThat(a.bundle().x509Authorities()).containsExactly(root.certificate);
    assertThat(svid.chain()).containsExactly(svid.leaf(), a.x509Cas().get(0).certificate(),
        upstreamIntermediate.certificate);
    assertThat(verifier(a).verify(svid.chain()).trustAnchor()).isEqualTo(root.certificate);
  }

  @Test
  void upstreamCaWhenItExpiresBeforeTheCaLifetimeThenCaAndSvidsAreCappedAtItsNotAfter() throws Exception {
    Instant upstreamEnd = START.plus(Duration.ofHours(30));
    Issued upstream = certs.ca("Short Upstream Root").validity(START.minus(Duration.ofDays(1)), upstreamEnd)
        .selfSigned();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    clock.set(upstreamEnd.minus(Duration.ofHours(2)));
    a.maintain();

    X509Svid svid = a.issueX509Svid(WORKLOAD, MAX_TTL, List.of());

    AuthorityCa ca = active(a);
    assertThat(ca.notAfter()).isEqualTo(upstreamEnd);
    assertThat(svid.expiresAt()).isEqualTo(upstreamEnd);
    assertThat(a.issueX509Svid(WORKLOAD).expiresAt()).isEqualTo(upstreamEnd.minus(Duration.ofHours(1)));
  }

  /**
   * An upstream CA that ends within the maximum SVID TTL: no CA the authority can make is "usable" by the
   * maintain() rule (notAfter - maxTtl is already past), so each maintenance replaces the active CA with a fresh one
   * capped at the same upstream notAfter, and every one stays in the key set until then.
   */
  @Test
  void upstreamCaWhenEndingWithinMaxTtlThenMaintenanceDoesNotChurnCas() {
    Instant upstreamEnd = START.plus(Duration.ofHours(2));
    Issued upstream = certs.ca("Ending Upstream Root").validity(START.minus(Duration.ofDays(1)), upstreamEnd)
        .selfSigned();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();

    for (int minute = 1; minute <= 10; minute++) {
      clock.set(START.plus(Duration.ofMinutes(minute)));
      a.maintain();
    }

    assertThat(a.x509Cas()).hasSizeLessThanOrEqualTo(2);
  }

  /**
   * Revoking a CA is documented as "its SVIDs stop verifying". Under an upstream CA the bundle holds only the
   * upstream root and every SVID carries its own intermediate, so removing the CA from the key set changes nothing a
   * verifier sees.
   */
  @Test
  void revokeX509CaWhenUpstreamThenRefusedBecauseTheUpstreamRootKeepsItsSvidsValid() throws Exception {
    Issued upstream = certs.ca("Upstream Root").selfSigned();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    AuthorityCa first = active(a);
    X509Svid old = a.issueX509Svid(WORKLOAD);
    a.taintX509Ca(first.id());

    assertThatThrownBy(() -> a.revokeX509Ca(first.id()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("upstream");
    // The tainted CA's SVIDs keep verifying until they expire: that is what refusing says, honestly.
    assertThat(verifier(a).verify(old.chain()).spiffeId()).isEqualTo(WORKLOAD);
  }

  /**
   * An upstream CA that has already expired: the CA made under it is capped at the upstream's notAfter, which is
   * before the CA's own notBefore, and so is every SVID. Building or issuing must fail rather than hand out a
   * certificate that was never valid.
   */
  @Test
  void upstreamCaWhenAlreadyExpiredThenBuildOrIssueFails() {
    Issued expired = certs.ca("Expired Upstream Root")
        .validity(START.minus(Duration.ofDays(2)), START.minus(Duration.ofDays(1))).selfSigned();

    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD).clock(clock)
        .upstreamCa(expired.keyPair.getPrivate(), List.of(expired.certificate)).build().issueX509Svid(WORKLOAD))
        .isInstanceOfAny(IllegalArgumentException.class, IllegalStateException.class);
  }

  @Test
  void upstreamCaWhenKeyDoesNotMatchCertificateThenIllegalArgumentException() {
    Issued upstream = certs.ca("Upstream Root").selfSigned();
    Issued other = certs.ca("Other Root").selfSigned();

    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD)
        .upstreamCa(other.keyPair.getPrivate(), List.of(upstream.certificate)))
        .isInstanceOf(IllegalArgumentException.class);
    Issued rsaUpstream = certs.ca("RSA Upstream").key(TestCertificates.rsaKey(2048)).selfSigned();
    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(rsaUpstream.certificate)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void upstreamCaWhenNotACaOrWithoutKeyCertSignOrEmptyThenIllegalArgumentException() {
    Issued notCa = certs.ca("Not A CA").basicConstraints(false, null).selfSigned();
    Issued noCertSign = certs.ca("No keyCertSign").keyUsage(KeyUsage.cRLSign | KeyUsage.digitalSignature, true)
        .selfSigned();

    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD)
        .upstreamCa(notCa.keyPair.getPrivate(), List.of(notCa.certificate)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD)
        .upstreamCa(noCertSign.keyPair.getPrivate(), List.of(noCertSign.certificate)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD)
        .upstreamCa(notCa.keyPair.getPrivate(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------------------------- persistence

  @Test
  void openWhenPersistedWithUpstreamThenSameCasAndUpstreamAndKeyFilesPrivate(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("authority");
    Issued upstream = certs.ca("Upstream Root").selfSigned();
    EmbeddedAuthority original = EmbeddedAuthority.newBuilder(TD).clock(clock).directory(dir)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    X509Svid issuedBefore = original.issueX509Svid(WORKLOAD);
    original.prepareX509Ca();

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(reopened.x509Cas()).extracting(AuthorityCa::certificate)
        .containsExactlyElementsOf(original.x509Cas().stream().map(AuthorityCa::certificate)
            .collect(Collectors.toList()));
    assertThat(reopened.x509Cas()).extracting(AuthorityCa::id, AuthorityCa::state, AuthorityCa::createdAt)
        .containsExactlyElementsOf(original.x509Cas().stream()
            .map(ca -> org.assertj.core.groups.Tuple.tuple(ca.id(), ca.state(), ca.createdAt()))
            .collect(Collectors.toList()));
    assertThat(reopened.bundle().x509Authorities()).containsExactly(upstream.certificate);
    assertThat(reopened.isUsable(issuedBefore)).isTrue();
    X509Svid issuedAfter = reopened.issueX509Svid(WORKLOAD);
    assertThat(issuedAfter.chain().get(1)).isEqualTo(issuedBefore.chain().get(1));
    assertThat(verifier(reopened).verify(issuedAfter.chain()).trustAnchor()).isEqualTo(upstream.certificate);
    // The upstream key came back too: a CA made after reopening is signed by it.
    AuthorityCa next = reopened.activateX509Ca();
    AuthorityCa third = reopened.prepareX509Ca();
    third.certificate().verify(upstream.certificate.getPublicKey());
    assertThat(next.state()).isEqualTo(KeyState.ACTIVE);

    List<Path> keyFiles;
    try (Stream<Path> files = Files.list(dir.resolve("keys"))) {
      keyFiles = files.filter(f -> f.toString().endsWith(".pem")).collect(Collectors.toList());
    }
    assertThat(keyFiles).extracting(f -> f.getFileName().toString()).contains("upstream.pem");
    assertThat(keyFiles).hasSizeGreaterThanOrEqualTo(1 + reopened.x509Cas().size());
    for (Path file : keyFiles) {
      assertThat(Files.getPosixFilePermissions(file)).as(file.toString())
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    String metadata = Files.readString(dir.resolve("authority.json"), StandardCharsets.UTF_8);
    assertThat(metadata).doesNotContain("PRIVATE KEY").contains("\"upstream\":true");
  }

  @Test
  void openWhenPersistedRsaCaThenNextCaIsRsaToo(@TempDir Path tmp) {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority original = EmbeddedAuthority.newBuilder(TD).clock(clock).directory(dir).rsaCa().build();

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);
    AuthorityCa prepared = reopened.prepareX509Ca();

    assertThat(reopened.x509Cas().get(0).certificate()).isEqualTo(original.x509Cas().get(0).certificate());
    assertThat(prepared.keyType()).isEqualTo("RSA_2048");
    assertThat(prepared.certificate().getPublicKey()).isInstanceOf(RSAPublicKey.class);
  }

  @Test
  void openWhenTaintedCaThenStillTaintedAndItsSvidsNotUsable(@TempDir Path tmp) {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority original = EmbeddedAuthority.newBuilder(TD).clock(clock).directory(dir).build();
    AuthorityCa first = active(original);
    X509Svid old = original.issueX509Svid(WORKLOAD);
    original.taintX509Ca(first.id());

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    AuthorityCa reloaded = reopened.x509Cas().stream().filter(ca -> ca.id().equals(first.id())).findFirst()
        .orElseThrow();
    assertThat(reloaded.tainted()).isTrue();
    assertThat(reloaded.state()).isEqualTo(KeyState.RETIRED);
    assertThat(reopened.isUsable(old)).isFalse();
    assertThat(active(reopened).id()).isEqualTo(active(original).id());
  }

  @Test
  void openWhenRevokedCaThenItsKeyFileIsGone(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority original = EmbeddedAuthority.newBuilder(TD).clock(clock).directory(dir).build();
    AuthorityCa first = active(original);
    original.taintX509Ca(first.id());
    original.revokeX509Ca(first.id());

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(reopened.x509Cas()).extracting(AuthorityCa::id).doesNotContain(first.id());
    assertThat(Files.exists(dir.resolve("keys").resolve(first.id() + ".pem"))).isFalse();
    assertThat(reopened.bundle().x509Authorities()).doesNotContain(first.certificate());
  }

  // ------------------------------------------------------------------------------------------------------ helpers

  private static List<String> names(X509Certificate certificate, int type) throws Exception {
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    List<String> names = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (Integer.valueOf(type).equals(san.get(0))) {
          names.add((String) san.get(1));
        }
      }
    }
    return names;
  }

  /** The key usage as BouncyCastle bits (KeyUsage.digitalSignature, ...). */
  private static int keyUsageBits(X509Certificate certificate) {
    boolean[] usage = certificate.getKeyUsage();
    int[] bits = {KeyUsage.digitalSignature, KeyUsage.nonRepudiation, KeyUsage.keyEncipherment,
        KeyUsage.dataEncipherment, KeyUsage.keyAgreement, KeyUsage.keyCertSign, KeyUsage.cRLSign,
        KeyUsage.encipherOnly, KeyUsage.decipherOnly};
    int result = 0;
    for (int i = 0; i < usage.length && i < bits.length; i++) {
      if (usage[i]) {
        result |= bits[i];
      }
    }
    return result;
  }

  private static byte[] subjectKeyIdentifier(X509Certificate certificate) {
    byte[] value = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    return ASN1OctetString.getInstance(ASN1OctetString.getInstance(value).getOctets()).getOctets();
  }

  private static byte[] authorityKeyIdentifier(X509Certificate certificate) {
    byte[] value = certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId());
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifier();
  }

  /** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
  private static byte[] sha1KeyId(PublicKey key) throws Exception {
    byte[] bits = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
    return MessageDigest.getInstance("SHA-1").digest(bits);
  }

  private static boolean keyMatches(java.security.PrivateKey privateKey, PublicKey publicKey) throws Exception {
    String algorithm = "EC".equals(privateKey.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(privateKey);
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(publicKey);
    verifier.update(new byte[] {1, 2, 3});
    return verifier.verify(signature);
  }

  /** A PKCS#10 request for {@code key}, asking for {@code subject} and, optionally, SANs via an extension request. */
  private static byte[] csr(KeyPair key, String algorithm, String subject, GeneralNames sans) {
    try {
      JcaPKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject),
          key.getPublic());
      if (sans != null) {
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
            new Extensions(new Extension(Extension.subjectAlternativeName, false, sans.getEncoded())));
      }
      PKCS10CertificationRequest request = builder.build(new JcaContentSignerBuilder(algorithm)
          .build(key.getPrivate()));
      return request.getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
