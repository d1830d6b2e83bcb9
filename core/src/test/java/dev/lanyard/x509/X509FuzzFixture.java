package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The fixed PKI that {@link X509SvidVerifierFuzzTest} verifies against, committed under
 * {@code src/test/resources/dev/lanyard/x509/fuzz-pki/}: a root, an intermediate and an X509-SVID leaf for
 * {@code spiffe://example.org/workload}, valid from 2025-06-01 to 2035-06-01 (the leaf until 2027-06-01). Fuzz inputs
 * and crash files are certificates and mutations of these, so they must stay the same from run to run: this class
 * only loads them. {@link #main} writes a new set (run it from {@code core/}), which makes the committed corpus
 * meaningless until it is regenerated too.
 */
final class X509FuzzFixture {
  static final String RESOURCE_DIRECTORY = "/dev/lanyard/x509/fuzz-pki/";
  static final String LEAF_ID = "spiffe://example.org/workload";
  /** The instant chains are verified at. */
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  final X509Certificate root;
  final X509Certificate intermediate;
  final X509Certificate leaf;

  private X509FuzzFixture(X509Certificate root, X509Certificate intermediate, X509Certificate leaf) {
    this.root = root;
    this.intermediate = intermediate;
    this.leaf = leaf;
  }

  /** The committed PKI. */
  static X509FuzzFixture load() {
    return new X509FuzzFixture(read("root.pem"), read("intermediate.pem"), read("leaf.pem"));
  }

  private static X509Certificate read(String name) {
    try (var in = X509FuzzFixture.class.getResourceAsStream(RESOURCE_DIRECTORY + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + RESOURCE_DIRECTORY + name);
      }
      List<X509Certificate> certificates = Certificates.parsePem(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return certificates.get(0);
    } catch (IOException | CertificateException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }

  /** Writes a new PKI to {@code src/test/resources/dev/lanyard/x509/fuzz-pki/}. */
  public static void main(String[] args) throws IOException {
    Instant from = Instant.parse("2025-06-01T00:00:00Z");
    Instant to = Instant.parse("2035-06-01T00:00:00Z");
    TestCertificates pki = new TestCertificates(NOW);
    TestCertificates.Issued root = pki.ca("Lanyard Fuzz Root").validity(from, to).selfSigned();
    TestCertificates.Issued intermediate = pki.ca("Lanyard Fuzz Intermediate").validity(from, to).issuedBy(root);
    TestCertificates.Issued leaf = pki.leaf(LEAF_ID).validity(from, Instant.parse("2027-06-01T00:00:00Z"))
        .issuedBy(intermediate);
    Path directory = Path.of("src/test/resources" + RESOURCE_DIRECTORY);
    Files.createDirectories(directory);
    Files.writeString(directory.resolve("root.pem"), Certificates.pem(List.of(root.certificate)));
    Files.writeString(directory.resolve("intermediate.pem"), Certificates.pem(List.of(intermediate.certificate)));
    Files.writeString(directory.resolve("leaf.pem"), Certificates.pem(List.of(leaf.certificate)));
  }
}
