package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static dev.lanyard.x509.TestCertificates.dns;
import static dev.lanyard.x509.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.x509.CertificateProfile.Role;
import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyConstraints;
import org.junit.jupiter.api.Test;

/** The RFC 5280 profile PKIX does not check, one rule broken per certificate. */
class CertificateProfileTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  static final String ID = "spiffe://example.org/w";

  private final TestCertificates certs = new TestCertificates(NOW);
  private final Issued root = certs.ca("Root").selfSigned();
  private final Issued intermediate = certs.ca("Intermediate").issuedBy(root);

  @Test
  void checkPathWhenConformantThenAccepted() {
    Issued leaf = certs.leaf(ID).issuedBy(intermediate);

    assertThatCode(() -> CertificateProfile.checkPath(chain(leaf, intermediate), root.certificate, NOW))
        .doesNotThrowAnyException();
  }

  @Test
  void checkPathWhenLeafAndAnchorBothBreakRulesThenLeafReportedFirst() {
    Issued badRoot = certs.ca("Bad Root").basicConstraints(false, null).selfSigned();
    Issued badLeaf = certs.leaf(ID).noKeyIdentifiers().issuedBy(badRoot);

    assertRejected(() -> CertificateProfile.checkPath(chain(badLeaf), badRoot.certificate, NOW), Reason.MALFORMED,
        "the leaf has no authority key identifier");
  }

  @Test
  void checkCertificateWhenCaWithoutSubjectKeyIdentifierThenMalformed() {
    Issued ca = certs.ca("No SKI").noKeyIdentifiers().issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(ca.certificate, Role.INTERMEDIATE, "intermediate 1"),
        Reason.MALFORMED, "intermediate 1 is a CA without a subject key identifier");
  }

  @Test
  void checkCertificateWhenIssuedWithoutAuthorityKeyIdentifierThenMalformed() {
    Issued leaf = certs.leaf(ID).noKeyIdentifiers().issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"),
        Reason.MALFORMED, "the leaf has no authority key identifier");
  }

  @Test
  void checkCertificateWhenSelfSignedWithoutAuthorityKeyIdentifierThenAccepted() {
    Issued selfSigned = certs.ca("Self Signed").selfSigned(); // SKI, no AKI

    assertThatCode(() -> CertificateProfile.checkCertificate(selfSigned.certificate, Role.ANCHOR, "the root"))
        .doesNotThrowAnyException();
  }

  @Test
  void checkCertificateWhenKeyTooWeakOrOfUnknownCurveThenUntrustedChain() {
    Issued rsa1024 = certs.leaf(ID).key(TestCertificates.rsaKey(1024)).issuedBy(root);
    Issued p384 = certs.leaf(ID).key(TestCertificates.ecP384Key()).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(rsa1024.certificate, Role.LEAF, "the leaf"),
        Reason.UNTRUSTED_CHAIN, "the leaf has an RSA key of 1024 bits");
    assertThatCode(() -> CertificateProfile.checkCertificate(p384.certificate, Role.LEAF, "the leaf"))
        .doesNotThrowAnyException();
  }

  @Test
  void checkCertificateWhenPolicyConstraintsNotCriticalThenMalformed() {
    Issued ca = certs.ca("Policy").extension(Extension.policyConstraints, false, new PolicyConstraints(null,
        java.math.BigInteger.ONE)).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(ca.certificate, Role.INTERMEDIATE, "intermediate 1"),
        Reason.MALFORMED, "intermediate 1 has policy constraints that are not marked critical");
  }

  @Test
  void checkCertificateWhenWildcardDnsNameThenAllowedOnTheLeafOnly() {
    Issued leaf = certs.leaf(ID).sans(uri(ID), dns("*.example.com")).issuedBy(root);
    Issued ca = certs.ca("Wildcard CA").sans(dns("*.example.com")).issuedBy(root);

    assertThatCode(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"))
        .doesNotThrowAnyException();
    assertRejected(() -> CertificateProfile.checkCertificate(ca.certificate, Role.INTERMEDIATE, "intermediate 1"),
        Reason.MALFORMED, "intermediate 1 has a malformed subject alternative name");
  }

  @Test
  void checkCertificateWhenIpAddressOfFiveOctetsThenMalformed() {
    Issued leaf = certs.leaf(ID)
        .sans(uri(ID), new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[5]))).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"),
        Reason.MALFORMED, "the leaf has a malformed subject alternative name");
  }

  @Test
  void checkCertificateWhenEmptySubjectAltNameThenMalformed() {
    Issued leaf = certs.leaf(ID).sans().issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"),
        Reason.MALFORMED, "the leaf has an empty subject alternative name");
  }

  /** BouncyCastle refuses an empty AccessDescription sequence while parsing, before it can be counted. */
  @Test
  void checkCertificateWhenEmptyAuthorityInformationAccessThenMalformed() {
    Issued leaf = certs.leaf(ID).extension(Extension.authorityInfoAccess, false, new DERSequence()).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"),
        Reason.MALFORMED, "the leaf has an authority information access that cannot be parsed");
  }

  @Test
  void checkCertificateWhenNameConstraintsOnANonCaThenMalformed() {
    NameConstraints constraints = new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(uri("example.org"))}, null);
    Issued leaf = certs.leaf(ID).extension(Extension.nameConstraints, true, constraints).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkCertificate(leaf.certificate, Role.LEAF, "the leaf"),
        Reason.MALFORMED, "the leaf has name constraints but is not a CA");
  }

  @Test
  void checkAnchorWhenUnknownCriticalExtensionThenReportedBeforeOtherFaults() {
    Issued anchor = certs.ca("Odd Root").basicConstraints(false, null)
        .extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true, new DERUTF8String("x")).selfSigned();

    assertRejected(() -> CertificateProfile.checkAnchor(anchor.certificate, NOW), Reason.UNKNOWN_CRITICAL_EXTENSION,
        "the root has an unknown critical extension 1.3.6.1.4.1.55555.1");
  }

  @Test
  void checkAnchorWhenNotACaOrWithoutKeyCertSignThenNotACa() {
    Issued notCa = certs.ca("Not CA").basicConstraints(false, null).selfSigned();
    Issued noCertSign = certs.ca("No CertSign").keyUsage(KeyUsage.cRLSign, true).selfSigned();

    assertRejected(() -> CertificateProfile.checkAnchor(notCa.certificate, NOW), Reason.NOT_A_CA,
        "the root is not a CA");
    assertRejected(() -> CertificateProfile.checkAnchor(noCertSign.certificate, NOW), Reason.NOT_A_CA,
        "the root's key usage does not allow keyCertSign");
  }

  @Test
  void checkAnchorWhenExtendedKeyUsageThenBadExtendedKeyUsage() {
    Issued anchor = certs.ca("EKU Root").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).selfSigned();

    assertRejected(() -> CertificateProfile.checkAnchor(anchor.certificate, NOW), Reason.BAD_EXTENDED_KEY_USAGE,
        "the root has an extended key usage");
  }

  @Test
  void checkAnchorWhenOutsideItsValidityThenExpiredOrNotYetValid() {
    Issued expired = certs.ca("Expired").validity(NOW.minus(Duration.ofDays(2)), NOW.minusSeconds(1)).selfSigned();
    Issued future = certs.ca("Future").validity(NOW.plusSeconds(1), NOW.plus(Duration.ofDays(2))).selfSigned();
    Issued lastSecond = certs.ca("Last Second").validity(NOW.minus(Duration.ofDays(2)), NOW).selfSigned();

    assertRejected(() -> CertificateProfile.checkAnchor(expired.certificate, NOW), Reason.EXPIRED, "the root expired");
    assertRejected(() -> CertificateProfile.checkAnchor(future.certificate, NOW), Reason.NOT_YET_VALID,
        "the root is not valid before");
    assertThatCode(() -> CertificateProfile.checkAnchor(lastSecond.certificate, NOW)).doesNotThrowAnyException();
  }

  @Test
  void checkPurposesWhenCaRestrictsToOtherPurposesThenBadExtendedKeyUsage() {
    Issued codeSigning = certs.ca("Code Signing").extendedKeyUsage(KeyPurposeId.id_kp_codeSigning).issuedBy(root);
    Issued leaf = certs.leaf(ID).issuedBy(codeSigning);

    assertRejected(() -> CertificateProfile.checkPurposes(chain(leaf, codeSigning)), Reason.BAD_EXTENDED_KEY_USAGE,
        "intermediate 1 restricts key purposes to [1.3.6.1.5.5.7.3.3]");
  }

  @Test
  void checkPurposesWhenLeafHasNoEkuThenCasMustAllowServerAndClientAuth() {
    Issued serverOnly = certs.ca("Server Only").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issuedBy(root);
    Issued both = certs.ca("Both")
        .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth).issuedBy(root);
    Issued any = certs.ca("Any").extendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage).issuedBy(root);

    assertRejected(() -> CertificateProfile.checkPurposes(
        chain(certs.leaf(ID).noExtendedKeyUsage().issuedBy(serverOnly), serverOnly)),
        Reason.BAD_EXTENDED_KEY_USAGE, "excludes the leaf's");
    assertThatCode(() -> CertificateProfile.checkPurposes(
        chain(certs.leaf(ID).noExtendedKeyUsage().issuedBy(both), both))).doesNotThrowAnyException();
    assertThatCode(() -> CertificateProfile.checkPurposes(
        chain(certs.leaf(ID).noExtendedKeyUsage().issuedBy(any), any))).doesNotThrowAnyException();
  }

  @Test
  void checkPurposesWhenLeafPurposesAllowedByCaThenAccepted() {
    Issued serverOnly = certs.ca("Server Only").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issuedBy(root);
    Issued leaf = certs.leaf(ID).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issuedBy(serverOnly);

    assertThatCode(() -> CertificateProfile.checkPurposes(chain(leaf, serverOnly))).doesNotThrowAnyException();
  }

  private static void assertRejected(ThrowingCallable call, Reason reason, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.detail()).contains(detail);
    });
  }
}
