package dev.lanyard.cli;

import dev.lanyard.internal.Certificates;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code lanyard x509}: issue, verify and inspect X.509-SVIDs. Each subcommand is its own class
 * ({@link X509IssueCommand}, {@link X509VerifyCommand}, {@link X509InspectCommand}); this one holds what they share:
 * the file names and size limits, and how a certificate file is read.
 */
@Command(name = "x509", mixinStandardHelpOptions = true, description = "Issue, verify and inspect X.509-SVIDs.",
    subcommands = {X509IssueCommand.class, X509VerifyCommand.class, X509InspectCommand.class})
final class X509Command implements Runnable {
  /** Largest certificate signing request file read. */
  static final int MAX_CSR = 64 * 1024;
  /** Largest certificate (chain) file read. */
  static final int MAX_CERTIFICATES = 1024 * 1024;

  static final String SVID_FILE = "svid.pem";
  static final String KEY_FILE = "key.pem";
  static final String BUNDLE_FILE = "bundle.pem";

  private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: issue, verify or inspect");
  }

  /**
   * The certificates of a file: every PEM CERTIFICATE block in order, or else one DER certificate.
   *
   * @throws CertificateException with a message fit for the user when there is none, or one cannot be parsed
   */
  static List<X509Certificate> parseCertificates(byte[] bytes) throws CertificateException {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    if (text.contains(PEM_CERTIFICATE)) {
      try {
        return Certificates.parsePem(text);
      } catch (IllegalArgumentException e) {
        throw new CertificateException("a PEM CERTIFICATE block is not valid: " + e.getMessage());
      } catch (CertificateException e) {
        throw new CertificateException("a PEM CERTIFICATE block does not hold a valid X.509 certificate");
      }
    }
    try {
      return List.of(Certificates.parse(bytes));
    } catch (CertificateException | RuntimeException e) {
      throw new CertificateException("no PEM CERTIFICATE block, and not a DER certificate");
    }
  }
}
