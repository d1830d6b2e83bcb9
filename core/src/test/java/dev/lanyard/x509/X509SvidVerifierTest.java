package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static dev.lanyard.x509.TestCertificates.dns;
import static dev.lanyard.x509.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The X.509-SVID verifier against chains built here with BouncyCastle: the catalogue of bad chains (each breaking
 * one rule, each with the exact rejection reason), then the chains it must accept, the validity boundaries on a
 * fixed clock, and path building on hostile intermediates.
 */
class X509SvidVerifierTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String ID = "spiffe://example.org/workload";

  /** A trust domain's PKI: root (in the bundle) → intermediate, and a rogue CA nobody trusts. */
  static final class Pki {
    final TestCertificates certs = new TestCertificates(NOW);
    final Issued root = certs.ca("Test Root").selfSigned();
    final Issued intermediate = certs.ca("Test Intermediate").issuedBy(root);

    TestCertificates.Spec leaf() {
      return certs.leaf(ID);
    }

    TestCertificates.Spec ca(String cn) {
      return certs.ca(cn);
    }
  }

  /** What a case presents: the chain, and the roots of the bundle of example.org. */
  static final class Presented {
    final List<X509Certificate> chain;
    final List<X509Certificate> roots;

    Presented(List<X509Certificate> chain, List<X509Certificate> roots) {
      this.chain = chain;
      this.roots = roots;
    }
  }

  @FunctionalInterface
  interface Scenario {
    Presented build(Pki pki);
  }

  /** The chain, verified against the PKI's own root. */
  static Scenario chainOf(java.util.function.Function<Pki, List<X509Certificate>> chain) {
    return pki -> new Presented(chain.apply(pki), List.of(pki.root.certificate));
  }

  static Arguments bad(String name, Reason reason, Scenario scenario) {
    return Arguments.of(name, reason, scenario);
  }

  static X509SvidVerifier verifier(List<X509Certificate> roots, Clock clock) {
    TrustBundle.Builder bundle = TrustBundle.newBuilder(TD);
    roots.forEach(bundle::addX509Authority);
    return X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle.build())).clock(clock).build();
  }

  static X509SvidVerifier verifier(List<X509Certificate> roots) {
    return verifier(roots, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  // ----------------------------------------------------------------------------------------------- bad chains

  static Stream<Arguments> badChains() {
    return Stream.of(
        // The leaf itself.
        bad("leaf that is a CA", Reason.NOT_A_LEAF,
            chainOf(p -> chain(p.leaf().basicConstraints(true, null).issuedBy(p.root)))),
        bad("leaf that is a CA with pathLen 0", Reason.NOT_A_LEAF,
            chainOf(p -> chain(p.leaf().basicConstraints(true, 0).issuedBy(p.root)))),
        bad("two URI SANs", Reason.MULTIPLE_URI_SANS,
            chainOf(p -> chain(p.leaf().sans(uri(ID), uri("spiffe://example.org/other")).issuedBy(p.root)))),
        bad("a SPIFFE ID and an https URI SAN", Reason.MULTIPLE_URI_SANS,
            chainOf(p -> chain(p.leaf().sans(uri(ID), uri("https://example.org/x")).issuedBy(p.root)))),
        bad("no URI SAN (DNS only)", Reason.MISSING_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(dns("workload.example.org")).issuedBy(p.root)))),
        bad("no SAN at all", Reason.MISSING_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().noSans().issuedBy(p.root)))),
        bad("non-spiffe URI (https)", Reason.INVALID_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(uri("https://example.org/workload")).issuedBy(p.root)))),
        bad("upper-case scheme SPIFFE://", Reason.INVALID_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(uri("SPIFFE://example.org/workload")).issuedBy(p.root)))),
        bad("root path spiffe://example.org", Reason.INVALID_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(uri("spiffe://example.org")).issuedBy(p.root)))),
        bad("SPIFFE ID with a query", Reason.INVALID_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(uri("spiffe://example.org/x?admin=1")).issuedBy(p.root)))),
        bad("SPIFFE ID with a dot segment", Reason.INVALID_SPIFFE_ID,
            chainOf(p -> chain(p.leaf().sans(uri("spiffe://example.org/a/../admin")).issuedBy(p.root)))),
        bad("foreign trust domain without a bundle", Reason.UNTRUSTED_TRUST_DOMAIN,
            chainOf(p -> chain(p.leaf().sans(uri("spiffe://other.org/x")).issuedBy(p.root)))),
        // Key usage and extended key usage of the leaf.
        bad("keyCertSign on a leaf", Reason.BAD_KEY_USAGE,
            chainOf(p -> chain(p.leaf().keyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign, true)
                .issuedBy(p.root)))),
        bad("cRLSign on a leaf", Reason.BAD_KEY_USAGE,
            chainOf(p -> chain(p.leaf().keyUsage(KeyUsage.digitalSignature | KeyUsage.cRLSign, true)
                .issuedBy(p.root)))),
        bad("key usage not critical", Reason.BAD_KEY_USAGE,
            chainOf(p -> chain(p.leaf().keyUsage(KeyUsage.digitalSignature, false).issuedBy(p.root)))),
        bad("no digitalSignature", Reason.BAD_KEY_USAGE,
            chainOf(p -> chain(p.leaf().keyUsage(KeyUsage.keyEncipherment, true).issuedBy(p.root)))),
        bad("no key usage at all", Reason.BAD_KEY_USAGE,
            chainOf(p -> chain(p.leaf().noKeyUsage().issuedBy(p.root)))),
        bad("EKU with only serverAuth", Reason.BAD_EXTENDED_KEY_USAGE,
            chainOf(p -> chain(p.leaf().extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issuedBy(p.root)))),
        bad("EKU with only clientAuth", Reason.BAD_EXTENDED_KEY_USAGE,
            chainOf(p -> chain(p.leaf().extendedKeyUsage(KeyPurposeId.id_kp_clientAuth).issuedBy(p.root)))),
        bad("EKU with only codeSigning", Reason.BAD_EXTENDED_KEY_USAGE,
            chainOf(p -> chain(p.leaf().extendedKeyUsage(KeyPurposeId.id_kp_codeSigning).issuedBy(p.root)))),
        // Validity.
        bad("expired leaf", Reason.EXPIRED,
            chainOf(p -> chain(p.leaf().validity(NOW.minus(Duration.ofHours(2)), NOW.minusSeconds(1))
                .issuedBy(p.root)))),
        bad("leaf not yet valid", Reason.NOT_YET_VALID,
            chainOf(p -> chain(p.leaf().validity(NOW.plusSeconds(1), NOW.plus(Duration.ofHours(1)))
                .issuedBy(p.root)))),
        bad("expired intermediate", Reason.EXPIRED, chainOf(p -> {
          Issued expired = p.ca("Expired Intermediate")
              .validity(NOW.minus(Duration.ofDays(2)), NOW.minusSeconds(1)).issuedBy(p.root);
          return chain(p.leaf().issuedBy(expired), expired);
        })),
        bad("intermediate not yet valid", Reason.NOT_YET_VALID, chainOf(p -> {
          Issued future = p.ca("Future Intermediate")
              .validity(NOW.plusSeconds(1), NOW.plus(Duration.ofDays(2))).issuedBy(p.root);
          return chain(p.leaf().issuedBy(future), future);
        })),
        // Issuing certificates.
        bad("intermediate with CA:FALSE", Reason.NOT_A_CA, chainOf(p -> {
          Issued notCa = p.ca("Not A CA").basicConstraints(false, null).issuedBy(p.root);
          return chain(p.leaf().issuedBy(notCa), notCa);
        })),
        bad("intermediate without basic constraints", Reason.NOT_A_CA, chainOf(p -> {
          Issued notCa = p.ca("No Basic Constraints").noBasicConstraints().issuedBy(p.root);
          return chain(p.leaf().issuedBy(notCa), notCa);
        })),
        bad("intermediate without keyCertSign", Reason.NOT_A_CA, chainOf(p -> {
          Issued noCertSign = p.ca("No keyCertSign").keyUsage(KeyUsage.digitalSignature | KeyUsage.cRLSign, true)
              .issuedBy(p.root);
          return chain(p.leaf().issuedBy(noCertSign), noCertSign);
        })),
        bad("a leaf SVID used as an intermediate", Reason.NOT_A_CA, chainOf(p -> {
          Issued svid = p.certs.leaf("spiffe://example.org/issuer").issuedBy(p.root);
          return chain(p.leaf().issuedBy(svid), svid);
        })),
        bad("pathLen 0 intermediate with another intermediate below it", Reason.PATH_LENGTH_EXCEEDED,
            chainOf(p -> {
              Issued upper = p.ca("PathLen Zero").basicConstraints(true, 0).issuedBy(p.root);
              Issued lower = p.ca("Below PathLen Zero").issuedBy(upper);
              return chain(p.leaf().issuedBy(lower), lower, upper);
            })),
        // The root itself: PKIX treats the trust anchor as a bare name and key; the verifier checks its certificate.
        bad("expired root", Reason.EXPIRED, p -> {
          Issued root = p.ca("Expired Root").validity(NOW.minus(Duration.ofDays(2)), NOW.minusSeconds(1))
              .selfSigned();
          return new Presented(chain(p.leaf().issuedBy(root)), List.of(root.certificate));
        }),
        bad("root pathLen 0 with an intermediate below it", Reason.PATH_LENGTH_EXCEEDED, p -> {
          Issued root = p.ca("PathLen Zero Root").basicConstraints(true, 0).selfSigned();
          Issued intermediate = p.ca("Under PathLen Zero Root").issuedBy(root);
          return new Presented(chain(p.leaf().issuedBy(intermediate), intermediate), List.of(root.certificate));
        }),
        bad("root not yet valid", Reason.NOT_YET_VALID, p -> {
          Issued root = p.ca("Future Root").validity(NOW.plusSeconds(1), NOW.plus(Duration.ofDays(2))).selfSigned();
          return new Presented(chain(p.leaf().issuedBy(root)), List.of(root.certificate));
        }),
        bad("root with CA:FALSE", Reason.NOT_A_CA, p -> {
          Issued root = p.ca("Not A CA Root").basicConstraints(false, null).selfSigned();
          return new Presented(chain(p.leaf().issuedBy(root)), List.of(root.certificate));
        }),
        bad("root without keyCertSign", Reason.NOT_A_CA, p -> {
          Issued root = p.ca("No keyCertSign Root").keyUsage(KeyUsage.cRLSign, true).selfSigned();
          return new Presented(chain(p.leaf().issuedBy(root)), List.of(root.certificate));
        }),
        // Name constraints and critical extensions.
        bad("root name constraints permit only spiffe://other.org", Reason.NAME_CONSTRAINT_VIOLATION, p -> {
          NameConstraints onlyOther = new NameConstraints(
              new GeneralSubtree[] {new GeneralSubtree(uri("other.org"))}, null);
          Issued root = p.ca("Constrained Root").extension(Extension.nameConstraints, true, onlyOther).selfSigned();
          return new Presented(chain(p.leaf().sans(uri("spiffe://example.org/x")).issuedBy(root)),
              List.of(root.certificate));
        }),
        bad("root name constraints exclude spiffe://example.org", Reason.NAME_CONSTRAINT_VIOLATION, p -> {
          NameConstraints excludeExample = new NameConstraints(null,
              new GeneralSubtree[] {new GeneralSubtree(uri("example.org"))});
          Issued root = p.ca("Excluding Root").extension(Extension.nameConstraints, true, excludeExample)
              .selfSigned();
          Issued intermediate = p.ca("Under Excluding Root").issuedBy(root);
          return new Presented(chain(p.leaf().issuedBy(intermediate), intermediate), List.of(root.certificate));
        }),
        bad("intermediate name constraints permit only spiffe://other.org", Reason.NAME_CONSTRAINT_VIOLATION,
            chainOf(p -> {
              NameConstraints onlyOther = new NameConstraints(
                  new GeneralSubtree[] {new GeneralSubtree(uri("other.org"))}, null);
              Issued constrained = p.ca("Constrained Intermediate")
                  .extension(Extension.nameConstraints, true, onlyOther).issuedBy(p.root);
              return chain(p.leaf().issuedBy(constrained), constrained);
            })),
        bad("root with an unknown critical extension", Reason.UNKNOWN_CRITICAL_EXTENSION, p -> {
          Issued root = p.ca("Root With Unknown Critical")
              .extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true, new DERUTF8String("x")).selfSigned();
          return new Presented(chain(p.leaf().issuedBy(root)), List.of(root.certificate));
        }),
        bad("intermediate with an unknown critical extension", Reason.UNKNOWN_CRITICAL_EXTENSION, chainOf(p -> {
          Issued odd = p.ca("Intermediate With Unknown Critical")
              .extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true, new DERUTF8String("x"))
              .issuedBy(p.root);
          return chain(p.leaf().issuedBy(odd), odd);
        })),
        bad("leaf with an unknown critical extension", Reason.UNKNOWN_CRITICAL_EXTENSION,
            chainOf(p -> chain(p.leaf()
                .extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true, new DERUTF8String("x"))
                .issuedBy(p.root)))),
        // Shape of the chain.
        bad("empty chain", Reason.MALFORMED, chainOf(p -> List.of())),
        bad("a null certificate in the chain", Reason.MALFORMED,
            chainOf(p -> Collections.unmodifiableList(java.util.Arrays.asList(
                p.leaf().issuedBy(p.intermediate).certificate, null)))),
        bad("11 certificates", Reason.CHAIN_TOO_LONG, chainOf(p -> {
          List<X509Certificate> chain = new ArrayList<>();
          chain.add(p.leaf().issuedBy(p.intermediate).certificate);
          for (int i = 0; i < 10; i++) {
            chain.add(p.intermediate.certificate);
          }
          return chain;
        })),
        bad("signed by an untrusted CA", Reason.UNTRUSTED_CHAIN, chainOf(p -> {
          Issued rogue = p.ca("Rogue Root").selfSigned();
          return chain(p.leaf().issuedBy(rogue));
        })),
        bad("signed by an untrusted CA that presents itself", Reason.UNTRUSTED_CHAIN, chainOf(p -> {
          Issued rogue = p.ca("Rogue Root").selfSigned();
          return chain(p.leaf().issuedBy(rogue), rogue);
        })),
        bad("signed by an impostor of the trusted root's name", Reason.UNTRUSTED_CHAIN, chainOf(p -> {
          Issued impostor = p.ca("Test Root").selfSigned();
          return chain(p.leaf().issuedBy(impostor));
        })),
        bad("signed by an impostor of the root's name, without key identifiers", Reason.UNTRUSTED_CHAIN,
            chainOf(p -> chain(p.leaf().noKeyIdentifiers().issuedBy("CN=Test Root",
                TestCertificates.ecKey().getPrivate())))),
        bad("intermediate signed by an untrusted CA", Reason.UNTRUSTED_CHAIN, chainOf(p -> {
          Issued rogue = p.ca("Rogue Root").selfSigned();
          Issued intermediate = p.ca("Rogue Intermediate").issuedBy(rogue);
          return chain(p.leaf().issuedBy(intermediate), intermediate);
        })),
        bad("missing intermediate", Reason.UNTRUSTED_CHAIN,
            chainOf(p -> chain(p.leaf().issuedBy(p.intermediate)))),
        bad("leaf equal to a root", Reason.UNTRUSTED_CHAIN, p -> {
          Issued pinned = p.leaf().selfSigned();
          return new Presented(chain(pinned), List.of(p.root.certificate, pinned.certificate));
        }),
        bad("tampered leaf signature", Reason.UNTRUSTED_CHAIN, chainOf(p ->
            List.of(TestCertificates.withTamperedSignature(p.leaf().issuedBy(p.root).certificate)))),
        bad("tampered intermediate signature", Reason.UNTRUSTED_CHAIN, chainOf(p -> List.of(
            p.leaf().issuedBy(p.intermediate).certificate,
            TestCertificates.withTamperedSignature(p.intermediate.certificate)))),
        bad("bundle without X.509 roots", Reason.UNTRUSTED_TRUST_DOMAIN,
            p -> new Presented(chain(p.leaf().issuedBy(p.root)), List.of())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badChains")
  void verifyWhenChainIsBadThenRejectedWithExactReason(String name, Reason expected, Scenario scenario) {
    Presented presented = scenario.build(new Pki());
    X509SvidVerifier verifier = verifier(presented.roots);

    assertThatThrownBy(() -> verifier.verify(presented.chain))
        .isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
          assertThat(e.reason()).as(e.getMessage()).isEqualTo(expected);
          assertThat(e.getMessage()).startsWith(expected.name() + ": ");
          assertThat(e.getStackTrace()).isEmpty();
        });
  }

  @Test
  void verifyWhenChainIsNullThenMalformed() {
    Pki pki = new Pki();

    assertThatThrownBy(() -> verifier(List.of(pki.root.certificate)).verify(null))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
  }

  @Test
  void verifyWhenTrustDomainNotAcceptedThenUntrustedTrustDomain() {
    Pki pki = new Pki();
    TrustBundle bundle = TrustBundle.newBuilder(TD).addX509Authority(pki.root.certificate).build();
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).trustDomains(TrustDomain.of("other.org")).build();

    assertThatThrownBy(() -> verifier.verify(chain(pki.leaf().issuedBy(pki.root))))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN));
  }

  @Test
  void verifyWhenMaxChainLengthTwoAndThreeCertificatesThenChainTooLong() {
    Pki pki = new Pki();
    Issued lower = pki.ca("Lower").issuedBy(pki.intermediate);
    TrustBundle bundle = TrustBundle.newBuilder(TD).addX509Authority(pki.root.certificate).build();
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).maxChainLength(2).build();

    assertThatThrownBy(() -> verifier.verify(chain(pki.leaf().issuedBy(lower), lower, pki.intermediate)))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_TOO_LONG));
  }

  // ---------------------------------------------------------------------------------------------- good chains

  @Test
  void verifyWhenLeafDirectlyUnderRootThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.root);

    VerifiedX509Svid verified = verifier(List.of(pki.root.certificate)).verify(chain(leaf));

    assertThat(verified.spiffeId()).isEqualTo(SpiffeId.parse(ID));
    assertThat(verified.leaf()).isEqualTo(leaf.certificate);
    assertThat(verified.path()).containsExactly(leaf.certificate);
    assertThat(verified.trustAnchor()).isEqualTo(pki.root.certificate);
    assertThat(verified.expiresAt()).isEqualTo(leaf.certificate.getNotAfter().toInstant());
  }

  @Test
  void verifyWhenLeafAndIntermediateInOrderThenAcceptedWithPath() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.intermediate);

    VerifiedX509Svid verified = verifier(List.of(pki.root.certificate)).verify(chain(leaf, pki.intermediate));

    assertThat(verified.path()).containsExactly(leaf.certificate, pki.intermediate.certificate);
    assertThat(verified.trustAnchor()).isEqualTo(pki.root.certificate);
  }

  @Test
  void verifyWhenExtraUnrelatedCertificateInChainThenAcceptedAndLeftOutOfPath() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.intermediate);
    Issued unrelated = pki.ca("Unrelated").selfSigned();

    VerifiedX509Svid verified = verifier(List.of(pki.root.certificate))
        .verify(chain(leaf, unrelated, pki.intermediate));

    assertThat(verified.path()).containsExactly(leaf.certificate, pki.intermediate.certificate);
  }

  @Test
  void verifyWhenRootAlsoPresentedInChainThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.intermediate);

    VerifiedX509Svid verified = verifier(List.of(pki.root.certificate))
        .verify(chain(leaf, pki.intermediate, pki.root));

    assertThat(verified.path()).containsExactly(leaf.certificate, pki.intermediate.certificate);
    assertThat(verified.trustAnchor()).isEqualTo(pki.root.certificate);
  }

  @Test
  void verifyWhenIntermediatesOutOfOrderThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued lower = pki.ca("Lower Intermediate").issuedBy(pki.intermediate);
    Issued leaf = pki.leaf().issuedBy(lower);

    VerifiedX509Svid verified = verifier(List.of(pki.root.certificate))
        .verify(chain(leaf, pki.intermediate, lower));

    assertThat(verified.path()).containsExactly(leaf.certificate, lower.certificate, pki.intermediate.certificate);
  }

  @Test
  void verifyWhenSeveralRootsThenTheIssuingOneIsTheAnchor() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued otherRoot = pki.ca("Other Root").selfSigned();
    Issued leaf = pki.leaf().issuedBy(pki.intermediate);

    VerifiedX509Svid verified = verifier(List.of(otherRoot.certificate, pki.root.certificate))
        .verify(chain(leaf, pki.intermediate));

    assertThat(verified.trustAnchor()).isEqualTo(pki.root.certificate);
  }

  @Test
  void verifyWhenLeafHasNoExtendedKeyUsageOrNoBasicConstraintsThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    X509SvidVerifier verifier = verifier(List.of(pki.root.certificate));

    assertThat(verifier.verify(chain(pki.leaf().noExtendedKeyUsage().issuedBy(pki.root))).spiffeId())
        .isEqualTo(SpiffeId.parse(ID));
    assertThat(verifier.verify(chain(pki.leaf().noBasicConstraints().issuedBy(pki.root))).spiffeId())
        .isEqualTo(SpiffeId.parse(ID));
  }

  @Test
  void verifyWhenLeafHasDnsSansAndRsaKeyWithKeyEnciphermentThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().key(TestCertificates.rsaKey(2048))
        .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment, true)
        .sans(uri(ID), dns("workload.example.org"), dns("*.workload.example.org")).issuedBy(pki.root);

    assertThat(verifier(List.of(pki.root.certificate)).verify(chain(leaf)).spiffeId())
        .isEqualTo(SpiffeId.parse(ID));
  }

  @Test
  void verifyWhenRootNameConstraintsPermitTheTrustDomainThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    NameConstraints onlyExample = new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(uri("example.org"))}, null);
    Issued root = pki.ca("Example Only Root").extension(Extension.nameConstraints, true, onlyExample).selfSigned();
    Issued intermediate = pki.ca("Under Example Only Root").issuedBy(root);

    VerifiedX509Svid verified = verifier(List.of(root.certificate))
        .verify(chain(pki.leaf().issuedBy(intermediate), intermediate));

    assertThat(verified.trustAnchor()).isEqualTo(root.certificate);
  }

  // -------------------------------------------------------------------------------------- validity boundaries

  /**
   * RFC 5280 §4.1.2.5: the validity period includes notAfter. The verifier (its own leaf check and the JDK's PKIX
   * validation for the rest of the path) treats notAfter as the last valid instant.
   */
  @Test
  void verifyWhenExactlyAtLeafNotAfterThenAcceptedAndOneMillisecondLaterExpired() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Instant notAfter = NOW.plus(Duration.ofHours(1));
    Issued leaf = pki.leaf().validity(NOW.minusSeconds(10), notAfter).issuedBy(pki.intermediate);
    List<X509Certificate> chain = chain(leaf, pki.intermediate);
    List<X509Certificate> roots = List.of(pki.root.certificate);

    assertThat(verifier(roots, Clock.fixed(notAfter, ZoneOffset.UTC)).verify(chain).expiresAt()).isEqualTo(notAfter);
    assertThatThrownBy(() -> verifier(roots, Clock.fixed(notAfter.plusMillis(1), ZoneOffset.UTC)).verify(chain))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
  }

  @Test
  void verifyWhenExactlyAtLeafNotBeforeThenAcceptedAndOneMillisecondEarlierNotYetValid()
      throws X509SvidRejectedException {
    Pki pki = new Pki();
    Instant notBefore = NOW.minusSeconds(10);
    Issued leaf = pki.leaf().validity(notBefore, NOW.plus(Duration.ofHours(1))).issuedBy(pki.root);
    List<X509Certificate> roots = List.of(pki.root.certificate);

    assertThat(verifier(roots, Clock.fixed(notBefore, ZoneOffset.UTC)).verify(chain(leaf)).leaf())
        .isEqualTo(leaf.certificate);
    assertThatThrownBy(() -> verifier(roots, Clock.fixed(notBefore.minusMillis(1), ZoneOffset.UTC))
        .verify(chain(leaf)))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID));
  }

  @Test
  void verifyWhenExactlyAtIntermediateNotAfterThenAcceptedAndOneMillisecondLaterExpired()
      throws X509SvidRejectedException {
    Pki pki = new Pki();
    Instant end = NOW.plus(Duration.ofHours(1));
    Issued intermediate = pki.ca("Short Intermediate").validity(NOW.minus(Duration.ofDays(1)), end)
        .issuedBy(pki.root);
    // The leaf outlives its issuer: RFC 5280 does not forbid it, and the intermediate's expiry decides.
    Issued leaf = pki.leaf().validity(NOW.minusSeconds(10), end.plus(Duration.ofHours(1))).issuedBy(intermediate);
    List<X509Certificate> chain = chain(leaf, intermediate);
    List<X509Certificate> roots = List.of(pki.root.certificate);

    assertThat(verifier(roots, Clock.fixed(end, ZoneOffset.UTC)).verify(chain).path()).hasSize(2);
    assertThatThrownBy(() -> verifier(roots, Clock.fixed(end.plusMillis(1), ZoneOffset.UTC)).verify(chain))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
  }

  // ---------------------------------------------------------------------------------------------- path building

  /**
   * Ten intermediates with the same subject name and different keys, only one of which the root signed (the others
   * name the root as issuer, copy its key identifier as AKI, and are signed by impostor keys), and a leaf whose AKI
   * names the good one: 11 certificates are over the default limit of 10, so the answer is CHAIN_TOO_LONG before any
   * path is built; with the good one and 8 impostors the key identifiers pick the good one at once, wherever it is.
   */
  @Test
  void verifyWhenSameNamedIntermediatesWithDistinctKeyIdentifiersThenAnswersFast() {
    Pki pki = new Pki();
    List<X509Certificate> impostors = sameNamedImpostors(pki, 10, null);
    Issued good = pki.ca("Same Name").issuedBy(pki.root);
    Issued leaf = pki.leaf().issuedBy(good);
    X509SvidVerifier verifier = verifier(List.of(pki.root.certificate));

    List<X509Certificate> eleven = new ArrayList<>();
    eleven.add(leaf.certificate);
    eleven.addAll(impostors.subList(0, 9));
    eleven.add(good.certificate);
    assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThatThrownBy(() -> verifier.verify(eleven))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_TOO_LONG)));

    List<X509Certificate> ten = new ArrayList<>();
    ten.add(leaf.certificate);
    ten.addAll(impostors.subList(0, 8));
    ten.add(good.certificate);
    VerifiedX509Svid verified = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> verifier.verify(ten));
    assertThat(verified.path()).containsExactly(leaf.certificate, good.certificate);
  }

  /**
   * The same, but the impostors also copy the good intermediate's SKI, so names and key identifiers match all nine:
   * the builder checks each candidate's signature over the leaf before going deeper (at most
   * {@link PathBuilder#MAX_SIGNATURE_CHECKS} checks), so impostors are dropped cheaply and the valid path is found
   * wherever it stands, fast. (Go's crypto/x509 allows 100 signature checks per chain.)
   */
  @Test
  void verifyWhenImpostorsCopyNameAndKeyIdentifierThenBoundedAnswer() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued good = pki.ca("Same Name").issuedBy(pki.root);
    List<X509Certificate> impostors = sameNamedImpostors(pki, 8,
        TestCertificates.subjectKeyIdentifierOf(good.certificate));
    Issued leaf = pki.leaf().issuedBy(good);
    X509SvidVerifier verifier = verifier(List.of(pki.root.certificate));

    List<X509Certificate> goodLast = new ArrayList<>();
    goodLast.add(leaf.certificate);
    goodLast.addAll(impostors);
    goodLast.add(good.certificate);
    assertThat(goodLast).hasSize(10);
    VerifiedX509Svid behindImpostors = assertTimeoutPreemptively(Duration.ofSeconds(1),
        () -> verifier.verify(goodLast));
    assertThat(behindImpostors.path()).containsExactly(leaf.certificate, good.certificate);

    List<X509Certificate> goodFourth = new ArrayList<>();
    goodFourth.add(leaf.certificate);
    goodFourth.addAll(impostors.subList(0, 3));
    goodFourth.add(good.certificate);
    goodFourth.addAll(impostors.subList(3, 8));
    VerifiedX509Svid verified = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> verifier.verify(goodFourth));
    assertThat(verified.path()).containsExactly(leaf.certificate, good.certificate);
  }

  /**
   * Nine intermediates that could all have issued each other by name (same name as issuer and subject, same key
   * identifier as SKI and AKI) and none leads to the root: the builder's signature checks cut every loop (each is
   * signed by a key of its own), so the search ends at once with no path.
   */
  @Test
  void verifyWhenIntermediatesFormANameLoopThenUntrustedChainFast() {
    Pki pki = new Pki();
    byte[] loopKeyId = new byte[20];
    java.util.Arrays.fill(loopKeyId, (byte) 0x42);
    List<X509Certificate> chain = new ArrayList<>();
    Issued first = null;
    for (int i = 0; i < 9; i++) {
      Issued loop = pki.ca("Loop").subjectKeyIdentifier(loopKeyId).authorityKeyIdentifier(loopKeyId)
          .issuedBy("CN=Loop", TestCertificates.ecKey().getPrivate());
      if (first == null) {
        first = loop;
      }
      chain.add(loop.certificate);
    }
    chain.add(0, pki.leaf().authorityKeyIdentifier(loopKeyId).issuedBy(first).certificate);
    X509SvidVerifier verifier = verifier(List.of(pki.root.certificate));

    assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThatThrownBy(() -> verifier.verify(chain))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_CHAIN)));
  }

  /** CAs named "CN=Same Name" claiming the root as issuer (name and AKI) but signed by impostor keys. */
  private static List<X509Certificate> sameNamedImpostors(Pki pki, int count, byte[] copiedSki) {
    byte[] rootSki = TestCertificates.subjectKeyIdentifierOf(pki.root.certificate);
    List<X509Certificate> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TestCertificates.Spec spec = pki.ca("Same Name").authorityKeyIdentifier(rootSki);
      if (copiedSki != null) {
        spec.subjectKeyIdentifier(copiedSki);
      }
      list.add(spec.issuedBy("CN=Test Root", TestCertificates.ecKey().getPrivate()).certificate);
    }
    return list;
  }

  // -------------------------------------------------------------------------------------------- revocations

  private static X509SvidVerifier revoking(List<X509Certificate> roots, RevocationList revocations) {
    TrustBundle.Builder bundle = TrustBundle.newBuilder(TD);
    roots.forEach(bundle::addX509Authority);
    return X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle.build()))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).revocations(revocations).build();
  }

  @Test
  void verifyWhenSpiffeIdRevokedForSvidsIssuedBeforeThenRevokedAndALaterSvidAccepted()
      throws X509SvidRejectedException {
    Pki pki = new Pki();
    Instant revokedBefore = NOW.minusSeconds(60);
    Issued old = pki.leaf().validity(revokedBefore.minusMillis(1), NOW.plus(Duration.ofHours(1))).issuedBy(pki.root);
    Issued renewed = pki.leaf().validity(revokedBefore, NOW.plus(Duration.ofHours(1))).issuedBy(pki.root);
    RevocationList revocations = new RevocationList();
    X509SvidVerifier verifier = revoking(List.of(pki.root.certificate), revocations);
    assertThat(verifier.verify(chain(old)).spiffeId()).isEqualTo(SpiffeId.parse(ID));

    revocations.revokeSubject(SpiffeId.parse(ID), revokedBefore);

    assertThatThrownBy(() -> verifier.verify(chain(old)))
        .isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.REVOKED);
          assertThat(e.reason().description()).isEqualTo("The certificate has been revoked");
        });
    assertThat(verifier.verify(chain(renewed)).leaf()).as("notBefore exactly at the instant is not before it")
        .isEqualTo(renewed.certificate);
    assertThat(verifier(List.of(pki.root.certificate)).verify(chain(old)).leaf())
        .as("a verifier without the list").isEqualTo(old.certificate);
  }

  @Test
  void verifyWhenAnotherSpiffeIdRevokedThenAccepted() throws X509SvidRejectedException {
    Pki pki = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.root);
    RevocationList revocations = new RevocationList();
    revocations.revokeSubject(SpiffeId.parse("spiffe://example.org/other"), NOW);

    assertThat(revoking(List.of(pki.root.certificate), revocations).verify(chain(leaf)).spiffeId())
        .isEqualTo(SpiffeId.parse(ID));
  }

  @Test
  void verifyWhenRevokedSpiffeIdPresentsAnUntrustedChainThenUntrustedChainNotRevoked() {
    Pki pki = new Pki();
    Pki other = new Pki();
    Issued leaf = pki.leaf().issuedBy(pki.root);
    RevocationList revocations = new RevocationList();
    revocations.revokeSubject(SpiffeId.parse(ID), NOW);

    assertThatThrownBy(() -> revoking(List.of(other.root.certificate), revocations).verify(chain(leaf)))
        .isInstanceOfSatisfying(X509SvidRejectedException.class,
            e -> assertThat(e.reason()).as("revocation is told only to a chain that verifies")
                .isEqualTo(Reason.UNTRUSTED_CHAIN));
  }

  // ----------------------------------------------------------------------------------------------- the builder

  @Test
  void builderWhenOptionSetTwiceThenIllegalState() {
    TrustBundle bundle = TrustBundle.newBuilder(TD).build();
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle))
        .bundleSource(BundleSource.of(bundle))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().clock(Clock.systemUTC()).clock(Clock.systemUTC()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().maxChainLength(3).maxChainLength(3))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().trustDomains(TD).trustDomains(TD))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().revocations(new RevocationList())
        .revocations(new RevocationList())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builderWhenMaxChainLengthOutOfRangeThenIllegalArgument() {
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().maxChainLength(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> X509SvidVerifier.newBuilder().maxChainLength(11))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reasonWhenAnyThenFixedDescriptionWithoutDetail() {
    for (Reason reason : Reason.values()) {
      assertThat(reason.description()).isNotBlank().doesNotContain("%").doesNotContain("{");
    }
  }
}
