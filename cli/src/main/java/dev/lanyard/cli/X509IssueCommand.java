package dev.lanyard.cli;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanyard x509 issue}: issue an X.509-SVID with an authority's active CA and write it to a directory. */
@Command(name = "issue", mixinStandardHelpOptions = true,
    description = {"Issue an X.509-SVID with an authority's active CA and write it to a directory:",
        "  svid.pem    the chain, leaf first, then intermediates (not the root)",
        "  key.pem     the private key, PKCS#8, mode 0600 (not with --csr: the requester keeps its key)",
        "  bundle.pem  the authority's X.509 roots, to verify peers with",
        "Existing files are never overwritten. Prints a JSON summary."})
final class X509IssueCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--authority", required = true, paramLabel = "DIR", description = "The authority's directory.")
  Path authorityDir;

  @Option(names = "--spiffe-id", required = true, paramLabel = "ID",
      description = "The SPIFFE ID (the one URI SAN), a workload of the authority's trust domain.")
  String spiffeId;

  @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Lifetime, e.g. 30m, 1h or PT1H (default: the authority's, 1h; at most 24h).")
  @Nullable Duration ttl;

  @Option(names = "--dns", paramLabel = "NAME", description = "A DNS SAN to add; repeat for more.")
  List<String> dnsNames = new ArrayList<>();

  @Option(names = "--csr", paramLabel = "FILE",
      description = "Issue for the key of this PKCS#10 request (PEM CERTIFICATE REQUEST); only its key is used, "
          + "not the names it asks for. No key.pem is written.")
  @Nullable Path csr;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Directory to write to; created with mode 0700 when missing.")
  Path out;

  @Mixin
  AuditOptions audit;

  @Override
  public Integer call() {
    SpiffeId id = SpiffeId.parse(spiffeId);
    Path svidFile = out.resolve(X509Command.SVID_FILE);
    Path keyFile = out.resolve(X509Command.KEY_FILE);
    Path bundleFile = out.resolve(X509Command.BUNDLE_FILE);
    List<Path> targets = csr == null ? List.of(svidFile, keyFile, bundleFile) : List.of(svidFile, bundleFile);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new CliException("--out " + out + " exists and is not a directory");
    }
    CliFiles.refuseExisting(targets);
    byte @Nullable [] csrDer = csr == null ? null : readCsr(csr);

    EmbeddedAuthority authority;
    X509Svid svid;
    try (CliAudit trail = audit.open()) {
      authority = EmbeddedAuthority.open(authorityDir, Lanyard.clock(spec), trail);
      // The library shortens a TTL over the maximum; asked for on the command line, it is a usage error instead.
      if (ttl != null && ttl.compareTo(authority.maxX509SvidTtl()) > 0) {
        throw new CliException("--ttl " + ttl + " exceeds the authority's maximum X.509-SVID TTL ("
            + authority.maxX509SvidTtl().toSeconds() + "s)");
      }
      try {
        svid = csrDer == null ? authority.issueX509Svid(id, ttl, dnsNames)
            : authority.issueX509SvidForCsr(csrDer, id, ttl, dnsNames);
      } catch (IllegalArgumentException e) {
        throw new CliException(java.util.Objects.requireNonNullElse(e.getMessage(), "cannot issue this X.509-SVID"));
      }
    }
    String roots = authority.bundle().toPem();

    CliFiles.ensureDirectory(out);
    List<CliFiles.NewFile> files = new ArrayList<>();
    files.add(new CliFiles.NewFile(svidFile, ascii(svid.chainPem()), false));
    byte @Nullable [] key = svid.hasPrivateKey() ? ascii(svid.privateKeyPem()) : null;
    try {
      if (key != null) {
        files.add(new CliFiles.NewFile(keyFile, key, true));
      }
      files.add(new CliFiles.NewFile(bundleFile, ascii(roots), false));
      CliFiles.writeNew(files);
    } finally {
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
    }

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("spiffeId", svid.spiffeId().toString());
    summary.put("serial", svid.serial());
    summary.put("notBefore", svid.notBefore().toString());
    summary.put("expiresAt", svid.expiresAt().toString());
    summary.put("dnsNames", new ArrayList<>(dnsNames));
    summary.put("issuer", CertificateDescriber.issuer(svid.leaf()));
    summary.put("chainLength", svid.chain().size());
    summary.put("fromCsr", csr != null);
    List<Object> written = new ArrayList<>();
    for (CliFiles.NewFile file : files) {
      written.add(file.path().toAbsolutePath().toString());
    }
    summary.put("files", written);
    Output.json(spec, summary);
    return 0;
  }

  private static byte[] readCsr(Path file) {
    byte[] bytes = CliFiles.read(file, "certificate signing request", X509Command.MAX_CSR);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    List<byte[]> blocks = new ArrayList<>();
    try {
      blocks.addAll(Certificates.pemBlocks(text, "CERTIFICATE REQUEST"));
      blocks.addAll(Certificates.pemBlocks(text, "NEW CERTIFICATE REQUEST"));
    } catch (IllegalArgumentException e) {
      throw new CliException("certificate signing request " + file + " is not valid PEM: " + e.getMessage());
    }
    if (blocks.size() != 1) {
      throw new CliException("certificate signing request " + file + " must hold exactly one PEM "
          + "CERTIFICATE REQUEST block (it holds " + blocks.size() + ")");
    }
    return blocks.get(0);
  }

  private static byte[] ascii(String pem) {
    return pem.getBytes(StandardCharsets.US_ASCII);
  }
}
