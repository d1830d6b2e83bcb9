package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The profile of X.509-SVIDs written by {@code lanyard x509 issue}, checked with an independent tool: {@code openssl
 * verify} validates the chain against bundle.pem (strict, for both TLS purposes) and {@code openssl x509 -text} is
 * read for the SPIFFE X509-SVID profile of the leaf and of the CA. Skipped, with a message, where openssl is missing.
 */
class X509OpensslProfileTest {
  static final String TD = "example.org";
  static final String SUBJECT = "spiffe://example.org/orders";
  static final DateTimeFormatter OPENSSL_TIME =
      DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy 'GMT'", Locale.ENGLISH);

  private static final String OPENSSL_VERSION = opensslVersion();

  @TempDir
  Path tmp;

  /** How the authority's CA is made. */
  enum Ca { EC_P256, RSA_2048, UPSTREAM }

  @BeforeEach
  void requireOpenssl() {
    assumeTrue(OPENSSL_VERSION != null,
        "openssl is not on the PATH: the independent openssl check of the X.509-SVID profile is skipped");
  }

  // ------------------------------------------------------------------------------------------------------------
  // Tests

  @ParameterizedTest
  @EnumSource(Ca.class)
  void issueThenOpensslVerifiesChainAgainstBundleForServerAndClient(Ca ca) throws Exception {
    Path authority = init(ca, "authority");
    Issued issued = issue(authority, "out");

    for (String purpose : List.of("sslserver", "sslclient")) {
      List<String> command = new ArrayList<>(List.of("openssl", "verify", "-x509_strict", "-purpose", purpose,
          "-CAfile", issued.bundle().toString()));
      if (issued.intermediates() != null) {
        command.addAll(List.of("-untrusted", issued.intermediates().toString()));
      }
      command.add(issued.leaf().toString());

      Proc p = openssl(command);

      assertThat(p.code()).as("openssl verify (%s, %s): %s", ca, purpose, p.output()).isZero();
      assertThat(p.output()).contains(issued.leaf() + ": OK");
    }
  }

