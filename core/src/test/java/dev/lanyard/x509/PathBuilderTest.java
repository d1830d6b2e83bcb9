package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.x509.TestCertificates.Issued;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Path building alone: which candidate paths are handed to the check, in which order, and within which budget. The
 * check here records the paths and accepts or rejects them as a test needs, so no PKIX or profile rule is involved.
 */
class PathBuilderTest {
  static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  static final String ID = "spiffe://example.org/w";

  private final TestCertificates certs = new TestCertificates(NOW);
  private final Issued root = certs.ca("Root").selfSigned();

  /** Records each candidate path (a copy) and its anchor. */
  private final List<List<X509Certificate>> tried = new ArrayList<>();
  private final PathBuilder.PathCheck acceptAll = (path, anchor) -> tried.add(withAnchor(path, anchor));

  @Test
  void buildWhenNoAnchorsThenUntrustedTrustDomain() {
    Issued leaf = certs.leaf(ID).issuedBy(root);

    assertRejected(() -> PathBuilder.build(leaf.certificate, List.of(), List.of(), acceptAll),
        Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void buildWhenLeafIsAnAnchorThenUntrustedChainWithoutCheck() {
    assertRejected(() -> PathBuilder.build(root.certificate, List.of(), List.of(root.certificate), acceptAll),
        Reason.UNTRUSTED_CHAIN);
    assertThat(tried).isEmpty();
  }

  @Test
  void buildWhenLeafIssuedByAnchorThenPathIsTheLeaf() throws X509SvidRejectedException {
    Issued leaf = certs.leaf(ID).issuedBy(root);

    ValidatedPath result = PathBuilder.build(leaf.certificate, List.of(), List.of(root.certificate), acceptAll);

    assertThat(result.path).containsExactly(leaf.certificate);
    assertThat(result.anchor).isEqualTo(root.certificate);
  }

  @Test
  void buildWhenIntermediatesOutOfOrderAndUnusedOnesPresentThenPathInIssuingOrder()
      throws X509SvidRejectedException {
    Issued upper = certs.ca("Upper").issuedBy(root);
    Issued lower = certs.ca("Lower").issuedBy(upper);
    Issued unrelated = certs.ca("Unrelated").issuedBy(root);
    Issued leaf = certs.leaf(ID).issuedBy(lower);

    ValidatedPath result = PathBuilder.build(leaf.certificate,
        chain(unrelated, upper, lower), List.of(root.certificate), acceptAll);

    assertThat(result.path).containsExactly(leaf.certificate, lower.certificate, upper.certificate);
    assertThat(tried).hasSize(1);
  }

  /**
   * One intermediate key certified twice under one name, by an old root no longer in the bundle and by the current
   * root: the builder backs out of the dead end and finds the path through the cross-certificate.
   */
  @Test
  void buildWhenCrossSignedThenPathThroughTheCertificateOfTheTrustedRoot() throws X509SvidRejectedException {
    Issued oldRoot = certs.ca("Old Root").selfSigned();
    KeyPair intermediateKey = TestCertificates.ecKey();
    Issued byOld = certs.ca("Intermediate").key(intermediateKey).issuedBy(oldRoot);
    Issued byCurrent = certs.ca("Intermediate").key(intermediateKey).issuedBy(root);
    Issued leaf = certs.leaf(ID).issuedBy(byOld);

    ValidatedPath result = PathBuilder.build(leaf.certificate, chain(byOld, byCurrent), List.of(root.certificate),
        acceptAll);

    assertThat(result.path).containsExactly(leaf.certificate, byCurrent.certificate);
    assertThat(result.anchor).isEqualTo(root.certificate);
  }

  @Test
  void buildWhenTwoAnchorsCanCloseThePathThenTheFirstAcceptedWins() throws X509SvidRejectedException {
    Issued reissuedRoot = certs.ca("Root").key(root.keyPair).selfSigned();
    Issued leaf = certs.leaf(ID).issuedBy(root);
    PathBuilder.PathCheck onlyReissued = (path, anchor) -> {
      tried.add(withAnchor(path, anchor));
      if (!anchor.equals(reissuedRoot.certificate)) {
        throw new X509SvidRejectedException(Reason.EXPIRED, "the first root expired");
      }
    };

    ValidatedPath result = PathBuilder.build(leaf.certificate, List.of(),
        List.of(root.certificate, reissuedRoot.certificate), onlyReissued);

    assertThat(result.anchor).isEqualTo(reissuedRoot.certificate);
    assertThat(tried).hasSize(2);
  }

  /** Two CAs that name each other as issuer, each really signed by the other's key: the search ends, no path. */
  @Test
  void buildWhenIntermediatesFormASignedLoopThenUntrustedChainWithoutCheck() {
    KeyPair a = TestCertificates.ecKey();
    KeyPair b = TestCertificates.ecKey();
    Issued aByB = certs.ca("A").key(a).noKeyIdentifiers().issuedBy("CN=B", b.getPrivate());
    Issued bByA = certs.ca("B").key(b).noKeyIdentifiers().issuedBy("CN=A", a.getPrivate());
    Issued leaf = certs.leaf(ID).noKeyIdentifiers().issuedBy("CN=A", a.getPrivate());

    assertRejected(() -> PathBuilder.build(leaf.certificate, chain(aByB, bByA), List.of(root.certificate),
        acceptAll), Reason.UNTRUSTED_CHAIN);
    assertThat(tried).isEmpty();
  }

  @Test
  void buildWhenPathAtMaxDepthThenFoundAndOneDeeperThenNot() throws X509SvidRejectedException {
    List<Issued> cas = new ArrayList<>();
    Issued issuer = root;
    for (int i = 0; i < PathBuilder.MAX_DEPTH; i++) {
      issuer = certs.ca("CA " + i).issuedBy(issuer);
      cas.add(0, issuer);
    }
    // cas: the deepest CA first, MAX_DEPTH of them; the leaf plus MAX_DEPTH - 1 CAs is the longest path.
    List<X509Certificate> deepest = chain(cas.toArray(new Issued[0]));
    Issued shallowLeaf = certs.leaf(ID).issuedBy(cas.get(1));
    Issued deepLeaf = certs.leaf(ID).issuedBy(cas.get(0));

    ValidatedPath atLimit = PathBuilder.build(shallowLeaf.certificate, deepest.subList(1, deepest.size()),
        List.of(root.certificate), acceptAll);
    assertThat(atLimit.path).hasSize(PathBuilder.MAX_DEPTH);

    tried.clear();
    assertRejected(() -> PathBuilder.build(deepLeaf.certificate, deepest, List.of(root.certificate), acceptAll),
        Reason.UNTRUSTED_CHAIN);
    assertThat(tried).isEmpty();
  }

  /** Impostors copy the issuer's name but not its key: each costs one signature check and never reaches the check. */
  @Test
  void buildWhenImpostorsAheadOfTheIssuerThenTheyNeverReachTheCheck() throws X509SvidRejectedException {
    Issued good = certs.ca("Intermediate").issuedBy(root);
    Issued leaf = certs.leaf(ID).noKeyIdentifiers().issuedBy("CN=Intermediate", good.keyPair.getPrivate());
    List<X509Certificate> presented = impostors("Intermediate", 10);
    presented.add(good.certificate);

    ValidatedPath result = PathBuilder.build(leaf.certificate, presented, List.of(root.certificate), acceptAll);

    assertThat(result.path).containsExactly(leaf.certificate, good.certificate);
    assertThat(tried).hasSize(1);
  }

  @Test
  void buildWhenMoreImpostorsThanSignatureChecksThenGivesUpWithUntrustedChain() {
    Issued good = certs.ca("Intermediate").issuedBy(root);
    Issued leaf = certs.leaf(ID).noKeyIdentifiers().issuedBy("CN=Intermediate", good.keyPair.getPrivate());
    List<X509Certificate> presented = impostors("Intermediate", PathBuilder.MAX_SIGNATURE_CHECKS);
    presented.add(good.certificate);

    assertRejected(() -> PathBuilder.build(leaf.certificate, presented, List.of(root.certificate), acceptAll),
        Reason.UNTRUSTED_CHAIN);
    assertThat(tried).isEmpty();
  }

  @Test
  void buildWhenEveryPathRejectedThenAtMostMaxValidationsChecked() {
    List<X509Certificate> roots = new ArrayList<>();
    for (int i = 0; i < PathBuilder.MAX_VALIDATIONS + 3; i++) {
      roots.add(certs.ca("Root").key(root.keyPair).selfSigned().certificate);
    }
    Issued leaf = certs.leaf(ID).issuedBy(root);
    PathBuilder.PathCheck rejectAll = (path, anchor) -> {
      tried.add(withAnchor(path, anchor));
      throw new X509SvidRejectedException(Reason.NOT_A_CA, "no");
    };

    assertRejected(() -> PathBuilder.build(leaf.certificate, List.of(), roots, rejectAll), Reason.NOT_A_CA);
    assertThat(tried).hasSize(PathBuilder.MAX_VALIDATIONS);
  }

  /** The first failure that says more than "untrusted chain" is the one reported. */
  @Test
  void buildWhenPathsRejectedForDifferentReasonsThenFirstTellingReasonReported() {
    List<X509Certificate> roots = List.of(root.certificate,
        certs.ca("Root").key(root.keyPair).selfSigned().certificate,
        certs.ca("Root").key(root.keyPair).selfSigned().certificate);
    Issued leaf = certs.leaf(ID).issuedBy(root);
    Reason[] answers = {Reason.UNTRUSTED_CHAIN, Reason.EXPIRED, Reason.NOT_A_CA};
    PathBuilder.PathCheck check = (path, anchor) -> {
      tried.add(withAnchor(path, anchor));
      throw new X509SvidRejectedException(answers[tried.size() - 1], "attempt " + tried.size());
    };

    assertThatThrownBy(() -> PathBuilder.build(leaf.certificate, List.of(), roots, check))
        .isInstanceOfSatisfying(X509SvidRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
          assertThat(e.detail()).isEqualTo("attempt 2");
        });
    assertThat(tried).hasSize(3);
  }

  /** Same-named CAs, each signed by a key of its own: candidates by name that fail the signature check. */
  private List<X509Certificate> impostors(String cn, int count) {
    List<X509Certificate> impostors = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      impostors.add(certs.ca(cn).issuedBy(root).certificate);
    }
    return impostors;
  }

  private static List<X509Certificate> withAnchor(List<X509Certificate> path, X509Certificate anchor) {
    List<X509Certificate> copy = new ArrayList<>(path);
    copy.add(anchor);
    return copy;
  }

  private static void assertRejected(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(X509SvidRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
