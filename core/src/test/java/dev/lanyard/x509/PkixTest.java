package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXReason;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The JDK's PKIX validator behind one call, and how its failures become reasons and messages. */
class PkixTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

  private final TestCertificates certs = new TestCertificates(NOW);

  static Stream<Arguments> reasons() {
    return Stream.of(
        Arguments.of(CertPathValidatorException.BasicReason.EXPIRED, Reason.EXPIRED),
        Arguments.of(CertPathValidatorException.BasicReason.NOT_YET_VALID, Reason.NOT_YET_VALID),
        Arguments.of(PKIXReason.NOT_CA_CERT, Reason.NOT_A_CA),
        Arguments.of(PKIXReason.INVALID_KEY_USAGE, Reason.NOT_A_CA),
        Arguments.of(PKIXReason.PATH_TOO_LONG, Reason.PATH_LENGTH_EXCEEDED),
        Arguments.of(PKIXReason.INVALID_NAME, Reason.NAME_CONSTRAINT_VIOLATION),
        Arguments.of(PKIXReason.UNRECOGNIZED_CRIT_EXT, Reason.UNKNOWN_CRITICAL_EXTENSION),
        Arguments.of(CertPathValidatorException.BasicReason.INVALID_SIGNATURE, Reason.UNTRUSTED_CHAIN),
        Arguments.of(CertPathValidatorException.BasicReason.UNSPECIFIED, Reason.UNTRUSTED_CHAIN),
        Arguments.of(CertPathValidatorException.BasicReason.REVOKED, Reason.UNTRUSTED_CHAIN),
        Arguments.of(PKIXReason.NO_TRUST_ANCHOR, Reason.UNTRUSTED_CHAIN),
        Arguments.of(PKIXReason.NAME_CHAINING, Reason.UNTRUSTED_CHAIN),
        Arguments.of(PKIXReason.INVALID_POLICY, Reason.UNTRUSTED_CHAIN));
  }

  @ParameterizedTest
  @MethodSource("reasons")
  void reasonOfWhenPkixReasonThenMappedReason(CertPathValidatorException.Reason pkix, Reason expected) {
    assertThat(Pkix.reasonOf(new CertPathValidatorException("x", null, null, -1, pkix))).isEqualTo(expected);
  }

  @Test
  void describeWhenIndexKnownThenNamesTheCertificate() throws Exception {
    Issued root = certs.ca("Root").selfSigned();
    Issued intermediate = certs.ca("Intermediate").issuedBy(root);
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(intermediate);
    CertPath path = CertificateFactory.getInstance("X.509")
        .generateCertPath(chain(leaf, intermediate, root));

    assertThat(Pkix.describe(exception("bad", path, 0), 2)).isEqualTo("bad (the leaf)");
    assertThat(Pkix.describe(exception("bad", path, 1), 2)).isEqualTo("bad (intermediate 1)");
    assertThat(Pkix.describe(exception("bad", path, 2), 2)).isEqualTo("bad (the root)");
    assertThat(Pkix.describe(exception(null, path, 0), 2)).isEqualTo("path validation failed (the leaf)");
    assertThat(Pkix.describe(new CertPathValidatorException("bad"), 2)).isEqualTo("bad");
  }

  @Test
  void validateWhenPathSignedUpToTheAnchorThenAccepted() {
    Issued root = certs.ca("Root").selfSigned();
    Issued intermediate = certs.ca("Intermediate").issuedBy(root);
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(intermediate);

    assertThatCode(() -> Pkix.validate(chain(leaf, intermediate), root.certificate, true, NOW))
        .doesNotThrowAnyException();
    assertThatCode(() -> Pkix.validate(chain(leaf, intermediate), root.certificate, false, NOW))
        .doesNotThrowAnyException();
  }

  @Test
  void validateWhenSignedByAnotherKeyThenUntrustedChain() {
    Issued root = certs.ca("Root").selfSigned();
    Issued impostor = certs.ca("Root").selfSigned();
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(impostor);

    assertRejected(() -> Pkix.validate(chain(leaf), root.certificate, true, NOW), Reason.UNTRUSTED_CHAIN);
  }

  @Test
  void validateWhenIntermediateExpiredThenExpiredAndNamed() {
    Issued root = certs.ca("Root").selfSigned();
    Issued intermediate = certs.ca("Intermediate")
        .validity(NOW.minus(Duration.ofDays(10)), NOW.minusSeconds(1)).issuedBy(root);
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(intermediate);

    assertThatThrownBy(() -> Pkix.validate(chain(leaf, intermediate), root.certificate, true, NOW))
        .isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
          assertThat(e.detail()).endsWith("(intermediate 1)");
        });
  }

  @Test
  void validateWhenRootExpiredAndSelfSignedThenExpiredAtTheRoot() {
    Issued root = certs.ca("Root").validity(NOW.minus(Duration.ofDays(10)), NOW.minusSeconds(1)).selfSigned();
    Issued leaf = certs.leaf("spiffe://example.org/w")
        .validity(NOW.minus(Duration.ofDays(5)), NOW.plus(Duration.ofDays(1))).issuedBy(root);

    // Handed to the JDK as the top of the path, the root's own validity is checked.
    assertThatThrownBy(() -> Pkix.validate(chain(leaf), root.certificate, true, NOW))
        .isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
          assertThat(e.detail()).endsWith("(the root)");
        });
  }

  @Test
  void validateWhenSelfSignedRootConstrainsNamesThenItsConstraintsBindThePath() {
    NameConstraints onlyOther = new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(TestCertificates.uri("other.org"))}, null);
    Issued root = certs.ca("Root").extension(Extension.nameConstraints, true, onlyOther).selfSigned();
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(root);

    assertRejected(() -> Pkix.validate(chain(leaf), root.certificate, true, NOW), Reason.NAME_CONSTRAINT_VIOLATION);
  }

  @Test
  void validateWhenIssuerIsNotACaThenNotACa() {
    Issued root = certs.ca("Root").selfSigned();
    Issued notCa = certs.ca("Not A CA").basicConstraints(false, null).issuedBy(root);
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(notCa);

    assertRejected(() -> Pkix.validate(chain(leaf, notCa), root.certificate, true, NOW), Reason.NOT_A_CA);
  }

  @Test
  void validateWhenPathLengthConstraintExceededThenPathLengthExceeded() {
    Issued root = certs.ca("Root").basicConstraints(true, 0).selfSigned();
    Issued intermediate = certs.ca("Intermediate").issuedBy(root);
    Issued leaf = certs.leaf("spiffe://example.org/w").issuedBy(intermediate);

    assertRejected(() -> Pkix.validate(chain(leaf, intermediate), root.certificate, true, NOW),
        Reason.PATH_LENGTH_EXCEEDED);
  }

  private static CertPathValidatorException exception(String message, CertPath path, int index) {
    return new CertPathValidatorException(message, null, path, index,
        CertPathValidatorException.BasicReason.UNSPECIFIED);
  }

  private static void assertRejected(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(X509SvidRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
