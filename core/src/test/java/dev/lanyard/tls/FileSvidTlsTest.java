package dev.lanyard.tls;

import static dev.lanyard.tls.TlsTestSupport.call;
import static dev.lanyard.tls.TlsTestSupport.context;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.FileSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.tls.TlsTestSupport.EchoServer;
import dev.lanyard.tls.TlsTestSupport.Exchange;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real TLS server on loopback whose SVID comes from files a sidecar replaces while it runs. */
class FileSvidTlsTest {
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  @TempDir Path dir;

  private void replace(Path target, String content) throws Exception {
    Path temporary = dir.resolve(target.getFileName() + ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void handshakeWhenFilesReplacedUnderRunningServerThenNextHandshakePresentsNewCertificate() {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
      Path cert = dir.resolve("tls.crt");
      Path key = dir.resolve("tls.key");
      Path ca = dir.resolve("ca.crt");
      X509Svid first = authority.issue(PAYMENTS, Duration.ofHours(1));
      Files.writeString(cert, first.chainPem());
      Files.writeString(key, first.privateKeyPem());
      Files.writeString(ca, Certificates.pem(authority.bundle().x509Authorities()));
      X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
      try (FileSvidSource serverSvids = FileSvidSource.newBuilder().certificate(cert).key(key).bundle(ca)
              .checkInterval(Duration.ofMillis(50)).build();
          RotatingX509SvidSource clientSvids = RotatingX509SvidSource.newBuilder(authority, ORDERS).build()) {
        SSLContext server = context(new KeyManager[] {SpiffeTls.keyManager(serverSvids)},
            SpiffeTls.trustManager(X509SvidVerifier.newBuilder().bundleSource(serverSvids.bundleSource()).build(),
                PeerAuthorizer.oneOf(ORDERS)));
        SSLContext client = SpiffeTls.context(clientSvids, verifier, PeerAuthorizer.oneOf(PAYMENTS));
        try (EchoServer echo = new EchoServer(server, verifier)) {
          Exchange before = call(client, "TLSv1.3", echo.port(), true);
          assertThat(before.reply()).startsWith("200 spiffe://example.org/orders ");
          assertThat(Certificates.serialHex(before.serverLeaf())).isEqualTo(first.serial());

          // The sidecar writes the certificate, then the key: in between, the old pair keeps serving.
          X509Svid next = authority.issue(PAYMENTS, Duration.ofHours(1));
          replace(cert, next.chainPem());
          Exchange between = call(client, "TLSv1.3", echo.port(), true);
          assertThat(Certificates.serialHex(between.serverLeaf())).isEqualTo(first.serial());
          replace(key, next.privateKeyPem());

          Await.until("the new SVID is loaded", () -> serverSvids.current().serial().equals(next.serial()),
              Duration.ofSeconds(10));
          Exchange after = call(client, "TLSv1.3", echo.port(), true);
          assertThat(after.reply()).startsWith("200 spiffe://example.org/orders ");
          assertThat(Certificates.serialHex(after.serverLeaf())).isEqualTo(next.serial());
        }
      }
    });
  }
}
