package dev.lanyard.cli;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.VerificationKey;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.security.auth.x500.X500Principal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanyard x509}: issue, verify and inspect X.509-SVIDs. */
@Command(name = "x509", mixinStandardHelpOptions = true, description = "Issue, verify and inspect X.509-SVIDs.",
    subcommands = {X509Command.Issue.class, X509Command.Verify.class, X509Command.Inspect.class})
final class X509Command implements Runnable {
  /** Largest certificate signing request file read. */
  static final int MAX_CSR = 64 * 1024;
  /** Largest certificate (chain) file read. */
  static final int MAX_CERTIFICATES = 1024 * 1024;

  static final String SVID_FILE = "svid.pem";
  static final String KEY_FILE = "key.pem";
  static final String BUNDLE_FILE = "bundle.pem";

  private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final String[] KEY_USAGE_NAMES = {"digitalSignature", "nonRepudiation", "keyEncipherment",
      "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
  private static final Map<String, String> EKU_NAMES = Map.of(
      "1.3.6.1.5.5.7.3.1", "serverAuth",
      "1.3.6.1.5.5.7.3.2", "clientAuth",
      "1.3.6.1.5.5.7.3.3", "codeSigning",
      "1.3.6.1.5.5.7.3.4", "emailProtection",
      "1.3.6.1.5.5.7.3.8", "timeStamping",
      "1.3.6.1.5.5.7.3.9", "OCSPSigning",
      "2.5.29.37.0", "anyExtendedKeyUsage");

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: issue, verify or inspect");
  }