  @ParameterizedTest
  @EnumSource(Ca.class)
  void issueThenLeafHasTheX509SvidProfile(Ca ca) throws Exception {
    Path authority = init(ca, "authority");
    Issued issued = issue(authority, "out", "--dns", "orders.internal", "--dns", "orders.example.org");
    Text leaf = text(issued.leaf());
    Text issuer = text(issued.caCertificate());

    assertThat(leaf.field("Version")).isEqualTo("3 (0x2)");
    assertThat(leaf.san()).as("exactly one URI SAN, the SPIFFE ID, and the DNS SANs asked for")
        .containsExactly("URI:" + SUBJECT, "DNS:orders.internal", "DNS:orders.example.org");
    assertThat(leaf.extension("X509v3 Basic Constraints")).isEqualTo(new Extension(true, "CA:FALSE"));
    Extension keyUsage = leaf.extension("X509v3 Key Usage");
    assertThat(keyUsage.critical()).as("key usage is critical").isTrue();
    assertThat(keyUsage.value()).contains("Digital Signature").doesNotContain("Certificate Sign")
        .doesNotContain("CRL Sign");
    assertThat(leaf.extension("X509v3 Extended Key Usage").value())
        .isEqualTo("TLS Web Server Authentication, TLS Web Client Authentication");
    assertThat(leaf.extensions()).containsKeys("X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier");
    assertThat(leaf.extension("X509v3 Authority Key Identifier").value())
        .as("AKI names the issuing CA's SKI").contains(issuer.extension("X509v3 Subject Key Identifier").value());
    assertThat(leaf.text()).contains("Public Key Algorithm: id-ecPublicKey").contains("NIST CURVE: P-256");
    assertThat(leaf.field("Signature Algorithm"))
        .isEqualTo(ca == Ca.RSA_2048 ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256");

    List<String> serial = List.of(leaf.serial().split(":"));
    assertThat(serial).as("a 128-bit serial: 16 bytes").hasSize(16);
    assertThat(Integer.parseInt(serial.get(0), 16)).as("the generator sets the high bit").isGreaterThanOrEqualTo(0x80);

    Instant notBefore = leaf.time("Not Before");
    Instant notAfter = leaf.time("Not After");
    assertThat(Duration.between(notBefore, issued.before()))
        .as("notBefore is backdated a few seconds before issuance").isBetween(Duration.ofSeconds(1),
            Duration.ofSeconds(15));
    assertThat(notAfter).as("default validity 1h from issuance")
        .isBetween(issued.before().plus(Duration.ofHours(1)).minusSeconds(1),
            issued.after().plus(Duration.ofHours(1)));
    assertThat(Duration.between(notBefore, notAfter)).isBetween(Duration.ofHours(1),
        Duration.ofHours(1).plusSeconds(15));
  }

  @ParameterizedTest
  @EnumSource(Ca.class)
  void issueThenAuthorityCaHasTheCaProfile(Ca ca) throws Exception {
    Path authority = init(ca, "authority");
    Issued issued = issue(authority, "out");
    Text caText = text(issued.caCertificate());

    assertThat(caText.extension("X509v3 Basic Constraints")).isEqualTo(new Extension(true, "CA:TRUE"));
    assertThat(caText.extension("X509v3 Key Usage")).isEqualTo(new Extension(true, "Certificate Sign, CRL Sign"));
    assertThat(caText.san()).containsExactly("URI:spiffe://" + TD);
    assertThat(caText.extensions()).containsKeys("X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier");
    assertThat(caText.text()).contains(ca == Ca.RSA_2048 ? "Public Key Algorithm: rsaEncryption"
        : "Public Key Algorithm: id-ecPublicKey");
    if (ca == Ca.RSA_2048) {
      assertThat(caText.text()).contains("Public-Key: (2048 bit)");
    }

    if (ca == Ca.UPSTREAM) {
      // The CA is an intermediate; bundle.pem holds the upstream root it chains to.
      Text root = text(issued.bundle());
      assertThat(root.field("Subject")).contains("Upstream Root");
      assertThat(caText.field("Issuer")).isEqualTo(root.field("Subject"));
      assertThat(caText.extension("X509v3 Authority Key Identifier").value())
          .contains(root.extension("X509v3 Subject Key Identifier").value());
    }
  }

  @Test
  void verifyAgainstAnotherAuthoritysBundleThenOpensslRejects() throws Exception {
    Issued ours = issue(init(Ca.EC_P256, "ours"), "ours-out");
    Issued theirs = issue(init(Ca.EC_P256, "theirs"), "theirs-out");

    Proc p = openssl(List.of("openssl", "verify", "-CAfile", ours.bundle().toString(), theirs.leaf().toString()));

    assertThat(p.code()).as(p.output()).isNotZero();
    assertThat(p.output()).doesNotContain(theirs.leaf() + ": OK");
  }

  // ------------------------------------------------------------------------------------------------------------
  // Harness

  /** What {@code x509 issue} wrote, split for openssl, and when it ran. */
  record Issued(Path leaf, Path intermediates, Path bundle, Path caCertificate, Instant before, Instant after) {}

  Path init(Ca ca, String name) throws Exception {
    Path dir = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("authority", "init", "--trust-domain", TD, "--dir", dir.toString()));
    if (ca == Ca.RSA_2048) {
      args.addAll(List.of("--ca-key-type", "RSA_2048"));
    } else if (ca == Ca.UPSTREAM) {
      TestPki.Ca upstream = TestPki.rootCa("Upstream Root");
      Path key = Files.writeString(tmp.resolve(name + "-upstream.key"), TestPki.pkcs8Pem(upstream.privateKey()));
      Path cert = Files.writeString(tmp.resolve(name + "-upstream.pem"), TestPki.pem(upstream.certificate()));
      args.addAll(List.of("--upstream-key", key.toString(), "--upstream-cert", cert.toString()));
    }
    TestPki.Result r = TestPki.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return dir;
  }

  Issued issue(Path authority, String name, String... extra) throws Exception {
    Path out = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("x509", "issue", "--authority", authority.toString(),
        "--spiffe-id", SUBJECT, "--out", out.toString()));
    args.addAll(List.of(extra));
    Instant before = Instant.now();
    TestPki.Result r = TestPki.run(args.toArray(String[]::new));
    Instant after = Instant.now();
    assertThat(r.code()).as(r.err()).isZero();

