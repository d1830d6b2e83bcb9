package dev.lanyard.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanyard x509 inspect}: describe the certificates of a file without verifying anything. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Describe the certificates of a PEM (or DER) file without verifying anything; the output is "
        + "labelled UNVERIFIED.")
final class X509InspectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--cert", required = true, paramLabel = "FILE",
      description = "A certificate or chain: PEM CERTIFICATE blocks, or one DER certificate.")
  Path cert;

  @Override
  public Integer call() {
    byte[] bytes = CliFiles.read(cert, "certificate file", X509Command.MAX_CERTIFICATES);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (CliFiles.isBlank(bytes)) {
      err.println("lanyard: " + cert + " is empty: no certificate to inspect");
      return Lanyard.REJECTED;
    }
    List<X509Certificate> certificates;
    try {
      certificates = X509Command.parseCertificates(bytes);
    } catch (CertificateException e) {
      err.println("lanyard: " + cert + " holds no readable certificate: " + e.getMessage());
      return Lanyard.REJECTED;
    }
    out.println("UNVERIFIED: decoded without checking any signature, chain, trust or revocation. Do not trust "
        + "what it says.");
    Instant now = Lanyard.clock(spec).instant();
    for (int i = 0; i < certificates.size(); i++) {
      if (certificates.size() > 1) {
        out.println();
        out.println("certificate " + (i + 1) + " of " + certificates.size() + (i == 0 ? " (leaf)" : "") + ":");
      }
      CertificateDescriber.describe(out, certificates.get(i), now);
    }
    out.flush();
    return 0;
  }
}
