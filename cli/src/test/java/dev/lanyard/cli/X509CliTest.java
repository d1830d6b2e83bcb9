package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.lanyard.internal.Certificates;
import dev.lanyard.testing.MutableClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code lanyard x509 issue|verify|inspect} and the X.509 side of {@code lanyard authority}, run in-process through
 * {@link Lanyard#run}: files written, JSON output and exit codes (0 valid, 1 rejected, 2 usage or configuration
 * error). Real authorities on disk, real keys, CSRs and an upstream CA made with BouncyCastle. After every test, no
 * output may hold a stack trace or a private key.
 */
class X509CliTest {
  static final String TD = "example.org";
  static final String SUBJECT = "spiffe://example.org/orders";

  @TempDir
  Path tmp;

  private final List<TestPki.Result> results = new ArrayList<>();

  // ------------------------------------------------------------------------------------------------------------
  // Harness

  TestPki.Result run(String... args) {
    return runAt(Clock.systemUTC(), args);
  }

  TestPki.Result runAt(Clock clock, String... args) {
    TestPki.Result result = TestPki.runAt(clock, args);
    results.add(result);
    return result;
  }

  @AfterEach
  void noOutputHoldsAStackTraceOrAPrivateKey() {
    for (TestPki.Result r : results) {
      assertThat(r.all()).as("output of %s", r.args())
          .doesNotContain("\tat ")
          .doesNotContain("Exception in thread")
          .doesNotContain("Caused by:")
          .doesNotContain("PRIVATE KEY");
    }
  }

  static Map<String, Object> json(TestPki.Result r) {
    assertThat(r.out().strip()).as("stdout of %s is one line", r.args()).doesNotContain("\n");
    try {
      return JSONObjectUtils.parse(r.out());
    } catch (ParseException e) {
      throw new AssertionError("stdout of " + r.args() + " is not a JSON object: " + r.out(), e);
    }
  }

  /** Exit 0 and the JSON on stdout. */
  static Map<String, Object> success(TestPki.Result r) {
    assertThat(r.code()).as("exit code of %s; stderr %s; stdout %s", r.args(), r.err(), r.out()).isZero();
    return json(r);
  }

  /** Exit 1 with {"valid":false,"reason":reason,"message":…}. */
  static Map<String, Object> rejection(TestPki.Result r, String reason) {
    assertThat(r.code()).as("exit code of %s; stdout %s; stderr %s", r.args(), r.out(), r.err()).isEqualTo(1);
    Map<String, Object> json = json(r);
    assertThat(json).containsEntry("valid", false).containsEntry("reason", reason).containsKey("message");
    assertThat((String) json.get("message")).isNotBlank();
    return json;
  }

  /** Exit 2, nothing on stdout, a "lanyard:"-style message on stderr that mentions {@code mention}. */
  static void usageError(TestPki.Result r, String mention) {
    assertThat(r.code()).as("exit code of %s; stdout %s; stderr %s", r.args(), r.out(), r.err()).isEqualTo(2);
    assertThat(r.out()).as("stdout of %s", r.args()).isEmpty();
    assertThat(r.err()).as("stderr of %s", r.args()).contains(mention);
  }

