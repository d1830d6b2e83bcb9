package dev.lanyard.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSvidSourceTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");

  @TempDir Path dir;
  private EmbeddedAuthority authority;
  private Path cert;
  private Path key;
  private Path bundle;
  private FileSvidSource source;

  @BeforeEach
  void setUp() {
    authority = EmbeddedAuthority.newBuilder(EXAMPLE).build();
    cert = dir.resolve("svid.pem");
    key = dir.resolve("svid_key.pem");
    bundle = dir.resolve("svid_bundle.pem");
  }

  @AfterEach
  void tearDown() {
    if (source != null) {
      source.close();
    }
  }

  private X509Svid issue(Duration ttl) {
    return authority.issue(PAYMENTS, ttl);
  }

  private void writeInPlace(X509Svid svid) throws IOException {
    Files.writeString(cert, svid.chainPem());
    Files.writeString(key, svid.privateKeyPem());
    Files.writeString(bundle, authority.bundle().toPem());
  }

  /** As spiffe-helper and Kubernetes' atomic writer do: write aside, then rename over the old file. */
  private void moveInto(Path target, String content) throws IOException {
    Path temporary = dir.resolve(target.getFileName() + ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private FileSvidSource build() {
    source = FileSvidSource.newBuilder().certificate(cert).key(key).bundle(bundle).build();
    return source;
  }

  @Test
  void buildWhenFilesHoldValidSvidThenServesItAndItsBundle() throws IOException {
    X509Svid svid = issue(Duration.ofHours(1));
    writeInPlace(svid);

    FileSvidSource files = build();

    assertThat(files.current().serial()).isEqualTo(svid.serial());
    assertThat(files.current().privateKey()).isEqualTo(svid.privateKey());
    assertThat(files.spiffeId()).isEqualTo(PAYMENTS);
    TrustBundle roots = files.bundleSource().bundleFor(EXAMPLE).orElseThrow();
    assertThat(roots.x509Authorities()).isEqualTo(authority.bundle().x509Authorities());
    assertThat(files.bundleSource().bundleFor(TrustDomain.of("other.org"))).isEmpty();
  }

  @Test
  void buildWhenKeyIsSec1ThenAccepted() throws IOException {
    X509Svid svid = issue(Duration.ofHours(1));
    writeInPlace(svid);
    // As OpenSSL writes it: the SEC1 structure naming its curve.
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(svid.privateKey().getEncoded());
    byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((ECPrivateKey) svid.privateKey()).getS(),
        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
    String sec1 = Certificates.pem("EC PRIVATE KEY", der);
    Files.writeString(key, sec1);

    assertThat(build().current().serial()).isEqualTo(svid.serial());
  }

  @Test
  void buildWhenBundleIsSpiffeJsonThenAccepted() throws IOException {
    writeInPlace(issue(Duration.ofHours(1)));
    Files.writeString(bundle, authority.bundle().toJson());

    assertThat(build().bundleSource().bundleFor(EXAMPLE).orElseThrow().x509Authorities()).isNotEmpty();
  }

  @Test
  void buildWhenFileMissingThenFailsNamingIt() throws IOException {
    writeInPlace(issue(Duration.ofHours(1)));
    Files.delete(key);

    assertThatThrownBy(this::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key.toString());
  }

  @Test
  void buildWhenKeyDoesNotMatchThenFailsWithoutKeyText() throws IOException {
    writeInPlace(issue(Duration.ofHours(1)));
    String otherKey = issue(Duration.ofHours(1)).privateKeyPem();
    Files.writeString(key, otherKey);

    assertThatThrownBy(this::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold the key of the certificate")
        .hasMessageNotContaining(otherKey.substring(40, 80));
  }

  @Test
  void reloadWhenFilesReplacedByAtomicMoveThenNewSvidServedAndListenersTold() throws Exception {
    writeInPlace(issue(Duration.ofHours(1)));
    FileSvidSource files = build();
    List<X509Svid> told = new CopyOnWriteArrayList<>();
    files.addListener(told::add);
    X509Svid next = issue(Duration.ofHours(1));

    moveInto(cert, next.chainPem());
    moveInto(key, next.privateKeyPem());
    files.reloadIfChanged();

    assertThat(files.current().serial()).isEqualTo(next.serial());
    assertThat(told).extracting(X509Svid::serial).containsExactly(next.serial());
  }

  @Test
  void reloadWhenFilesWrittenInPlaceThenBackgroundCheckServesNewSvid() throws Exception {
    writeInPlace(issue(Duration.ofHours(1)));
    source = FileSvidSource.newBuilder().certificate(cert).key(key).bundle(bundle)
        .checkInterval(Duration.ofMillis(50)).build();
    List<X509Svid> told = new CopyOnWriteArrayList<>();
    source.addListener(told::add);
    X509Svid next = issue(Duration.ofHours(1));

    writeInPlace(next);

    // Nobody calls current(): the background check finds the change and tells the listener.
    Await.until("listener told of the new SVID", () -> !told.isEmpty()
        && told.get(told.size() - 1).serial().equals(next.serial()), Duration.ofSeconds(10));
    assertThat(source.current().serial()).isEqualTo(next.serial());
  }

  @Test
  void reloadWhenCertificateTruncatedThenKeepsCurrentSvid() throws Exception {
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    FileSvidSource files = build();
    X509Svid next = issue(Duration.ofHours(1));
    String pem = next.chainPem();

    Files.writeString(cert, pem.substring(0, pem.length() / 2));
    Files.writeString(key, next.privateKeyPem());
    files.reloadIfChanged();
    assertThat(files.current().serial()).isEqualTo(first.serial());

    Files.writeString(cert, "");
    files.reloadIfChanged();
    assertThat(files.current().serial()).isEqualTo(first.serial());

    // The rest of the certificate arrives: the pair converges.
    Files.writeString(cert, pem);
    files.reloadIfChanged();
    assertThat(files.current().serial()).isEqualTo(next.serial());
  }

  @Test
  void reloadWhenCertificateReplacedBeforeKeyThenKeepsCurrentUntilMatchingKeyArrives() throws Exception {
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    FileSvidSource files = build();
    X509Svid next = issue(Duration.ofHours(1));

    moveInto(cert, next.chainPem());
    files.reloadIfChanged();
    assertThat(files.current().serial()).isEqualTo(first.serial());
    assertThat(files.current().privateKey()).isEqualTo(first.privateKey());

    moveInto(key, next.privateKeyPem());
    files.reloadIfChanged();
    assertThat(files.current().serial()).isEqualTo(next.serial());
    assertThat(files.current().privateKey()).isEqualTo(next.privateKey());
  }

  @Test
  void reloadWhenCertificateIsNotAnSvidThenKeepsCurrentSvid() throws Exception {
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    FileSvidSource files = build();
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);
    Instant now = Instant.now();
    // A CA certificate with its own key: a matching pair, but not an X.509-SVID leaf.
    String ca = Certificates.pem(List.of(Certificates.caCertificate(pair, EXAMPLE, null, null,
        now.minusSeconds(60), now.plusSeconds(3600))));

    moveInto(cert, ca);
    moveInto(key, Certificates.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    files.reloadIfChanged();

    assertThat(files.current().serial()).isEqualTo(first.serial());
  }

  @Test
  void reloadWhenChainNotIssuedByBundleThenKeepsCurrentSvid() throws Exception {
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    FileSvidSource files = build();
    X509Svid foreign = EmbeddedAuthority.newBuilder(EXAMPLE).build().issue(PAYMENTS, Duration.ofHours(1));

    moveInto(cert, foreign.chainPem());
    moveInto(key, foreign.privateKeyPem());
    files.reloadIfChanged();

    assertThat(files.current().serial()).isEqualTo(first.serial());
  }

  @Test
  void reloadWhenNewSvidExpiredThenKeepsCurrentSvid() throws Exception {
    MutableClock clock = MutableClock.systemUtc();
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    source = FileSvidSource.newBuilder().certificate(cert).key(key).bundle(bundle).clock(clock).build();
    X509Svid shortLived = issue(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(20));

    moveInto(cert, shortLived.chainPem());
    moveInto(key, shortLived.privateKeyPem());
    source.reloadIfChanged();

    assertThat(source.current().serial()).isEqualTo(first.serial());
  }

  @Test
  void reloadWhenSvidOfAnotherSpiffeIdThenKeepsCurrentSvid() throws Exception {
    X509Svid first = issue(Duration.ofHours(1));
    writeInPlace(first);
    FileSvidSource files = build();
    X509Svid other = authority.issue(SpiffeId.parse("spiffe://example.org/orders"), Duration.ofHours(1));

    moveInto(cert, other.chainPem());
    moveInto(key, other.privateKeyPem());
    files.reloadIfChanged();

    assertThat(files.current().spiffeId()).isEqualTo(PAYMENTS);
  }

  @Test
  void builderWhenOptionSetTwiceThenRefused() {
    FileSvidSource.Builder builder = FileSvidSource.newBuilder().certificate(cert);
    assertThatThrownBy(() -> builder.certificate(cert)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> FileSvidSource.newBuilder().certificate(cert).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void toStringWhenLoadedThenHoldsNoKeyMaterial() throws IOException {
    X509Svid svid = issue(Duration.ofHours(1));
    writeInPlace(svid);

    String text = build().toString();

    assertThat(text).contains(PAYMENTS.toString()).doesNotContain("PRIVATE")
        .doesNotContain(svid.privateKeyPem().substring(40, 80));
    assertThat(new String(Files.readAllBytes(key), StandardCharsets.US_ASCII)).contains("PRIVATE KEY");
  }
}