  /** {@code lanyard x509 issue}. */
  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {"Issue an X.509-SVID with an authority's active CA and write it to a directory:",
          "  svid.pem    the chain, leaf first, then intermediates (not the root)",
          "  key.pem     the private key, PKCS#8, mode 0600 (not with --csr: the requester keeps its key)",
          "  bundle.pem  the authority's X.509 roots, to verify peers with",
          "Existing files are never overwritten. Prints a JSON summary."})
  static final class Issue implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--authority", required = true, paramLabel = "DIR", description = "The authority's directory.")
    Path authorityDir;

    @Option(names = "--spiffe-id", required = true, paramLabel = "ID",
        description = "The SPIFFE ID (the one URI SAN), a workload of the authority's trust domain.")
    String spiffeId;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Lifetime, e.g. 30m, 1h or PT1H (default: the authority's, 1h; at most 24h).")
    Duration ttl;

    @Option(names = "--dns", paramLabel = "NAME", description = "A DNS SAN to add; repeat for more.")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--csr", paramLabel = "FILE",
        description = "Issue for the key of this PKCS#10 request (PEM CERTIFICATE REQUEST); only its key is used, "
            + "not the names it asks for. No key.pem is written.")
    Path csr;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Directory to write to; created with mode 0700 when missing.")
    Path out;

    @Override
    public Integer call() {
      SpiffeId id = SpiffeId.parse(spiffeId);
      Path svidFile = out.resolve(SVID_FILE);
      Path keyFile = out.resolve(KEY_FILE);
      Path bundleFile = out.resolve(BUNDLE_FILE);
      List<Path> targets = csr == null ? List.of(svidFile, keyFile, bundleFile) : List.of(svidFile, bundleFile);
      if (Files.exists(out) && !Files.isDirectory(out)) {
        throw new CliException("--out " + out + " exists and is not a directory");
      }
      CliFiles.refuseExisting(targets);
      byte[] csrDer = csr == null ? null : readCsr(csr);

      EmbeddedAuthority authority = EmbeddedAuthority.open(authorityDir);
      // The library shortens a TTL over the maximum; asked for on the command line, it is a usage error instead.
      if (ttl != null && ttl.compareTo(authority.maxX509SvidTtl()) > 0) {
        throw new CliException("--ttl " + ttl + " exceeds the authority's maximum X.509-SVID TTL ("
            + authority.maxX509SvidTtl().toSeconds() + "s)");
      }
      X509Svid svid;
      try {
        svid = csrDer == null ? authority.issueX509Svid(id, ttl, dnsNames)
            : authority.issueX509SvidForCsr(csrDer, id, ttl, dnsNames);
      } catch (IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
      String roots = authority.bundle().toPem();

      CliFiles.ensureDirectory(out);
      List<CliFiles.NewFile> files = new ArrayList<>();
      files.add(new CliFiles.NewFile(svidFile, ascii(svid.chainPem()), false));
      byte[] key = svid.hasPrivateKey() ? ascii(svid.privateKeyPem()) : null;
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
      summary.put("issuer", svid.leaf().getIssuerX500Principal().getName(X500Principal.RFC2253));
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
      byte[] bytes = CliFiles.read(file, "certificate signing request", MAX_CSR);
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

  /** {@code lanyard x509 verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Verify an X.509-SVID chain strictly and print one JSON object.",
          "Exit 0 when valid, 1 when rejected (with reason), 2 for usage or configuration errors."})
  static final class Verify implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trust-domain", required = true, paramLabel = "TD",
        description = "The trust domain the SVID must belong to.")
    String trustDomain;

    @Option(names = "--bundle", required = true, paramLabel = "FILE|URL",
        description = "The trust domain's X.509 roots: PEM certificates or a SPIFFE bundle (JSON), told apart by "
            + "content; a file, or an https URL.")
    String bundle;

    @Option(names = "--allow-insecure-http-bundle",
        description = "INSECURE: accept a cleartext http:// --bundle URL, whose bundle anyone on the network path "
            + "could replace (tests only).")
    boolean allowInsecureHttpBundle;

    @Option(names = "--bundle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        defaultValue = "10s",
        description = "Deadline of a --bundle URL fetch as a whole: connect, TLS, headers and body (default 10s).")
    Duration bundleTimeout;

    @Option(names = "--chain", required = true, paramLabel = "FILE",
        description = "The chain to verify: PEM certificates, leaf first, then intermediates (or one DER leaf).")
    Path chain;

    @Override
    public Integer call() {
      TrustDomain td = TrustDomain.of(trustDomain);
      PrintWriter err = spec.commandLine().getErr();
      TrustBundle trustBundle = Bundles.loadX509(td, bundle,
          new Bundles.Remote(allowInsecureHttpBundle, bundleTimeout, err));
      Bundles.warnSkipped(trustBundle, err);
      byte[] bytes = CliFiles.read(chain, "chain", MAX_CERTIFICATES);
      if (CliFiles.isBlank(bytes)) {
        throw new CliException("chain " + chain + " is empty");
      }
      X509SvidVerifier verifier = X509SvidVerifier.newBuilder()
          .bundleSource(BundleSource.of(trustBundle))
          .trustDomains(td)
          .build();
      Map<String, Object> out = new LinkedHashMap<>();
      try {
        List<X509Certificate> certificates;
        try {
          certificates = parseCertificates(bytes);
        } catch (CertificateException e) {
          throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED, e.getMessage());
        }
        VerifiedX509Svid verified = verifier.verify(certificates);
        X509Certificate leaf = verified.leaf();
        out.put("valid", true);
        out.put("spiffeId", verified.spiffeId().toString());
        out.put("expiresAt", verified.expiresAt().toString());
        out.put("notBefore", leaf.getNotBefore().toInstant().toString());
        out.put("serial", verified.serial());
        out.put("dnsNames", dnsNames(leaf));
        out.put("trustAnchor", verified.trustAnchor().getSubjectX500Principal().getName(X500Principal.RFC2253));
        out.put("pathLength", verified.path().size());
        Output.json(spec, out);
        return 0;
      } catch (X509SvidRejectedException e) {
        out.put("valid", false);
        out.put("reason", e.reason().name());
        out.put("message", e.detail());
        Output.json(spec, out);
        return Lanyard.REJECTED;
      }
    }

    private static List<Object> dnsNames(X509Certificate leaf) {
      List<Object> names = new ArrayList<>();
      try {
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans != null) {
          for (List<?> san : sans) {
            if (Integer.valueOf(2).equals(san.get(0))) {
              names.add(String.valueOf(san.get(1)));
            }
          }
        }
      } catch (CertificateParsingException e) {
        // the verifier parsed them already; nothing to add
      }
      return names;
    }
  }

  /** {@code lanyard x509 inspect}. */
  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Describe the certificates of a PEM (or DER) file without verifying anything; the output is "
          + "labelled UNVERIFIED.")
  static final class Inspect implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cert", required = true, paramLabel = "FILE",
        description = "A certificate or chain: PEM CERTIFICATE blocks, or one DER certificate.")
    Path cert;

    @Override
    public Integer call() {
      byte[] bytes = CliFiles.read(cert, "certificate file", MAX_CERTIFICATES);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (CliFiles.isBlank(bytes)) {
        err.println("lanyard: " + cert + " is empty: no certificate to inspect");
        return Lanyard.REJECTED;
      }
      List<X509Certificate> certificates;
      try {
        certificates = parseCertificates(bytes);
      } catch (CertificateException e) {
        err.println("lanyard: " + cert + " holds no readable certificate: " + e.getMessage());
        return Lanyard.REJECTED;
      }
      out.println("UNVERIFIED: decoded without checking any signature, chain, trust or revocation. Do not trust "
          + "what it says.");
      for (int i = 0; i < certificates.size(); i++) {
        if (certificates.size() > 1) {
          out.println();
          out.println("certificate " + (i + 1) + " of " + certificates.size() + (i == 0 ? " (leaf)" : "") + ":");
        }
        describe(out, certificates.get(i));
      }
      out.flush();
      return 0;
    }

    private static void describe(PrintWriter out, X509Certificate c) {
      Set<String> critical = c.getCriticalExtensionOIDs() == null ? Set.of() : c.getCriticalExtensionOIDs();
      line(out, "subject", c.getSubjectX500Principal().getName(X500Principal.RFC2253));
      line(out, "issuer", c.getIssuerX500Principal().getName(X500Principal.RFC2253)
          + (c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) ? " (self-issued)" : ""));
      line(out, "serial", Certificates.serialHex(c) + " (" + c.getSerialNumber().bitLength() + " bits)");
      Instant notBefore = c.getNotBefore().toInstant();
      Instant notAfter = c.getNotAfter().toInstant();
      Instant now = Instant.now();
      line(out, "not before", notBefore + (now.isBefore(notBefore)
          ? " (not valid for another " + JwtCommand.Inspect.human(Duration.between(now, notBefore)) + ")" : ""));
      Duration left = Duration.between(now, notAfter);
      line(out, "not after", notAfter + (left.isNegative()
          ? " (expired " + JwtCommand.Inspect.human(left.negated()) + " ago)"
          : " (in " + JwtCommand.Inspect.human(left) + ")"));
      line(out, "lifetime", JwtCommand.Inspect.human(Duration.between(notBefore, notAfter)));
      line(out, "SANs", subjectAlternativeNames(c));
      line(out, "basic constraints", basicConstraints(c, critical));
      line(out, "key usage", keyUsage(c, critical));
      line(out, "extended key usage", extendedKeyUsage(c, critical));
      line(out, "public key", publicKey(c.getPublicKey()));
      line(out, "signature algorithm", c.getSigAlgName());
      line(out, "SHA-256 fingerprint", fingerprint(c));
    }

    private static void line(PrintWriter out, String label, String value) {
      out.printf(Locale.ROOT, "  %-20s %s%n", label + ":", sanitize(value));
    }

    private static String subjectAlternativeNames(X509Certificate c) {
      Collection<List<?>> sans;
      try {
        sans = c.getSubjectAlternativeNames();
      } catch (CertificateParsingException e) {
        return "(cannot be parsed)";
      }
      if (sans == null || sans.isEmpty()) {
        return "none";
      }
      List<String> names = new ArrayList<>();
      for (List<?> san : sans) {
        Object type = san.get(0);
        Object value = san.size() > 1 ? san.get(1) : null;
        String prefix;
        switch (type instanceof Integer ? (Integer) type : -1) {
          case 1:
            prefix = "email:";
            break;
          case 2:
            prefix = "DNS:";
            break;
          case 4:
            prefix = "DirName:";
            break;
          case 6:
            prefix = "URI:";
            break;
          case 7:
            prefix = "IP:";
            break;
          case 8:
            prefix = "RID:";
            break;
          default:
            prefix = "other(" + type + ")";
            value = null;
        }
        names.add(prefix + (value instanceof String ? value : ""));
      }
      return String.join(", ", names);
    }

    private static String basicConstraints(X509Certificate c, Set<String> critical) {
      if (c.getExtensionValue(BASIC_CONSTRAINTS) == null) {
        return "none";
      }
      int pathLength = c.getBasicConstraints();
      String value = pathLength < 0 ? "CA:FALSE"
          : "CA:TRUE" + (pathLength == Integer.MAX_VALUE ? "" : ", pathlen:" + pathLength);
      return value + criticality(BASIC_CONSTRAINTS, critical);
    }

    private static String keyUsage(X509Certificate c, Set<String> critical) {
      boolean[] usage = c.getKeyUsage();
      if (usage == null) {
        return "none";
      }
      List<String> names = new ArrayList<>();
      for (int i = 0; i < usage.length; i++) {
        if (usage[i]) {
          names.add(i < KEY_USAGE_NAMES.length ? KEY_USAGE_NAMES[i] : "bit" + i);
        }
      }
      return (names.isEmpty() ? "(empty)" : String.join(", ", names)) + criticality(KEY_USAGE, critical);
    }

    private static String extendedKeyUsage(X509Certificate c, Set<String> critical) {
      List<String> usages;
      try {
        usages = c.getExtendedKeyUsage();
      } catch (CertificateParsingException e) {
        return "(cannot be parsed)";
      }
      if (usages == null) {
        return "none";
      }
      List<String> names = new ArrayList<>();
      for (String oid : usages) {
        names.add(EKU_NAMES.getOrDefault(oid, oid));
      }
      return String.join(", ", names) + criticality(EXTENDED_KEY_USAGE, critical);
    }

    private static String criticality(String oid, Set<String> critical) {
      return critical.contains(oid) ? " (critical)" : " (not critical)";
    }

    private static String publicKey(PublicKey key) {
      if (key instanceof ECPublicKey) {
        ECPublicKey ec = (ECPublicKey) key;
        return "EC " + VerificationKey.curveName(ec.getParams())
            .orElse(ec.getParams().getCurve().getField().getFieldSize() + "-bit curve");
      }
      if (key instanceof RSAPublicKey) {
        return "RSA " + ((RSAPublicKey) key).getModulus().bitLength() + " bits";
      }
      return key.getAlgorithm();
    }

    private static String fingerprint(X509Certificate c) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
      } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
        return "(unavailable)";
      }
    }

    /** Printable text only: certificate fields are attacker-controlled and must not drive the terminal. */
    private static String sanitize(String s) {
      StringBuilder sb = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0);
        boolean bidi = (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
        sb.append(control || bidi ? '?' : c);
      }
      return sb.toString();
    }
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