  Path init(String name, String... extra) {
    Path dir = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("authority", "init", "--trust-domain", TD, "--dir", dir.toString()));
    args.addAll(List.of(extra));
    success(run(args.toArray(String[]::new)));
    return dir;
  }

  Path init() {
    return init("authority");
  }

  /** Runs {@code x509 issue} into {@code out} (under the temporary directory). */
  TestPki.Result issue(Path authority, String out, String... extra) {
    List<String> args = new ArrayList<>(List.of("x509", "issue", "--authority", authority.toString(),
        "--spiffe-id", SUBJECT, "--out", tmp.resolve(out).toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** Issues into {@code out} and returns that directory. */
  Path issued(Path authority, String out, String... extra) {
    success(issue(authority, out, extra));
    return tmp.resolve(out);
  }

  TestPki.Result verify(String trustDomain, Path bundle, Path chain) {
    return run("x509", "verify", "--trust-domain", trustDomain, "--bundle", bundle.toString(),
        "--chain", chain.toString());
  }

  TestPki.Result verify(Path bundle, Path chain) {
    return verify(TD, bundle, chain);
  }

  Path write(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content);
  }

  static List<Object> sans(X509Certificate certificate, int type) throws Exception {
    List<Object> names = new ArrayList<>();
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> san : certificate.getSubjectAlternativeNames()) {
        if (Integer.valueOf(type).equals(san.get(0))) {
          names.add(san.get(1));
        }
      }
    }
    return names;
  }

  static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  // ------------------------------------------------------------------------------------------------------------
  // x509 issue

  @Nested
  class Issue {
    @Test
    void issueThenWritesChainKeyAndRootsAndPrintsSummary() throws Exception {
      Path authority = init();

      TestPki.Result r = issue(authority, "out", "--dns", "orders.internal", "--dns", "orders.example.org");

      Map<String, Object> json = success(r);
      Path out = tmp.resolve("out");
      assertThat(json).containsEntry("spiffeId", SUBJECT).containsKeys("serial", "expiresAt", "notBefore");
      assertThat(json.get("files")).asInstanceOf(LIST).containsExactly(
          out.resolve("svid.pem").toAbsolutePath().toString(), out.resolve("key.pem").toAbsolutePath().toString(),
          out.resolve("bundle.pem").toAbsolutePath().toString());
      try (var files = Files.list(out)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("no temporary file is left behind").containsExactlyInAnyOrder("svid.pem", "key.pem", "bundle.pem");
      }

      List<X509Certificate> chain = TestPki.certificates(out.resolve("svid.pem"));
      assertThat(chain).as("a self-signed CA: the chain is the leaf alone").hasSize(1);
      X509Certificate leaf = chain.get(0);
      assertThat(sans(leaf, 6)).containsExactly(SUBJECT);
      assertThat(sans(leaf, 2)).containsExactly("orders.internal", "orders.example.org");
      assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
      assertThat(leaf.getSerialNumber().toString(16)).isEqualTo(json.get("serial"));
      assertThat(leaf.getNotAfter().toInstant().toString()).isEqualTo(json.get("expiresAt"));
      assertThat(Duration.between(Instant.now(), leaf.getNotAfter().toInstant()))
          .as("the default TTL is 1h").isBetween(Duration.ofMinutes(58), Duration.ofHours(1));

      String keyPem = Files.readString(out.resolve("key.pem"));
      assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----").doesNotContain("CERTIFICATE");
      PrivateKey key = Certificates.parsePrivateKeyPem(keyPem);
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(key);
      signer.update(new byte[] {1, 2, 3});
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(new byte[] {1, 2, 3});
      assertThat(verifier.verify(signature)).as("key.pem belongs to the leaf").isTrue();

      TestPki.Result roots = run("authority", "bundle", "--dir", authority.toString(), "--format", "pem");
      assertThat(roots.code()).isZero();
      assertThat(Files.readString(out.resolve("bundle.pem"))).isEqualTo(roots.out())
          .startsWith("-----BEGIN CERTIFICATE-----");
      X509Certificate root = TestPki.certificates(out.resolve("bundle.pem")).get(0);
      leaf.verify(root.getPublicKey());
    }

    @Test
    void issueThenKeyIsMode0600AndNewOutDirIs0700() throws Exception {
      assumeTrue(posix(tmp), "POSIX file permissions are not supported here");
      Path authority = init();

      Path out = issued(authority, "new/nested/out");

      assertThat(mode(out.resolve("key.pem"))).isEqualTo("rw-------");
      assertThat(mode(out)).isEqualTo("rwx------");
      assertThat(mode(out.resolve("svid.pem"))).startsWith("rw-").satisfies(
          m -> assertThat(m.substring(3)).as("not writable by group or others").doesNotContain("w"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"svid.pem", "key.pem", "bundle.pem"})
    void issueWhenAFileExistsInOutThenExit2NamingItAndNothingWritten(String existing) throws Exception {
      Path authority = init();
      Path out = Files.createDirectories(tmp.resolve("out"));
      Files.writeString(out.resolve(existing), "keep me");

      usageError(issue(authority, "out"), out.resolve(existing).toString());

      assertThat(Files.readString(out.resolve(existing))).isEqualTo("keep me");
      try (var files = Files.list(out)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly(existing);
      }
    }

    @Test
    void issueWhenOutIsAFileThenExit2() throws Exception {
      Path authority = init();
      write("out", "a file");

      TestPki.Result r = issue(authority, "out");

      assertThat(r.code()).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).contains("out");
    }

    @Test
    void issueWhenArgumentsBadThenExit2AndNoFiles() {
      Path authority = init();

      usageError(issue(authority, "a", "--ttl", "25h"), "TTL");
      usageError(issue(authority, "b", "--dns", "not a name"), "not a name");
      usageError(issue(authority, "c", "--ttl", "soon"), "--ttl");
      usageError(run("x509", "issue", "--authority", authority.toString(), "--spiffe-id",
          "spiffe://other.org/orders", "--out", tmp.resolve("d").toString()), "other.org");
      usageError(run("x509", "issue", "--authority", authority.toString(), "--spiffe-id", "spiffe://" + TD,
          "--out", tmp.resolve("e").toString()), "path");
      usageError(run("x509", "issue", "--authority", tmp.resolve("none").toString(), "--spiffe-id", SUBJECT,
          "--out", tmp.resolve("f").toString()), tmp.resolve("none").toString());
      usageError(run("x509", "issue", "--authority", authority.toString(), "--spiffe-id", SUBJECT), "--out");
      for (String out : List.of("a", "b", "c", "d", "e", "f")) {
        assertThat(tmp.resolve(out).resolve("svid.pem")).doesNotExist();
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "*.com", "orders.internal."})
    void issueWhenDnsNameTheVerifierWouldRefuseThenExit2NamingItAndNoFiles(String name) {
      Path authority = init();

      TestPki.Result r = issue(authority, "out", "--dns", "orders.internal", "--dns", name);

      usageError(r, "'" + name + "'");
      assertThat(r.err()).contains("not a DNS name");
      assertThat(tmp.resolve("out").resolve("svid.pem")).doesNotExist();
    }

    @Test
    void issueWithTtlThenLeafLivesThatLong() throws Exception {
      Path authority = init();

      Path out = issued(authority, "out", "--ttl", "90s");

      X509Certificate leaf = TestPki.certificates(out.resolve("svid.pem")).get(0);
      assertThat(Duration.between(Instant.now(), leaf.getNotAfter().toInstant()))
          .isBetween(Duration.ofSeconds(80), Duration.ofSeconds(90));
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // x509 verify

  @Nested
  class Verify {
    @Test
    void verifyWhenBundleUrlIsCleartextHttpThenExit2UnlessFlaggedAndThenWarned() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      byte[] roots = Files.readAllBytes(out.resolve("bundle.pem"));
      AtomicInteger hits = new AtomicInteger();
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/bundle", exchange -> {
        hits.incrementAndGet();
        exchange.sendResponseHeaders(200, roots.length);
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(roots);
        }
      });
      server.start();
      try {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bundle";
        String chain = out.resolve("svid.pem").toString();

        TestPki.Result refused = run("x509", "verify", "--trust-domain", TD, "--bundle", url, "--chain", chain);
        assertThat(hits.get()).as("nothing fetched over http").isZero();
        TestPki.Result allowed = run("x509", "verify", "--trust-domain", TD, "--bundle", url,
            "--allow-insecure-http-bundle", "--chain", chain);

        usageError(refused, "--allow-insecure-http-bundle");
        assertThat(refused.err()).contains(url).contains("cleartext http");
        assertThat(success(allowed)).containsEntry("valid", true).containsEntry("spiffeId", SUBJECT);
        assertThat(allowed.err()).contains("warning").contains("INSECURE").contains(url);
      } finally {
        server.stop(0);
      }
    }

    @Test
    void verifyWithPemRootsThenValidWithIdExpirySerialAndAnchor() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out", "--dns", "orders.internal");

      Map<String, Object> json = success(verify(out.resolve("bundle.pem"), out.resolve("svid.pem")));

      X509Certificate leaf = TestPki.certificates(out.resolve("svid.pem")).get(0);
      X509Certificate root = TestPki.certificates(out.resolve("bundle.pem")).get(0);
      assertThat(json).containsEntry("valid", true).containsEntry("spiffeId", SUBJECT)
          .containsEntry("expiresAt", leaf.getNotAfter().toInstant().toString())
          .containsEntry("serial", leaf.getSerialNumber().toString(16))
          .containsEntry("trustAnchor", root.getSubjectX500Principal().getName());
      assertThat(json.get("dnsNames")).asInstanceOf(LIST).containsExactly("orders.internal");
    }

    @Test
    void verifyWithSpiffeBundleJsonThenValid() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      TestPki.Result spiffe = run("authority", "bundle", "--dir", authority.toString(), "--format", "spiffe");
      assertThat(spiffe.code()).isZero();
      Path bundle = write("bundle.json", spiffe.out());

      Map<String, Object> json = success(verify(bundle, out.resolve("svid.pem")));

      assertThat(json).containsEntry("valid", true).containsEntry("spiffeId", SUBJECT);
    }

    @Test
    void verifyWhenOtherTrustDomainThenRejectedUntrustedTrustDomain() {
      Path authority = init();
      Path out = issued(authority, "out");

      Map<String, Object> json = rejection(verify("other.org", out.resolve("bundle.pem"), out.resolve("svid.pem")),
          "UNTRUSTED_TRUST_DOMAIN");

      assertThat((String) json.get("message")).contains("example.org");
    }

    @Test
    void verifyWhenSignedByAnotherAuthorityThenRejectedUntrustedChain() {
      Path authority = init("authority");
      Path other = init("other");
      Path ours = issued(authority, "ours");
      Path theirs = issued(other, "theirs");

      rejection(verify(ours.resolve("bundle.pem"), theirs.resolve("svid.pem")), "UNTRUSTED_CHAIN");
    }

    @Test
    void verifyWhenExpiredThenRejectedExpired() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out", "--ttl", "1s");
      Instant notAfter = TestPki.certificates(out.resolve("svid.pem")).get(0).getNotAfter().toInstant();
      Clock afterExpiry = new MutableClock(notAfter.plusSeconds(1));

      Map<String, Object> json = rejection(runAt(afterExpiry, "x509", "verify", "--trust-domain", TD,
          "--bundle", out.resolve("bundle.pem").toString(), "--chain", out.resolve("svid.pem").toString()), "EXPIRED");

      assertThat((String) json.get("message")).contains(notAfter.toString());
    }

    @Test
    void verifyWhenChainIsTheCaThenRejectedNotALeaf() {
      Path authority = init();
      Path out = issued(authority, "out");

      rejection(verify(out.resolve("bundle.pem"), out.resolve("bundle.pem")), "NOT_A_LEAF");
    }

    @Test
    void verifyWhenChainIsGarbageThenRejectedMalformed() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      String leafPem = Files.readString(out.resolve("svid.pem"));
      String truncated = leafPem.replaceFirst("\n[^\n]*\n-----END CERTIFICATE-----", "\n-----END CERTIFICATE-----");
      assertThat(truncated).isNotEqualTo(leafPem);

      rejection(verify(out.resolve("bundle.pem"), write("garbage.pem", "not a certificate\n")), "MALFORMED");
      rejection(verify(out.resolve("bundle.pem"), write("truncated.pem", truncated)), "MALFORMED");
    }

    @Test
    void verifyWithDerLeafThenValid() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      X509Certificate leaf = TestPki.certificates(out.resolve("svid.pem")).get(0);
      Path der = Files.write(tmp.resolve("leaf.der"), leaf.getEncoded());

      success(verify(out.resolve("bundle.pem"), der));
    }

    @Test
    void verifyWhenChainFileEmptyOrMissingThenExit2() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      Path empty = write("empty.pem", "");
      Path blank = write("blank.pem", " \n\n");
      Path missing = tmp.resolve("missing.pem");

      usageError(verify(out.resolve("bundle.pem"), empty), "empty");
      usageError(verify(out.resolve("bundle.pem"), blank), "empty");
      usageError(verify(out.resolve("bundle.pem"), missing), missing.toString());
      usageError(verify(out.resolve("bundle.pem"), tmp), tmp.toString());
    }

    @Test
    void verifyWhenBundleMissingEmptyOrUnusableThenExit2() throws Exception {
      Path authority = init();
      Path out = issued(authority, "out");
      Path chain = out.resolve("svid.pem");
      TestPki.Result jwks = run("authority", "bundle", "--dir", authority.toString(), "--format", "jwks");

      usageError(verify(tmp.resolve("missing.pem"), chain), tmp.resolve("missing.pem").toString());
      usageError(verify(write("empty.pem", ""), chain), "empty");
      usageError(verify(write("garbage.txt", "hello"), chain), "neither");
      usageError(verify(write("broken.json", "{\"keys\": 3"), chain), "not a SPIFFE bundle");
      usageError(verify(write("jwks.json", jwks.out()), chain), "no X.509 roots");
      usageError(verify(write("bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), chain),
          "cannot be parsed");
    }

    @Test
    void verifyWhenFlagsMissingOrUnknownThenExit2() {
      usageError(run("x509", "verify", "--trust-domain", TD, "--bundle", "b.pem"), "--chain");
      usageError(run("x509", "verify", "--trust-domain", TD, "--chain", "c.pem"), "--bundle");
      usageError(run("x509", "verify", "--bundle", "b.pem", "--chain", "c.pem"), "--trust-domain");
      usageError(run("x509", "verify", "--trust-domain", TD, "--bundle", "b.pem", "--chain", "c.pem",
          "--no-such-flag"), "--no-such-flag");
      usageError(run("x509", "verify", "--trust-domain", "not a domain!", "--bundle", "b.pem", "--chain", "c.pem"),
          "trust domain");
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // x509 issue --csr

  @Nested
  class Csr {
    @ParameterizedTest
    @ValueSource(strings = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"})
    void issueForCsrThenLeafHasCsrKeyAndOurNamesOnlyAndNoKeyFile(String label) throws Exception {
      Path authority = init();
      KeyPair pair = TestPki.ecKeyPair();
      Path csr = write("req.pem", TestPki.pem(label, TestPki.csrDer(pair)));

      Map<String, Object> json = success(issue(authority, "out", "--csr", csr.toString(), "--dns",
          "orders.internal"));

      Path out = tmp.resolve("out");
      assertThat(json).containsEntry("spiffeId", SUBJECT).containsEntry("fromCsr", true);
      assertThat(json.get("files")).asInstanceOf(LIST).containsExactly(
          out.resolve("svid.pem").toAbsolutePath().toString(), out.resolve("bundle.pem").toAbsolutePath().toString());
      assertThat(out.resolve("key.pem")).doesNotExist();
      X509Certificate leaf = TestPki.certificates(out.resolve("svid.pem")).get(0);
      assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
      assertThat(sans(leaf, 6)).containsExactly(SUBJECT);
      assertThat(sans(leaf, 2)).containsExactly("orders.internal");
      assertThat(leaf.getSubjectX500Principal().getName()).doesNotContain("evil");
      success(verify(out.resolve("bundle.pem"), out.resolve("svid.pem")));
    }

    @Test
    void issueForCsrWhenKeyPemAlreadyInOutThenKeptAndIssued() throws Exception {
      Path authority = init();
      KeyPair pair = TestPki.ecKeyPair();
      Path out = Files.createDirectories(tmp.resolve("out"));
      Files.writeString(out.resolve("key.pem"), "the requester's own key");
      Path csr = write("req.pem", TestPki.pem("CERTIFICATE REQUEST", TestPki.csrDer(pair)));

      success(issue(authority, "out", "--csr", csr.toString()));

      assertThat(Files.readString(out.resolve("key.pem"))).isEqualTo("the requester's own key");
      assertThat(out.resolve("svid.pem")).exists();
    }

    @Test
    void issueForCsrWhenSignatureBadThenExit2AndNothingWritten() throws Exception {
      Path authority = init();
      byte[] der = TestPki.csrDer(TestPki.ecKeyPair());
      // Change the requested subject (CN=evil -> CN=evim): the request still parses, its signature no longer fits.
      byte[] evil = "evil".getBytes(StandardCharsets.US_ASCII);
      int at = indexOf(der, evil);
      assertThat(at).isPositive();
      der[at + 3] = 'm';
      Path csr = write("req.pem", TestPki.pem("CERTIFICATE REQUEST", der));

      usageError(issue(authority, "out", "--csr", csr.toString()), "signature");

      assertThat(tmp.resolve("out").resolve("svid.pem")).doesNotExist();
    }

    @Test
    void issueForCsrWhenFileNotARequestThenExit2() throws Exception {
      Path authority = init();
      Path out = issued(authority, "first");

      usageError(issue(authority, "a", "--csr", out.resolve("svid.pem").toString()), "CERTIFICATE REQUEST");
      usageError(issue(authority, "b", "--csr", write("empty.pem", "").toString()), "CERTIFICATE REQUEST");
      usageError(issue(authority, "c", "--csr", tmp.resolve("missing.pem").toString()),
          tmp.resolve("missing.pem").toString());
      usageError(issue(authority, "d", "--csr",
          write("junk.pem", TestPki.pem("CERTIFICATE REQUEST", new byte[] {1, 2, 3})).toString()),
          "certificate signing request");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
      outer:
      for (int i = 0; i + needle.length <= haystack.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (haystack[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // authority init with an upstream CA, and the CA key type

  @Nested
  class Upstream {
    Path writeUpstream(TestPki.Ca ca) throws Exception {
      Path dir = Files.createDirectories(tmp.resolve("upstream"));
      Files.writeString(dir.resolve("ca.key"), TestPki.pkcs8Pem(ca.privateKey()));
      Files.writeString(dir.resolve("ca.pem"), TestPki.pem(ca.certificate()));
      return dir;
    }

    @Test
    void initWithUpstreamThenSvidChainHasIntermediateAndVerifiesAgainstUpstreamRoot() throws Exception {
      TestPki.Ca upstream = TestPki.rootCa("Upstream Root");
      Path files = writeUpstream(upstream);
      Path dir = tmp.resolve("authority");

      Map<String, Object> init = success(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(),
          "--upstream-key", files.resolve("ca.key").toString(), "--upstream-cert",
          files.resolve("ca.pem").toString()));

      String upstreamSubject = upstream.certificate().getSubjectX500Principal().getName();
      assertThat(init.get("upstream")).asInstanceOf(MAP).containsEntry("subject", upstreamSubject);
      assertThat(init.get("x509Ca")).asInstanceOf(MAP).containsEntry("issuer", upstreamSubject)
          .containsKeys("id", "notAfter");

      Path out = issued(dir, "out");
      List<X509Certificate> chain = TestPki.certificates(out.resolve("svid.pem"));
      List<X509Certificate> roots = TestPki.certificates(out.resolve("bundle.pem"));
      assertThat(chain).as("leaf then the intermediate").hasSize(2);
      assertThat(roots).containsExactly(upstream.certificate());
      X509Certificate intermediate = chain.get(1);
      assertThat(intermediate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
      assertThat(intermediate.getIssuerX500Principal()).isEqualTo(upstream.certificate().getSubjectX500Principal());
      assertThat(sans(intermediate, 6)).containsExactly("spiffe://" + TD);
      chain.get(0).verify(intermediate.getPublicKey());
      intermediate.verify(upstream.certificate().getPublicKey());

      Map<String, Object> verified = success(verify(out.resolve("bundle.pem"), out.resolve("svid.pem")));
      assertThat(verified).containsEntry("spiffeId", SUBJECT).containsEntry("trustAnchor", upstreamSubject)
          .containsEntry("pathLength", 2L);
      // The leaf alone does not reach the upstream root: the intermediate must be presented.
      Path leafOnly = write("leaf.pem", TestPki.pem(chain.get(0)));
      rejection(verify(out.resolve("bundle.pem"), leafOnly), "UNTRUSTED_CHAIN");

      TestPki.Result pem = run("authority", "bundle", "--dir", dir.toString(), "--format", "pem");
      assertThat(pem.code()).isZero();
      assertThat(pem.out()).isEqualTo(TestPki.pem(upstream.certificate()));
    }

    @Test
    void initWithOnlyOneUpstreamFlagThenExit2NamingBoth() throws Exception {
      Path files = writeUpstream(TestPki.rootCa("Upstream Root"));
      Path dir = tmp.resolve("authority");

      usageError(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--upstream-key",
          files.resolve("ca.key").toString()), "--upstream-cert");
      usageError(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--upstream-cert",
          files.resolve("ca.pem").toString()), "--upstream-key");

      assertThat(dir).doesNotExist();
    }

    @Test
    void initWhenUpstreamUnusableThenExit2AndNoAuthority() throws Exception {
      TestPki.Ca upstream = TestPki.rootCa("Upstream Root");
      Path files = writeUpstream(upstream);
      Path otherKey = write("other.key", TestPki.pkcs8Pem(TestPki.ecKeyPair().getPrivate()));
      TestPki.Ca endEntity = TestPki.rootCa("Not A CA", false);
      Path eeKey = write("ee.key", TestPki.pkcs8Pem(endEntity.privateKey()));
      Path eeCert = write("ee.pem", TestPki.pem(endEntity.certificate()));
      Path sec1 = write("sec1.key", TestPki.pem("EC PRIVATE KEY", new byte[] {1, 2, 3}));
      Path noCert = write("none.pem", "nothing here\n");
      Path cert = files.resolve("ca.pem");
      Path key = files.resolve("ca.key");

      assertUpstreamRefused(otherKey, cert, "does not belong");
      assertUpstreamRefused(eeKey, eeCert, "not a CA");
      assertUpstreamRefused(sec1, cert, "PKCS#8");
      assertUpstreamRefused(key, noCert, "no PEM CERTIFICATE");
      assertUpstreamRefused(tmp.resolve("missing.key"), cert, tmp.resolve("missing.key").toString());
      assertUpstreamRefused(key, tmp.resolve("missing.pem"), tmp.resolve("missing.pem").toString());
    }

    private void assertUpstreamRefused(Path key, Path cert, String mention) {
      Path dir = tmp.resolve("authority-" + results.size());
      usageError(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--upstream-key",
          key.toString(), "--upstream-cert", cert.toString()), mention);
      assertThat(dir).as("no authority is created").doesNotExist();
    }

    @Test
    void initWithRsaCaThenRootIsRsaAndIssuedSvidVerifies() throws Exception {
      Path dir = tmp.resolve("authority");

      Map<String, Object> init = success(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(),
          "--ca-key-type", "RSA_2048"));

      assertThat(init).containsEntry("caKeyType", "RSA_2048");
      assertThat(init.get("x509Ca")).asInstanceOf(MAP).containsEntry("keyType", "RSA_2048");
      Path out = issued(dir, "out");
      X509Certificate root = TestPki.certificates(out.resolve("bundle.pem")).get(0);
      assertThat(root.getPublicKey()).isInstanceOf(RSAPublicKey.class);
      assertThat(((RSAPublicKey) root.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
      success(verify(out.resolve("bundle.pem"), out.resolve("svid.pem")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "ec_p256", "RSA_4096", ""})
    void initWhenCaKeyTypeUnknownThenExit2(String type) {
      Path dir = tmp.resolve("authority");

      usageError(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--ca-key-type", type),
          "--ca-key-type");
      assertThat(dir).doesNotExist();
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // authority init / rotate / bundle: the X.509 CA

  @Nested
  class AuthorityX509 {
    @Test
    void initThenJsonNamesTheActiveCa() throws Exception {
      Path dir = tmp.resolve("authority");

      Map<String, Object> init = success(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString()));

      assertThat(init).containsEntry("caKeyType", "EC_P256").doesNotContainKey("upstream");
      assertThat(init.get("keys")).asInstanceOf(LIST).hasSize(1);
      @SuppressWarnings("unchecked")
      Map<String, Object> ca = (Map<String, Object>) init.get("x509Ca");
      assertThat(ca).containsEntry("state", "ACTIVE").containsEntry("keyType", "EC_P256").containsKeys("id",
          "notAfter", "subject");
      Path out = issued(dir, "out");
      X509Certificate root = TestPki.certificates(out.resolve("bundle.pem")).get(0);
      assertThat(ca).containsEntry("subject", root.getSubjectX500Principal().getName())
          .containsEntry("notAfter", root.getNotAfter().toInstant().toString());
    }

    @Test
    void rotateTwiceThenCaPreparedThenActivatedAndOldSvidsStillVerify() throws Exception {
      Path dir = init();
      Path before = issued(dir, "before");
      String firstCa = TestPki.certificates(before.resolve("bundle.pem")).get(0).getSubjectX500Principal()
          .getName();

      Map<String, Object> first = success(run("authority", "rotate", "--dir", dir.toString()));
      assertThat(first).containsEntry("action", "prepared").containsKeys("key", "keys");
      @SuppressWarnings("unchecked")
      Map<String, Object> x509First = (Map<String, Object>) first.get("x509");
      assertThat(x509First).containsEntry("action", "prepared");
      assertThat(x509First.get("ca")).asInstanceOf(MAP).containsEntry("state", "PREPARED");
      assertThat(x509First.get("cas")).asInstanceOf(LIST).hasSize(2);
      TestPki.Result pem = run("authority", "bundle", "--dir", dir.toString(), "--format", "pem");
      assertThat(pem.out().split("BEGIN CERTIFICATE", -1)).as("both roots are published").hasSize(3);
      Path during = issued(dir, "during");
      assertThat(TestPki.certificates(during.resolve("svid.pem")).get(0).getIssuerX500Principal().getName())
          .as("a prepared CA does not issue").isEqualTo(firstCa);

      Map<String, Object> second = success(run("authority", "rotate", "--dir", dir.toString()));
      @SuppressWarnings("unchecked")
      Map<String, Object> x509Second = (Map<String, Object>) second.get("x509");
      assertThat(x509Second).containsEntry("action", "activated");
      assertThat(x509Second.get("ca")).asInstanceOf(MAP).containsEntry("state", "ACTIVE")
          .containsEntry("id", ((Map<?, ?>) x509First.get("ca")).get("id"));
      assertThat(((List<?>) x509Second.get("cas")).stream().map(ca -> (Object) ((Map<?, ?>) ca).get("state"))
          .collect(Collectors.toList())).containsExactly("RETIRED", "ACTIVE");

      Path after = issued(dir, "after");
      X509Certificate newLeaf = TestPki.certificates(after.resolve("svid.pem")).get(0);
      assertThat(newLeaf.getIssuerX500Principal().getName()).isNotEqualTo(firstCa)
          .isEqualTo(((Map<?, ?>) x509Second.get("ca")).get("subject"));
      assertThat(TestPki.certificates(after.resolve("bundle.pem"))).hasSize(2);
      success(verify(after.resolve("bundle.pem"), after.resolve("svid.pem")));
      success(verify(after.resolve("bundle.pem"), before.resolve("svid.pem")));
      rejection(verify(before.resolve("bundle.pem"), after.resolve("svid.pem")), "UNTRUSTED_CHAIN");
    }

    @Test
    void bundleAsPemThenRootsMatchSpiffeBundleX5c() throws Exception {
      Path dir = init();

      TestPki.Result pem = run("authority", "bundle", "--dir", dir.toString(), "--format", "pem");
      TestPki.Result spiffe = run("authority", "bundle", "--dir", dir.toString());

      assertThat(pem.code()).isZero();
      Path file = write("roots.pem", pem.out());
      List<String> x5c = new ArrayList<>();
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> keys = (List<Map<String, Object>>) json(spiffe).get("keys");
      for (Map<String, Object> key : keys) {
        if ("x509-svid".equals(key.get("use"))) {
          x5c.add((String) ((List<?>) key.get("x5c")).get(0));
        }
      }
      List<String> roots = new ArrayList<>();
      for (X509Certificate root : TestPki.certificates(file)) {
        roots.add(Base64.getEncoder().encodeToString(root.getEncoded()));
      }
      assertThat(roots).isNotEmpty().containsExactlyElementsOf(x5c);
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // x509 inspect

  @Nested
  class Inspect {
    @Test
    void inspectWhenReadAfterExpiryThenSaysHowLongAgoOnTheCommandLinesClock() throws Exception {
      Path out = issued(init(), "out");
      Instant notAfter = TestPki.certificates(out.resolve("svid.pem")).get(0).getNotAfter().toInstant();

      TestPki.Result r = runAt(new MutableClock(notAfter.plusSeconds(90)), "x509", "inspect", "--cert",
          out.resolve("svid.pem").toString());

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("not after:           " + notAfter + " (expired 1m30s ago)");
    }

    @Test
    void inspectLeafThenUnverifiedSummaryWithNamesAndUsages() throws Exception {
      Path dir = init();
      Path out = issued(dir, "out", "--dns", "orders.internal");
      X509Certificate leaf = TestPki.certificates(out.resolve("svid.pem")).get(0);

      TestPki.Result r = run("x509", "inspect", "--cert", out.resolve("svid.pem").toString());

      assertThat(r.code()).as(r.err()).isZero();
      List<String> lines = r.out().lines().collect(Collectors.toList());
      assertThat(lines.get(0)).startsWith("UNVERIFIED");
      assertThat(r.out())
          .contains("subject:", "issuer:", leaf.getIssuerX500Principal().getName())
          .contains("serial:", leaf.getSerialNumber().toString(16))
          .contains("not before:", leaf.getNotBefore().toInstant().toString())
          .contains("not after:", leaf.getNotAfter().toInstant().toString())
          .contains("URI:" + SUBJECT, "DNS:orders.internal")
          .contains("CA:FALSE (critical)")
          .contains("key usage:           digitalSignature (critical)")
          .contains("serverAuth, clientAuth")
          .contains("EC P-256");
      assertThat(r.out()).doesNotContain("keyCertSign");
      assertThat(r.err()).isEmpty();
    }

    @Test
    void inspectRootThenCaTrueAndCertSign() throws Exception {
      Path dir = init();
      Path out = issued(dir, "out");

      TestPki.Result r = run("x509", "inspect", "--cert", out.resolve("bundle.pem").toString());

      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("UNVERIFIED").contains("CA:TRUE (critical)")
          .contains("keyCertSign, cRLSign (critical)").contains("URI:spiffe://" + TD).contains("self-issued");
    }

    @Test
    void inspectChainThenEveryCertificateNumbered() throws Exception {
      TestPki.Ca upstream = TestPki.rootCa("Upstream Root");
      Path key = write("ca.key", TestPki.pkcs8Pem(upstream.privateKey()));
      Path cert = write("ca.pem", TestPki.pem(upstream.certificate()));
      Path dir = tmp.resolve("authority");
      success(run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--upstream-key",
          key.toString(), "--upstream-cert", cert.toString()));
      Path out = issued(dir, "out");

      TestPki.Result r = run("x509", "inspect", "--cert", out.resolve("svid.pem").toString());

      assertThat(r.code()).isZero();
      assertThat(r.out().lines().findFirst()).hasValueSatisfying(l -> assertThat(l).startsWith("UNVERIFIED"));
      assertThat(r.out()).contains("certificate 1 of 2 (leaf):", "certificate 2 of 2:", "CA:FALSE", "CA:TRUE");
    }

    @Test
    void inspectDerThenDescribed() throws Exception {
      Path dir = init();
      Path out = issued(dir, "out");
      Path der = Files.write(tmp.resolve("leaf.der"),
          TestPki.certificates(out.resolve("svid.pem")).get(0).getEncoded());

      TestPki.Result r = run("x509", "inspect", "--cert", der.toString());

      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("UNVERIFIED").contains("URI:" + SUBJECT);
    }

    @Test
    void inspectWhenNotACertificateThenExit1WithMessage() throws Exception {
      Path garbage = write("garbage.pem", "hello, world\n");
      Path empty = write("empty.pem", "");
      Path broken = write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

      for (Path file : List.of(garbage, empty, broken)) {
        TestPki.Result r = run("x509", "inspect", "--cert", file.toString());
        assertThat(r.code()).as("exit code for %s", file).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(file.toString());
      }
    }

    @Test
    void inspectWhenFileUnreadableThenExit2() {
      Path missing = tmp.resolve("missing.pem");

      usageError(run("x509", "inspect", "--cert", missing.toString()), missing.toString());
      usageError(run("x509", "inspect"), "--cert");
    }

    @Test
    void inspectThenControlCharactersInFieldsAreNotPrinted() throws Exception {
      TestPki.Ca ca = TestPki.rootCa("evil\u001b[2Jname\u202e");
      Path file = write("evil.pem", TestPki.pem(ca.certificate()));

      TestPki.Result r = run("x509", "inspect", "--cert", file.toString());

      assertThat(r.code()).isZero();
      assertThat(r.out()).doesNotContain("\u001b").doesNotContain("\u202e").contains("evil?[2Jname?");
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // help and usage

  @ParameterizedTest
  @ValueSource(strings = {"x509", "x509 issue", "x509 verify", "x509 inspect"})
  void helpThenExit0WithUsage(String command) {
    List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
    args.add("--help");

    TestPki.Result r = run(args.toArray(String[]::new));

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage:");
  }

  @Test
  void x509WithoutSubcommandThenExit2() {
    TestPki.Result r = run("x509");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("issue, verify or inspect");
  }
}