    List<X509Certificate> chain = TestPki.certificates(out.resolve("svid.pem"));
    Path leaf = Files.writeString(tmp.resolve(name + "-leaf.pem"), TestPki.pem(chain.get(0)));
    Path intermediates = null;
    Path caCertificate = out.resolve("bundle.pem");
    if (chain.size() > 1) {
      StringBuilder pem = new StringBuilder();
      for (X509Certificate c : chain.subList(1, chain.size())) {
        pem.append(TestPki.pem(c));
      }
      intermediates = Files.writeString(tmp.resolve(name + "-intermediates.pem"), pem);
      caCertificate = Files.writeString(tmp.resolve(name + "-ca.pem"), TestPki.pem(chain.get(1)));
    }
    return new Issued(leaf, intermediates, out.resolve("bundle.pem"), caCertificate, before, after);
  }

  record Proc(int code, String output) {}

  static Proc openssl(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("openssl did not finish in 30s: " + command);
    }
    return new Proc(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static String opensslVersion() {
    try {
      Proc p = openssl(List.of("openssl", "version"));
      return p.code() == 0 ? p.output().strip() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@code openssl x509 -text -noout} of the first certificate of a PEM file. */
  static Text text(Path pem) throws Exception {
    Proc p = openssl(List.of("openssl", "x509", "-text", "-noout", "-in", pem.toString()));
    assertThat(p.code()).as(p.output()).isZero();
    return new Text(p.output());
  }

  /** An extension as openssl prints it: criticality and the (joined) value lines. */
  record Extension(boolean critical, String value) {}

  /** The text form of a certificate, with the fields the tests read. */
  record Text(String text) {
    /** The rest of the first line {@code label: rest}. */
    String field(String label) {
      Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(label) + "\\s*:\\s*(.*)$").matcher(text);
      assertThat(m.find()).as("openssl output has %s:%n%s", label, text).isTrue();
      return m.group(1).strip();
    }

    Instant time(String label) {
      return LocalDateTime.parse(field(label), OPENSSL_TIME).toInstant(ZoneOffset.UTC);
    }

    /** The serial as colon-separated hex bytes (openssl prints long serials on the next line). */
    String serial() {
      List<String> lines = text.lines().collect(Collectors.toList());
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.startsWith("Serial Number:")) {
          String rest = line.substring("Serial Number:".length()).strip();
          return rest.isEmpty() ? lines.get(i + 1).strip() : rest;
        }
      }
      throw new AssertionError("no serial in\n" + text);
    }

    /** The X509v3 extensions by name ("X509v3 Key Usage"), in order. */
    Map<String, Extension> extensions() {
      List<String> lines = text.lines().collect(Collectors.toList());
      int start = -1;
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).strip().equals("X509v3 extensions:")) {
          start = i + 1;
          break;
        }
      }
      assertThat(start).as("openssl output has X509v3 extensions:%n%s", text).isPositive();
      int indent = indentation(lines.get(start));
      Map<String, Extension> extensions = new LinkedHashMap<>();
      String name = null;
      boolean critical = false;
      List<String> value = new ArrayList<>();
      for (int i = start; i <= lines.size(); i++) {
        String line = i < lines.size() ? lines.get(i) : "";
        int at = line.isBlank() ? -1 : indentation(line);
        if (at <= indent && name != null) {
          extensions.put(name, new Extension(critical, String.join("\n", value)));
          name = null;
          value.clear();
        }
        if (at < indent) {
          break;
        }
        if (at == indent) {
          String header = line.strip();
          int colon = header.indexOf(':');
          name = header.substring(0, colon);
          critical = header.substring(colon + 1).strip().equals("critical");
        } else {
          value.add(line.strip());
        }
      }
      return extensions;
    }

    Extension extension(String name) {
      Map<String, Extension> extensions = extensions();
      assertThat(extensions).as("extensions of%n%s", text).containsKey(name);
      return extensions.get(name);
    }

    /** The subject alternative names as openssl prints them ("URI:…", "DNS:…"). */
    List<String> san() {
      return List.of(extension("X509v3 Subject Alternative Name").value().split(",\\s*"));
    }

    private static int indentation(String line) {
      int i = 0;
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      return i;
    }
  }
}
