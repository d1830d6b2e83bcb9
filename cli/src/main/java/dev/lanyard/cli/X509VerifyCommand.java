package dev.lanyard.cli;

import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanyard x509 verify}: verify an X.509-SVID chain strictly and print one JSON object. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Verify an X.509-SVID chain strictly and print one JSON object.",
        "Exit 0 when valid, 1 when rejected (with reason), 2 for usage or configuration errors."})
final class X509VerifyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--trust-domain", required = true, paramLabel = "TD",
      description = "The trust domain the SVID must belong to.")
  String trustDomain;

  @Option(names = "--bundle", required = true, paramLabel = "FILE|URL",
      description = "The trust domain's X.509 roots: PEM certificates or a SPIFFE bundle (JSON), told apart by "
          + "content; a file, or an https URL.")
  String bundle;

  @Mixin
  BundleFetchOptions bundleFetch;

  @Option(names = "--chain", required = true, paramLabel = "FILE",
      description = "The chain to verify: PEM certificates, leaf first, then intermediates (or one DER leaf).")
  Path chain;

  @Override
  public Integer call() {
    TrustDomain td = TrustDomain.of(trustDomain);
    PrintWriter err = spec.commandLine().getErr();
    TrustBundle trustBundle = Bundles.loadX509(td, bundle, bundleFetch.remote(err));
    Bundles.warnSkipped(trustBundle, err);
    byte[] bytes = CliFiles.read(chain, "chain", X509Command.MAX_CERTIFICATES);
    if (CliFiles.isBlank(bytes)) {
      throw new CliException("chain " + chain + " is empty");
    }
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder()
        .bundleSource(BundleSource.of(trustBundle))
        .trustDomains(td)
        .clock(Lanyard.clock(spec))
        .build();
    try {
      List<X509Certificate> certificates;
      try {
        certificates = X509Command.parseCertificates(bytes);
      } catch (CertificateException e) {
        throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED,
            java.util.Objects.requireNonNullElse(e.getMessage(), "not a PEM certificate chain"));
      }
      VerifiedX509Svid verified = verifier.verify(certificates);
      X509Certificate leaf = verified.leaf();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("valid", true);
      out.put("spiffeId", verified.spiffeId().toString());
      out.put("expiresAt", verified.expiresAt().toString());
      out.put("notBefore", leaf.getNotBefore().toInstant().toString());
      out.put("serial", verified.serial());
      out.put("dnsNames", CertificateDescriber.dnsNames(leaf));
      out.put("trustAnchor", CertificateDescriber.subject(verified.trustAnchor()));
      out.put("pathLength", verified.path().size());
      Output.json(spec, out);
      return 0;
    } catch (X509SvidRejectedException e) {
      return Output.rejected(spec, e.reason().name(), e.detail());
    }
  }
}
