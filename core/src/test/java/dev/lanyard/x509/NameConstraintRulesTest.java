package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static dev.lanyard.x509.TestCertificates.dns;
import static dev.lanyard.x509.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.math.BigInteger;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The name-constraint rules the JDK misses, on small certificates generated here. */
class NameConstraintRulesTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

  private final TestCertificates certs = new TestCertificates(NOW);

  @Test
  void parseWhenNoExtensionThenNull() throws X509SvidRejectedException {
    assertThat(NameConstraintRules.parse(certs.ca("Root").selfSigned().certificate, "the root")).isNull();
  }

  @Test
  void parseWhenWellFormedThenConstraints() throws X509SvidRejectedException {
    Issued root = constrainedRoot(permitted(dns("example.com")), true);

    NameConstraints constraints = NameConstraintRules.parse(root.certificate, "the root");

    assertThat(constraints).isNotNull();
    assertThat(constraints.getPermittedSubtrees()).hasSize(1);
  }

  @Test
  void parseWhenNotCriticalThenViolation() {
    Issued root = constrainedRoot(permitted(dns("example.com")), false);

    assertRejected(() -> NameConstraintRules.parse(root.certificate, "the root"), Reason.NAME_CONSTRAINT_VIOLATION,
        "the root has name constraints that are not critical");
  }

  @Test
  void parseWhenEmptyListOfSubtreesThenViolation() {
    Issued root = constrainedRoot(new NameConstraints(new GeneralSubtree[0], null), true);

    assertRejected(() -> NameConstraintRules.parse(root.certificate, "the root"), Reason.NAME_CONSTRAINT_VIOLATION,
        "the root has name constraints with an empty list of subtrees");
  }

  @Test
  void parseWhenMinimumOrMaximumSetThenViolation() {
    Issued minimum = constrainedRoot(new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(dns("example.com"), BigInteger.ONE, null)}, null), true);
    Issued maximum = constrainedRoot(new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(dns("example.com"), BigInteger.ZERO, BigInteger.TEN)}, null), true);

    assertRejected(() -> NameConstraintRules.parse(minimum.certificate, "x"), Reason.NAME_CONSTRAINT_VIOLATION,
        "x has a malformed name constraint");
    assertRejected(() -> NameConstraintRules.parse(maximum.certificate, "x"), Reason.NAME_CONSTRAINT_VIOLATION,
        "x has a malformed name constraint");
  }

  @Test
  void parseWhenBaseMalformedThenViolation() {
    Issued wildcard = constrainedRoot(permitted(dns("*.example.com")), true);

    assertRejected(() -> NameConstraintRules.parse(wildcard.certificate, "the root"),
        Reason.NAME_CONSTRAINT_VIOLATION, "the root has a malformed name constraint");
  }

  @Test
  void checkWhenRootConstrainedButNotSelfSignedThenViolation() {
    Issued root = constrainedRoot(permitted(uri("example.org")), true);
    Issued leaf = leaf(root, uri("spiffe://example.org/w"));

    assertRejected(() -> NameConstraintRules.check(chain(leaf), root.certificate, false),
        Reason.NAME_CONSTRAINT_VIOLATION, "the root has name constraints but is not self-signed");
    assertThatCode(() -> NameConstraintRules.check(chain(leaf), root.certificate, true))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource({
      "example.com, true",
      "sub.example.com, false",
      "a.sub.example.com, false",
      "'', true"})
  void checkWhenLeafHasWildcardThenPermittedOnlyWhenEveryMatchIs(String permittedDns, boolean accepted) {
    Issued root = constrainedRoot(permitted(dns(permittedDns)), true);
    Issued leaf = leaf(root, dns("*.example.com"));

    ThrowingCallable check = () -> NameConstraintRules.check(chain(leaf), root.certificate, true);
    if (accepted) {
      assertThatCode(check).doesNotThrowAnyException();
    } else {
      assertRejected(check, Reason.NAME_CONSTRAINT_VIOLATION,
          "can match names outside the permitted DNS subtrees");
    }
  }

  @ParameterizedTest
  @CsvSource({
      "example.com, false", // the wildcard's own base
      "a.example.com, false", // one name it stands for
      "EXAMPLE.COM, false", // compared case-insensitively
      "a.b.example.com, true", // below what it can match
      "other.com, true"})
  void checkWhenLeafHasWildcardThenRejectedWhenItCanMatchAnExcludedName(String excludedDns, boolean accepted) {
    Issued root = constrainedRoot(new NameConstraints(null,
        new GeneralSubtree[] {new GeneralSubtree(dns(excludedDns))}), true);
    Issued leaf = leaf(root, dns("*.example.com"));

    ThrowingCallable check = () -> NameConstraintRules.check(chain(leaf), root.certificate, true);
    if (accepted) {
      assertThatCode(check).doesNotThrowAnyException();
    } else {
      assertRejected(check, Reason.NAME_CONSTRAINT_VIOLATION, "can match a name excluded by");
    }
  }

  @Test
  void checkWhenNameOfUnmatchableFormUnderConstraintOnThatFormThenViolation() {
    GeneralName registeredId = new GeneralName(GeneralName.registeredID, "1.2.3.4");
    Issued root = constrainedRoot(permitted(new GeneralName(GeneralName.registeredID, "1.2.3")), true);
    Issued leaf = leaf(root, registeredId);
    Issued unconstrainedRoot = certs.ca("Other Root").selfSigned();
    Issued leafOfUnconstrained = leaf(unconstrainedRoot, registeredId);

    assertRejected(() -> NameConstraintRules.check(chain(leaf), root.certificate, true),
        Reason.NAME_CONSTRAINT_VIOLATION, "the leaf has a name of a form whose name constraints cannot be processed");
    assertThatCode(() -> NameConstraintRules.check(chain(leafOfUnconstrained), unconstrainedRoot.certificate, true))
        .doesNotThrowAnyException();
  }

  @Test
  void checkWhenIntermediateConstrainsThenLeafBelowIsBound() {
    Issued root = certs.ca("Root").selfSigned();
    Issued intermediate = certs.ca("Intermediate")
        .extension(Extension.nameConstraints, true, permitted(dns("sub.example.com"))).issuedBy(root);
    Issued leaf = leaf(intermediate, dns("*.example.com"));

    assertRejected(() -> NameConstraintRules.check(chain(leaf, intermediate), root.certificate, true),
        Reason.NAME_CONSTRAINT_VIOLATION, "the leaf's wildcard");
  }

  /** RFC 5280 §6.1.3 (b): a self-issued intermediate is not bound by the constraints above it, the leaf always is. */
  @Test
  void checkWhenIntermediateSelfIssuedThenExemptButLeafNot() {
    GeneralName registeredId = new GeneralName(GeneralName.registeredID, "1.2.3.4");
    Issued root = certs.ca("Root")
        .extension(Extension.nameConstraints, true, permitted(new GeneralName(GeneralName.registeredID, "1.2.3")))
        .selfSigned();
    Issued selfIssued = certs.ca("Root").sans(registeredId).issuedBy(root);
    Issued otherName = certs.ca("Other Name").sans(registeredId).issuedBy(root);
    Issued leaf = leaf(selfIssued, uri("spiffe://example.org/w"));

    assertThatCode(() -> NameConstraintRules.check(chain(leaf, selfIssued), root.certificate, true))
        .doesNotThrowAnyException();
    assertRejected(() -> NameConstraintRules.check(chain(leaf(otherName, uri("spiffe://example.org/w")), otherName),
        root.certificate, true), Reason.NAME_CONSTRAINT_VIOLATION, "intermediate 1 has a name of a form");
  }

  @Test
  void checkWhenNamesTimesConstraintsExceedBudgetThenViolation() {
    int count = 300; // 300 names (+ subject attributes) times 300 constraints > 65536
    GeneralSubtree[] subtrees = new GeneralSubtree[count];
    GeneralName[] names = new GeneralName[count];
    for (int i = 0; i < count; i++) {
      subtrees[i] = new GeneralSubtree(dns("n" + i + ".example.com"));
      names[i] = dns("n" + i + ".example.com");
    }
    Issued root = constrainedRoot(new NameConstraints(subtrees, null), true);
    Issued leaf = leaf(root, names);
    Issued smallLeaf = leaf(root, dns("n1.example.com"));

    assertRejected(() -> NameConstraintRules.check(chain(leaf), root.certificate, true),
        Reason.NAME_CONSTRAINT_VIOLATION, "needs more than " + NameConstraintRules.MAX_NAME_CONSTRAINT_CHECKS);
    assertThatCode(() -> NameConstraintRules.check(chain(smallLeaf), root.certificate, true))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource({
      "example.com, example.com, true",
      "a.example.com, example.com, true",
      "aexample.com, example.com, false",
      "example.com, a.example.com, false",
      "anything, '', true"})
  void withinWhenNameIsConstraintOrBelowThenTrue(String name, String constraint, boolean expected) {
    assertThat(NameConstraintRules.within(name, constraint)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
      "a.example.com, example.com, true",
      "a.b.example.com, example.com, false",
      "example.com, example.com, false",
      ".example.com, example.com, false",
      "aexample.com, example.com, false"})
  void isOneLabelBelowWhenExactlyOneLabelThenTrue(String name, String parent, boolean expected) {
    assertThat(NameConstraintRules.isOneLabelBelow(name, parent)).isEqualTo(expected);
  }

  private Issued constrainedRoot(NameConstraints constraints, boolean critical) {
    return certs.ca("Constrained Root").extension(Extension.nameConstraints, critical, constraints).selfSigned();
  }

  private Issued leaf(Issued issuer, GeneralName... names) {
    return certs.leaf("spiffe://example.org/w").sans(names).issuedBy(issuer);
  }

  private static NameConstraints permitted(GeneralName base) {
    return new NameConstraints(new GeneralSubtree[] {new GeneralSubtree(base)}, null);
  }

  private static void assertRejected(ThrowingCallable call, Reason reason, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.detail()).contains(detail);
    });
  }
}
