package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.lanyard.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code lanyard} command line, run in-process through {@link Lanyard#run}: commands, flags, JSON output and exit
 * codes of the contract (0 success, 1 rejected credential, 2 usage or configuration error). Real authorities on disk,
 * real keys and signatures, a real HTTP server for bundle URLs. After every test, no output may hold a stack trace.
 */
class LanyardCliTest {
  static final String TD = "example.org";
  static final String SUBJECT = "spiffe://example.org/orders";
  static final String AUDIENCE = "spiffe://example.org/payments";

  @TempDir
  Path tmp;

  /** Every command line run by the current test, checked for stack traces and private keys after it. */
  private final List<Result> results = new ArrayList<>();
  /** The clock command lines run on; a test that needs another time sets its own. */
  private Clock clock = Clock.systemUTC();

  // ------------------------------------------------------------------------------------------------------------
  // Harness

  /** The exit code and everything a command printed. */
  record Result(List<String> args, int code, String out, String err) {
    /** Stdout parsed as one JSON object. */
    Map<String, Object> json() {
      assertThat(out.strip()).as("stdout of %s is one line", args).doesNotContain("\n");
      try {
        return JSONObjectUtils.parse(out);
      } catch (ParseException e) {
        throw new AssertionError("stdout of " + args + " is not a JSON object: " + out, e);
      }
    }

    String all() {
      return out + "\n" + err;
    }
  }

  Result run(String... args) {
    return runWithStdin(new byte[0], args);
  }

  Result runWithStdin(String stdin, String... args) {
    return runWithStdin(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  Result runWithStdin(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Lanyard.run(args, new ByteArrayInputStream(stdin), new PrintWriter(out), new PrintWriter(err), clock);
    Result result = new Result(List.of(args), code, out.toString(), err.toString());
    results.add(result);
    return result;
  }

  @AfterEach
  void noOutputEverHoldsAStackTraceOrAPrivateKey() {
    for (Result r : results) {
      assertThat(r.all()).as("output of %s", r.args())
          .doesNotContain("PRIVATE KEY")
          .doesNotContain("\tat ")
          .doesNotContain("Exception in thread")
          .doesNotContain("Caused by:");
    }
  }

  /** An authority created by {@code lanyard authority init}, with the key id of its first active key. */
  record Authority(Path dir, String keyId) {
    String path() {
      return dir.toString();
    }
  }

  Authority init(String name, String... extra) {
    Path dir = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("authority", "init", "--trust-domain", TD, "--dir", dir.toString()));
    args.addAll(List.of(extra));
    Result r = run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return new Authority(dir, (String) keys(r.json()).get(0).get("keyId"));
  }

  Authority init() {
    return init("authority");
  }

  /** Writes the authority's SPIFFE bundle to a file. */
  Path bundleFile(Authority authority, String name) throws IOException {
    Result r = run("authority", "bundle", "--dir", authority.path());
    assertThat(r.code()).as(r.err()).isZero();
    return Files.writeString(tmp.resolve(name), r.out());
  }

  Path bundleFile(Authority authority) throws IOException {
    return bundleFile(authority, "bundle.json");
  }

  String mint(Authority authority, String... extra) {
    List<String> args = new ArrayList<>(List.of("jwt", "mint", "--authority", authority.path(),
        "--spiffe-id", SUBJECT, "--audience", AUDIENCE));
    args.addAll(List.of(extra));
    Result r = run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r.out().strip();
  }

  Result verify(Path bundle, String token, String... extra) {
    List<String> args = new ArrayList<>(List.of("jwt", "verify", "--trust-domain", TD, "--bundle", bundle.toString(),
        "--audience", AUDIENCE, "--token", token));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  Result verifyStdin(Path bundle, byte[] stdin, String... extra) {
    List<String> args = new ArrayList<>(List.of("jwt", "verify", "--trust-domain", TD, "--bundle", bundle.toString(),
        "--audience", AUDIENCE));
    args.addAll(List.of(extra));
    return runWithStdin(stdin, args.toArray(String[]::new));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> keys(Map<String, Object> json) {
    return (List<Map<String, Object>>) json.get("keys");
  }

  /** The JWT-SVID keys of a SPIFFE bundle document (it may also hold x509-svid roots). */
  static List<Map<String, Object>> jwtSvidKeys(Map<String, Object> bundle) {
    return keys(bundle).stream().filter(key -> "jwt-svid".equals(key.get("use"))).collect(Collectors.toList());
  }

  static Map<String, Object> decodePart(String token, int index) {
    try {
      String part = token.split("\\.", -1)[index];
      return JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new AssertionError(e);
    }
  }

  static Map<String, Object> header(String token) {
    return decodePart(token, 0);
  }

  static Map<String, Object> claims(String token) {
    return decodePart(token, 1);
  }

  static String signature(String token) {
    return token.substring(token.lastIndexOf('.') + 1);
  }

  static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  static Map<String, Object> rejection(Result r, String reason) {
    assertThat(r.code()).as("exit code; stdout %s stderr %s", r.out(), r.err()).isEqualTo(1);
    Map<String, Object> json = r.json();
    assertThat(json).containsOnlyKeys("valid", "reason", "message");
    assertThat(json.get("valid")).isEqualTo(false);
    assertThat(json.get("reason")).isEqualTo(reason);
    assertThat(json.get("message")).isInstanceOf(String.class);
    assertThat((String) json.get("message")).isNotBlank();
    return json;
  }

  static void usageError(Result r, String... messageParts) {
    assertThat(r.code()).as("exit code; stdout %s stderr %s", r.out(), r.err()).isEqualTo(2);
    assertThat(r.err()).isNotBlank();
    for (String part : messageParts) {
      assertThat(r.err()).contains(part);
    }
  }

  /** The lines of the private key blocks the authority keeps on disk. */
  static List<String> privateKeyLines(Authority authority) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(authority.dir().resolve("keys"))) {
      for (Path file : files.collect(Collectors.toList())) {
        boolean inside = false;
        for (String line : Files.readAllLines(file)) {
          if (line.startsWith("-----BEGIN ") && line.contains("PRIVATE KEY")) {
            inside = true;
          } else if (line.startsWith("-----END ")) {
            inside = false;
          } else if (inside && line.length() >= 16) {
            lines.add(line);
          }
        }
      }
    }
    assertThat(lines).isNotEmpty();
    return lines;
  }

  /** Neither the token's signature nor any private key of the authority appears in the output. */
  static void assertNoSecrets(Result r, Authority authority, String... tokens) throws IOException {
    assertThat(r.all()).doesNotContain("PRIVATE KEY");
    for (String line : privateKeyLines(authority)) {
      assertThat(r.all()).doesNotContain(line);
    }
    for (String token : tokens) {
      assertThat(r.all()).doesNotContain(signature(token));
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // authority init

  @Nested
  class Init {
    @Test
    void initWhenNewDirThenPrintsJsonSummaryWithOneActiveKey() {
      Path dir = tmp.resolve("new/authority");

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", dir.toString());

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).isEmpty();
      Map<String, Object> json = r.json();
      assertThat(json).containsEntry("trustDomain", TD)
          .containsEntry("dir", dir.toAbsolutePath().toString())
          .containsEntry("jwtAlgorithm", "ES256");
      assertThat(keys(json)).singleElement().satisfies(key -> {
        assertThat((String) key.get("keyId")).matches("[A-Za-z0-9_-]{8,64}");
        assertThat(key).containsEntry("algorithm", "ES256").containsEntry("state", "ACTIVE")
            .containsEntry("tainted", false);
        Instant created = Instant.parse((String) key.get("createdAt"));
        Instant notAfter = Instant.parse((String) key.get("notAfter"));
        assertThat(notAfter).isAfter(created);
      });
      assertThat(r.out()).doesNotContain("PRIVATE KEY");
      assertThat(dir.resolve("authority.json")).isRegularFile();
    }

    @Test
    void initWhenTrustDomainHasUpperCaseThenFoldsIt() {
      Result r = run("authority", "init", "--trust-domain", "Example.ORG", "--dir", tmp.resolve("a").toString());

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.json()).containsEntry("trustDomain", TD);
    }

    @Test
    void initWhenCreatedThenDirIs0700AndKeyFilesAre0600() throws IOException {
      assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
      Authority authority = init();

      assertThat(mode(authority.dir())).isEqualTo("rwx------");
      assertThat(mode(authority.dir().resolve("keys"))).isEqualTo("rwx------");
      try (Stream<Path> files = Files.list(authority.dir().resolve("keys"))) {
        List<Path> keyFiles = files.collect(Collectors.toList());
        assertThat(keyFiles).extracting(p -> p.getFileName().toString()).contains(authority.keyId() + ".pem");
        for (Path file : keyFiles) {
          assertThat(mode(file)).as("mode of %s", file).isEqualTo("rw-------");
          assertThat(Files.readString(file)).contains("PRIVATE KEY");
        }
      }
      try (Stream<Path> files = Files.walk(authority.dir())) {
        for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
          if (Files.readString(file, StandardCharsets.ISO_8859_1).contains("PRIVATE KEY")) {
            assertThat(file.getParent()).as("private keys live in keys/ only: %s", file)
                .isEqualTo(authority.dir().resolve("keys"));
          }
        }
      }
    }

    String mode(Path path) throws IOException {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void initWhenDirAlreadyHoldsAuthorityThenExit2NamingDirAndKeepsIt() throws IOException {
      Authority authority = init();
      String before = Files.readString(authority.dir().resolve("authority.json"));

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", authority.path());

      usageError(r, authority.path());
      assertThat(r.err()).contains("already holds an authority");
      assertThat(r.out()).isEmpty();
      assertThat(Files.readString(authority.dir().resolve("authority.json"))).isEqualTo(before);
    }

    @Test
    void initWhenEmptyDirWritableByOthersThenExit2NamingModeAndFixAndNothingCreated() throws IOException {
      assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
      Path dir = Files.createDirectories(tmp.resolve("shared"));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", dir.toString());

      usageError(r, "authority directory " + dir + " has mode 0777 (group/others may write): chmod 700 " + dir);
      assertThat(r.out()).isEmpty();
      assertThat(dir).isEmptyDirectory();
    }

    @Test
    void initWhenEmptyDirOwnedByAnotherUserThenExit2NamingOwnerAndNothingCreated() throws IOException {
      assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
      assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
          "only root can give a directory to another user (chown); this case runs where tests run as root, as in CI");
      Path dir = Files.createDirectories(tmp.resolve("theirs"));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", dir.toString());

      usageError(r, "authority directory " + dir + " is owned by nobody");
      assertThat(r.out()).isEmpty();
      assertThat(dir).isEmptyDirectory();
    }

    @Test
    void mintWhenKeyFileReadableByOthersThenExit2NamingModeAndFixAndNoToken() throws IOException {
      assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
      Authority authority = init();
      Path key = authority.dir().resolve("keys").resolve(authority.keyId() + ".pem");
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-rw-rw-"));

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE);

      usageError(r, "key file " + key + " has mode 0666 (group/others may write): chmod 600 " + key);
      assertThat(r.out()).isEmpty();
    }

    @Test
    void bundleWhenAuthorityDirWritableByOthersThenExit2NamingModeAndFix() throws IOException {
      assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
      Authority authority = init();
      Files.setPosixFilePermissions(authority.dir(), PosixFilePermissions.fromString("rwxrwxrwx"));

      Result r = run("authority", "bundle", "--dir", authority.path());

      usageError(r, "authority directory " + authority.dir() + " has mode 0777 (group/others may write): chmod 700 "
          + authority.dir());
      assertThat(r.out()).isEmpty();
    }

    @Test
    void initWhenDirNotEmptyThenExit2NamingDir() throws IOException {
      Path dir = Files.createDirectories(tmp.resolve("busy"));
      Files.writeString(dir.resolve("notes.txt"), "mine");

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", dir.toString());

      usageError(r, dir.toString());
      assertThat(dir.resolve("authority.json")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad domain", "example.org:8443", "exa%41mple.org", "user@example.org",
        "spiffe://", "ex\u00e4mple.org"})
    void initWhenTrustDomainInvalidThenExit2AndNothingCreated(String trustDomain) {
      Path dir = tmp.resolve("authority");

      Result r = run("authority", "init", "--trust-domain", trustDomain, "--dir", dir.toString());

      usageError(r, "lanyard: ");
      assertThat(r.out()).isEmpty();
      assertThat(dir).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS256", "none", "EdDSA", "es256", "ES512", "RS384", ""})
    void initWhenJwtAlgorithmNotSupportedThenExit2AndNothingCreated(String algorithm) {
      Path dir = tmp.resolve("authority");

      Result r = run("authority", "init", "--trust-domain", TD, "--dir", dir.toString(), "--jwt-algorithm", algorithm);

      usageError(r);
      assertThat(r.err()).containsAnyOf("--jwt-algorithm", "ES256, ES384, RS256 or PS256");
      assertThat(r.out()).isEmpty();
      assertThat(dir).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ES256", "ES384", "RS256", "PS256"})
    void initWithEachSupportedAlgorithmThenMintedTokensVerify(String algorithm) throws IOException {
      Authority authority = init("authority-" + algorithm, "--jwt-algorithm", algorithm);

      Result jwks = run("authority", "bundle", "--dir", authority.path(), "--format", "jwks");
      String token = mint(authority);
      Result verified = verify(bundleFile(authority), token);

      assertThat(keys(jwks.json())).singleElement().satisfies(k -> assertThat(k).containsEntry("alg", algorithm)
          .containsEntry("kty", algorithm.startsWith("ES") ? "EC" : "RSA"));
      assertThat(header(token)).containsEntry("alg", algorithm).containsEntry("kid", authority.keyId());
      assertThat(verified.code()).as(verified.out()).isZero();
      assertThat(verified.json()).containsEntry("valid", true).containsEntry("algorithm", algorithm);
    }

    @Test
    void initWhenRequiredFlagMissingThenExit2() {
      usageError(run("authority", "init", "--dir", tmp.resolve("a").toString()), "--trust-domain");
      usageError(run("authority", "init", "--trust-domain", TD), "--dir");
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // authority bundle

  @Nested
  class Bundle {
    @Test
    void bundleByDefaultThenSpiffeBundleWithJwtSvidKeyAndSequence() {
      Authority authority = init();

      Result r = run("authority", "bundle", "--dir", authority.path());
      Result explicit = run("authority", "bundle", "--dir", authority.path(), "--format", "spiffe");

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).isEmpty();
      Map<String, Object> json = r.json();
      assertThat(keys(json)).allSatisfy(key -> assertThat(key.get("use")).isIn("jwt-svid", "x509-svid"))
          .noneSatisfy(key -> assertThat(key).containsKey("d"));
      assertThat(jwtSvidKeys(json)).singleElement().satisfies(key -> assertThat(key)
          .containsEntry("kid", authority.keyId()).containsEntry("kty", "EC").containsEntry("crv", "P-256")
          .containsEntry("alg", "ES256").containsKeys("x", "y"));
      assertThat(keys(json)).filteredOn(key -> "x509-svid".equals(key.get("use")))
          .allSatisfy(key -> assertThat(key.get("x5c")).asInstanceOf(LIST).hasSize(1));
      assertThat(json.get("spiffe_sequence")).isInstanceOf(Number.class);
      assertThat(((Number) json.get("spiffe_sequence")).longValue()).isPositive();
      assertThat(json).containsEntry("spiffe_refresh_hint", 300L);
      assertThat(explicit.code()).isZero();
      assertThat(explicit.out()).isEqualTo(r.out());
    }

    @Test
    void bundleAsJwksThenPlainJwksWithUseSigAndAlg() {
      Authority authority = init();

      Result r = run("authority", "bundle", "--dir", authority.path(), "--format", "jwks");

      assertThat(r.code()).as(r.err()).isZero();
      Map<String, Object> json = r.json();
      assertThat(json).containsOnlyKeys("keys");
      assertThat(keys(json)).singleElement().satisfies(key -> assertThat(key).containsEntry("use", "sig")
          .containsEntry("alg", "ES256").containsEntry("kid", authority.keyId()).doesNotContainKey("d"));
    }

    @Test
    void bundleAsPemThenTheX509RootsOfTheSpiffeBundle() throws Exception {
      Authority authority = init();

      Result pem = run("authority", "bundle", "--dir", authority.path(), "--format", "pem");
      Result spiffe = run("authority", "bundle", "--dir", authority.path());

      assertThat(pem.code()).as(pem.err()).isZero();
      assertThat(pem.out()).startsWith("-----BEGIN CERTIFICATE-----").doesNotContain("PRIVATE KEY");
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> roots = factory
          .generateCertificates(new ByteArrayInputStream(pem.out().getBytes(StandardCharsets.US_ASCII))).stream()
          .map(X509Certificate.class::cast).collect(Collectors.toList());
      assertThat(roots).isNotEmpty().allSatisfy(root -> {
        assertThat(root.getBasicConstraints()).as("a CA certificate").isGreaterThanOrEqualTo(0);
        assertThat(root.getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
            .contains("spiffe://" + TD);
      });
      List<String> x5c = keys(spiffe.json()).stream().filter(key -> "x509-svid".equals(key.get("use")))
          .map(key -> (String) ((List<?>) key.get("x5c")).get(0)).collect(Collectors.toList());
      assertThat(roots).extracting(root -> Base64.getEncoder().encodeToString(root.getEncoded()))
          .containsExactlyElementsOf(x5c);
      assertNoSecrets(pem, authority);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PEM", "x509", "json", ""})
    void bundleWhenFormatUnknownThenExit2(String format) {
      Authority authority = init();

      usageError(run("authority", "bundle", "--dir", authority.path(), "--format", format), "--format");
    }

    @Test
    void bundleWhenDirHoldsNoAuthorityThenExit2NamingDir() throws IOException {
      Path missing = tmp.resolve("missing");
      Path empty = Files.createDirectories(tmp.resolve("empty"));

      usageError(run("authority", "bundle", "--dir", missing.toString()), missing.toString());
      usageError(run("authority", "bundle", "--dir", empty.toString()), empty.toString());
    }

    @Test
    void bundleWhenAuthorityMetadataCorruptThenExit2() throws IOException {
      Authority authority = init();
      Files.writeString(authority.dir().resolve("authority.json"), "{not json");

      usageError(run("authority", "bundle", "--dir", authority.path()), "corrupt");
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // authority rotate

  @Nested
  class Rotate {
    @Test
    void rotateTwiceThenPreparedThenActivatedAndNewTokensCarryNewKidAndVerify() throws Exception {
      Authority authority = init();
      String oldToken = mint(authority);
      Path bundleBefore = bundleFile(authority, "bundle-0.json");

      // First step: a next key is prepared and published, but does not sign yet.
      Result first = run("authority", "rotate", "--dir", authority.path());
      assertThat(first.code()).as(first.err()).isZero();
      Map<String, Object> prepared = first.json();
      assertThat(prepared).containsEntry("action", "prepared");
      @SuppressWarnings("unchecked")
      Map<String, Object> preparedKey = (Map<String, Object>) prepared.get("key");
      String newKid = (String) preparedKey.get("keyId");
      assertThat(newKid).isNotEqualTo(authority.keyId());
      assertThat(preparedKey).containsEntry("state", "PREPARED");
      assertThat(keys(prepared)).extracting(k -> k.get("keyId") + "=" + k.get("state"))
          .containsExactly(authority.keyId() + "=ACTIVE", newKid + "=PREPARED");
      Path bundleAfterFirst = bundleFile(authority, "bundle-1.json");
      Map<String, Object> bundle1 = JSONObjectUtils.parse(Files.readString(bundleAfterFirst));
      assertThat(jwtSvidKeys(bundle1)).extracting(k -> k.get("kid")).containsExactly(authority.keyId(), newKid);
      assertThat(header(mint(authority)).get("kid")).as("a prepared key does not sign").isEqualTo(authority.keyId());

      // Second step: the prepared key is activated, the old one retired but still published.
      Result second = run("authority", "rotate", "--dir", authority.path());
      assertThat(second.code()).as(second.err()).isZero();
      Map<String, Object> activated = second.json();
      assertThat(activated).containsEntry("action", "activated");
      assertThat(activated.get("key")).asInstanceOf(MAP)
          .containsEntry("keyId", newKid).containsEntry("state", "ACTIVE");
      assertThat(keys(activated)).extracting(k -> k.get("keyId") + "=" + k.get("state"))
          .containsExactly(authority.keyId() + "=RETIRED", newKid + "=ACTIVE");
      Path bundleAfterSecond = bundleFile(authority, "bundle-2.json");
      Map<String, Object> bundle2 = JSONObjectUtils.parse(Files.readString(bundleAfterSecond));
      assertThat(jwtSvidKeys(bundle2)).hasSize(2).extracting(k -> k.get("kid"))
          .containsExactlyInAnyOrder(authority.keyId(), newKid);
      assertThat(((Number) bundle2.get("spiffe_sequence")).longValue())
          .isGreaterThan(((Number) bundle1.get("spiffe_sequence")).longValue());

      String newToken = mint(authority);
      assertThat(header(newToken)).containsEntry("kid", newKid);

      Result newVerified = verify(bundleAfterSecond, newToken);
      assertThat(newVerified.code()).as(newVerified.out()).isZero();
      assertThat(newVerified.json()).containsEntry("valid", true).containsEntry("keyId", newKid);
      Result oldVerified = verify(bundleAfterSecond, oldToken);
      assertThat(oldVerified.code()).as("a retired key still verifies its tokens").isZero();
      assertThat(oldVerified.json()).containsEntry("keyId", authority.keyId());
      Result consumerAfterFirst = verify(bundleAfterFirst, newToken);
      assertThat(consumerAfterFirst.code()).as("consumers that refreshed after the first step accept new tokens")
          .isZero();
      rejection(verify(bundleBefore, newToken), "UNKNOWN_KEY");

      for (Result r : List.of(first, second, newVerified, oldVerified)) {
        assertNoSecrets(r, authority, newToken, oldToken);
      }
    }

    @Test
    void rotateWhenDirHoldsNoAuthorityThenExit2() {
      Path missing = tmp.resolve("missing");

      usageError(run("authority", "rotate", "--dir", missing.toString()), missing.toString());
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // jwt mint

  @Nested
  class Mint {
    @Test
    void mintThenPrintsOneCompactTokenOnly() {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE);

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).isEmpty();
      assertThat(r.out()).endsWith("\n");
      String token = r.out().strip();
      assertThat(token).doesNotContain("\n").doesNotContain(" ")
          .matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
      assertThat(token.split("\\.", -1)).hasSize(3);
      assertThat(header(token)).containsEntry("alg", "ES256").containsEntry("kid", authority.keyId());
      Map<String, Object> claims = claims(token);
      assertThat(claims).containsEntry("sub", SUBJECT).containsEntry("aud", List.of(AUDIENCE))
          .containsKeys("exp", "iat", "jti").doesNotContainKey("scope");
      assertThat(((Number) claims.get("exp")).longValue() - ((Number) claims.get("iat")).longValue())
          .as("default TTL 5m").isEqualTo(300);
    }

    @Test
    void mintWhenScopesSpaceSeparatedAndRepeatedThenTokenCarriesAll() throws IOException {
      Authority authority = init();

      String token = mint(authority, "--scope", "a b", "--scope", " c  d ", "--scope", "payments:charge");
      Result r = verify(bundleFile(authority), token);

      assertThat(claims(token).get("scope")).isEqualTo("a b c d payments:charge");
      assertThat(r.code()).isZero();
      assertThat(r.json().get("scopes")).asInstanceOf(LIST)
          .containsExactlyInAnyOrder("a", "b", "c", "d", "payments:charge");
    }

    @Test
    void mintWhenAudienceRepeatedThenTokenCarriesEveryAudience() throws IOException {
      Authority authority = init();
      String other = "spiffe://example.org/ledger";

      String token = mint(authority, "--audience", other);
      Path bundle = bundleFile(authority);
      Result asPayments = verify(bundle, token);
      Result asLedger = run("jwt", "verify", "--trust-domain", TD, "--bundle", bundle.toString(),
          "--audience", other, "--token", token);

      assertThat(claims(token).get("aud")).isEqualTo(List.of(AUDIENCE, other));
      assertThat(asPayments.code()).isZero();
      assertThat(asPayments.json().get("audience")).isEqualTo(List.of(AUDIENCE, other));
      assertThat(asLedger.code()).isZero();
    }

    static Stream<Arguments> ttls() {
      return Stream.of(Arguments.of("90s", 90), Arguments.of("PT2M", 120), Arguments.of("pt2m", 120),
          Arguments.of("5m", 300), Arguments.of("1h", 3600), Arguments.of("PT1H", 3600), Arguments.of("2s", 2));
    }

    @ParameterizedTest
    @MethodSource("ttls")
    void mintWhenTtlGivenThenLifetimeMatches(String ttl, long seconds) throws IOException {
      Authority authority = init();

      String token = mint(authority, "--ttl", ttl);
      Result r = verify(bundleFile(authority), token);

      Map<String, Object> claims = claims(token);
      long exp = ((Number) claims.get("exp")).longValue();
      assertThat(exp - ((Number) claims.get("iat")).longValue()).isEqualTo(seconds);
      assertThat(r.code()).as(r.out()).isZero();
      assertThat(Instant.parse((String) r.json().get("expiresAt"))).isEqualTo(Instant.ofEpochSecond(exp));
    }

    @Test
    void mintWhenTtlOneSecondThenMintsOneSecondToken() {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
          "--ttl", "1s");

      assertThat(r.code()).as(r.err()).isZero();
      Map<String, Object> claims = claims(r.out().strip());
      assertThat(((Number) claims.get("exp")).longValue() - ((Number) claims.get("iat")).longValue()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2h", "61m", "PT1H1S", "3601s", "1d"})
    void mintWhenTtlOverTheOneHourMaximumThenExit2(String ttl) {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
          "--ttl", ttl);

      usageError(r, "3600s");
      assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--ttl=5x", "--ttl=abc", "--ttl=-5m", "--ttl=0s", "--ttl=", "--ttl=PT-1M", "--ttl=m",
        "--ttl=99999999999999999999h"})
    void mintWhenTtlNotAPositiveDurationThenExit2(String flag) {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
          flag);

      usageError(r);
      assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-an-id", "spiffe://example.org", "spiffe://other.org/orders",
        "https://example.org/orders", "spiffe://example.org/a//b", "spiffe://example.org/orders/", ""})
    void mintWhenSpiffeIdInvalidOrForeignThenExit2(String spiffeId) {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", spiffeId, "--audience", AUDIENCE);

      usageError(r, "lanyard: ");
      assertThat(r.out()).isEmpty();
    }

    @Test
    void mintWhenAuthorityDirMissingThenExit2NamingDir() {
      Path missing = tmp.resolve("nowhere");

      Result r = run("jwt", "mint", "--authority", missing.toString(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE);

      usageError(r, missing.toString());
      assertThat(r.out()).isEmpty();
      assertThat(missing).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\"b", "caf\u00e9", "a\\b", "tab\there"})
    void mintWhenScopeNotAnRfc6749ScopeTokenThenExit2(String scope) {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
          "--scope", scope);

      usageError(r, "scope");
      assertThat(r.out()).isEmpty();
    }

    @Test
    void mintWhenAudienceEmptyThenExit2() {
      Authority authority = init();

      Result r = run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT, "--audience", "");

      usageError(r, "audience");
      assertThat(r.out()).isEmpty();
    }

    @Test
    void mintWhenAudienceMissingThenExit2() {
      Authority authority = init();

      usageError(run("jwt", "mint", "--authority", authority.path(), "--spiffe-id", SUBJECT), "--audience");
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // jwt verify

  @Nested
  class Verify {
    @Test
    void verifyWhenTokenGivenWithFlagThenValidWithEveryField() throws IOException {
      Authority authority = init();
      String token = mint(authority, "--scope", "payments:charge read");
      Path bundle = bundleFile(authority);

      Result r = verify(bundle, token);

      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.err()).isEmpty();
      Map<String, Object> claims = claims(token);
      Map<String, Object> json = r.json();
      assertThat(json).containsKeys("valid", "subject", "audience", "scopes", "expiresAt", "keyId", "tokenId");
      assertThat(json).containsEntry("valid", true)
          .containsEntry("subject", SUBJECT)
          .containsEntry("audience", List.of(AUDIENCE))
          .containsEntry("keyId", authority.keyId())
          .containsEntry("tokenId", claims.get("jti"))
          .containsEntry("algorithm", "ES256");
      assertThat(json.get("scopes")).asInstanceOf(LIST)
          .containsExactlyInAnyOrder("payments:charge", "read");
      assertThat(Instant.parse((String) json.get("expiresAt")))
          .isEqualTo(Instant.ofEpochSecond(((Number) claims.get("exp")).longValue()));
      assertThat(Instant.parse((String) json.get("issuedAt")))
          .isEqualTo(Instant.ofEpochSecond(((Number) claims.get("iat")).longValue()));
      assertThat((String) json.get("tokenId")).isNotBlank();
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenTokenOnStdinWithTrailingNewlineThenValid() throws IOException {
      Authority authority = init();
      String token = mint(authority);

      Result r = verifyStdin(bundleFile(authority), (token + "\n").getBytes(StandardCharsets.US_ASCII));

      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.json()).containsEntry("valid", true).containsEntry("subject", SUBJECT)
          .containsEntry("audience", List.of(AUDIENCE)).containsEntry("scopes", List.of())
          .containsEntry("keyId", authority.keyId()).containsEntry("tokenId", claims(token).get("jti"))
          .containsKey("expiresAt");
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenAudienceWrongThenRejectedWithAudienceMismatch() throws IOException {
      Authority authority = init();
      String token = mint(authority);

      Result r = run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
          "--audience", "spiffe://example.org/ledger", "--token", token);

      rejection(r, "AUDIENCE_MISMATCH");
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenTokenExpiredThenRejectedWithExpired() throws Exception {
      Authority authority = init();
      String token = mint(authority, "--ttl", "1s");
      Path bundle = bundleFile(authority);
      Instant exp = Instant.ofEpochSecond(((Number) claims(token).get("exp")).longValue());

      clock = new MutableClock(exp.plusSeconds(1));
      Result r = verify(bundle, token, "--clock-skew", "0s");
      Result withSkew = verify(bundle, token);

      Map<String, Object> json = rejection(r, "EXPIRED");
      assertThat((String) json.get("message")).contains(exp.toString());
      assertThat(withSkew.code()).as("the default 30s clock skew still accepts it").isZero();
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenSignatureTamperedThenRejectedWithBadSignature() throws IOException {
      Authority authority = init();
      String token = mint(authority);
      String sig = signature(token);
      int i = sig.length() / 2;
      char flipped = sig.charAt(i) == 'A' ? 'B' : 'A';
      String tampered = token.substring(0, token.lastIndexOf('.') + 1) + sig.substring(0, i) + flipped
          + sig.substring(i + 1);

      Result r = verify(bundleFile(authority), tampered);

      rejection(r, "BAD_SIGNATURE");
      assertNoSecrets(r, authority, token, tampered);
    }

    @Test
    void verifyWhenClaimsTamperedThenRejectedWithBadSignature() throws IOException {
      Authority authority = init();
      String token = mint(authority);
      String[] parts = token.split("\\.");
      String forgedClaims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
          .replace("spiffe://example.org/orders", "spiffe://example.org/admin");
      String tampered = parts[0] + "." + b64(forgedClaims) + "." + parts[2];

      Result r = verify(bundleFile(authority), tampered);

      rejection(r, "BAD_SIGNATURE");
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenTokenFromAnotherAuthorityOfTheSameTrustDomainThenRejectedWithUnknownKey() throws IOException {
      Authority ours = init("ours");
      Authority theirs = init("theirs");

      Result r = verify(bundleFile(ours), mint(theirs));

      rejection(r, "UNKNOWN_KEY");
    }

    @Test
    void verifyWhenTrustDomainDiffersFromSubjectsThenRejectedWithUntrustedTrustDomain() throws IOException {
      Authority authority = init();
      String token = mint(authority);

      Result r = run("jwt", "verify", "--trust-domain", "other.org", "--bundle", bundleFile(authority).toString(),
          "--audience", AUDIENCE, "--token", token);

      rejection(r, "UNTRUSTED_TRUST_DOMAIN");
    }

    @Test
    void verifyWhenAlgNoneThenRejectedWithAlgorithmNotAllowed() throws IOException {
      Authority authority = init();
      String token = mint(authority);
      String unsigned = b64("{\"alg\":\"none\",\"kid\":\"" + authority.keyId() + "\"}") + "."
          + token.split("\\.")[1] + ".";

      rejection(verify(bundleFile(authority), unsigned), "ALGORITHM_NOT_ALLOWED");
    }

    static Stream<String> garbage() {
      return Stream.of("not-a-token", "a.b.c", "...", "eyJ.eyJ.x", "a.b", "a.b.c.d", "\u0000\u0001.\u00ff.x",
          "e30.e30.", "{\"alg\":\"ES256\"}", "\u202e.\ud83d\ude00.x");
    }

    @ParameterizedTest
    @MethodSource("garbage")
    void verifyWhenGarbageThenRejectedWithMalformed(String garbage) throws IOException {
      Authority authority = init();
      Path bundle = bundleFile(authority);

      Result viaFlag = verify(bundle, garbage);
      Result viaStdin = verifyStdin(bundle, (garbage + "\n").getBytes(StandardCharsets.UTF_8));

      assertThat(viaFlag.code()).isEqualTo(1);
      assertThat(viaFlag.json()).containsEntry("valid", false);
      assertThat((String) viaFlag.json().get("reason")).matches("[A-Z_]+");
      assertThat(viaStdin.json()).isEqualTo(viaFlag.json());
      assertThat(viaStdin.code()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-token", "a.b.c", "a.b", "eyJ.eyJ.x"})
    void verifyWhenNotCompactJwsThenReasonIsMalformed(String garbage) throws IOException {
      Authority authority = init();

      rejection(verify(bundleFile(authority), garbage), "MALFORMED");
    }

    static Stream<Arguments> hugeGarbage() {
      int mib = 1024 * 1024;
      byte[] random = new byte[mib];
      new Random(42).nextBytes(random);
      byte[] dotted = new byte[mib];
      Arrays.fill(dotted, (byte) 'A');
      dotted[1000] = '.';
      dotted[mib / 2] = '.';
      byte[] over = new byte[mib + 1];
      Arrays.fill(over, (byte) 'x');
      byte[] dots = new byte[4 * mib];
      Arrays.fill(dots, (byte) '.');
      return Stream.of(Arguments.of("1 MiB random bytes", random), Arguments.of("1 MiB of three base64 parts", dotted),
          Arguments.of("1 MiB + 1 byte", over), Arguments.of("4 MiB of dots", dots));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hugeGarbage")
    void verifyWhenMegabyteOfGarbageOnStdinThenRejectedWithinOneSecond(String name, byte[] garbage)
        throws IOException {
      Authority authority = init();
      Path bundle = bundleFile(authority);

      long start = System.nanoTime();
      Result r = verifyStdin(bundle, garbage);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      rejection(r, "MALFORMED");
      assertThat(took).isLessThan(Duration.ofSeconds(1));
      assertThat(r.out().length()).as("the rejection does not echo the input").isLessThan(1000);
      assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "   \n\t"})
    void verifyWhenNoTokenOnStdinThenExit2(String stdin) throws IOException {
      Authority authority = init();

      Result r = verifyStdin(bundleFile(authority), stdin.getBytes(StandardCharsets.UTF_8));

      usageError(r, "no token");
      assertThat(r.out()).isEmpty();
    }

    @Test
    void verifyWhenBundleFileMissingThenExit2NamingIt() throws IOException {
      Authority authority = init();
      Path missing = tmp.resolve("missing.json");

      Result r = verify(missing, mint(authority));

      usageError(r, missing.toString());
      assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json at all", "", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[1]}",
        "{\"keys\":[]", "\u0000\u0001\u0002"})
    void verifyWhenBundleFileIsNotAJwkSetThenExit2(String content) throws IOException {
      Authority authority = init();
      String token = mint(authority);
      Path bundle = Files.writeString(tmp.resolve("bad-bundle.json"), content);

      Result r = verify(bundle, token);

      usageError(r, bundle.toString());
      assertThat(r.out()).isEmpty();
    }

    @Test
    void verifyWhenBundleIsADirectoryThenExit2() throws IOException {
      Authority authority = init();

      usageError(verify(authority.dir(), mint(authority)));
    }

    @Test
    void verifyWhenClockSkewTooLargeThenExit2() throws IOException {
      Authority authority = init();
      String token = mint(authority);
      Path bundle = bundleFile(authority);

      Result tooLarge = verify(bundle, token, "--clock-skew", "10m");
      Result atLimit = verify(bundle, token, "--clock-skew", "5m");
      Result overLimit = verify(bundle, token, "--clock-skew", "301s");

      usageError(tooLarge, "clock skew");
      assertThat(tooLarge.out()).isEmpty();
      usageError(overLimit, "clock skew");
      assertThat(atLimit.code()).as(atLimit.err()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--clock-skew=abc", "--clock-skew=-1s", "--max-lifetime=0s", "--max-lifetime=soon",
        "--max-lifetime=-1h"})
    void verifyWhenDurationFlagInvalidThenExit2(String flag) throws IOException {
      Authority authority = init();

      Result r = verify(bundleFile(authority), mint(authority), flag);

      usageError(r);
      assertThat(r.out()).isEmpty();
    }

    @Test
    void verifyWhenUnknownFlagThenExit2NamingIt() throws IOException {
      Authority authority = init();

      Result r = verify(bundleFile(authority), mint(authority), "--no-such-flag");
      Result bare = run("jwt", "verify", "--no-such-flag");

      usageError(r, "--no-such-flag");
      assertThat(r.out()).isEmpty();
      usageError(bare);
    }

    @Test
    void verifyWhenRequiredFlagMissingThenExit2() throws IOException {
      Authority authority = init();
      String token = mint(authority);

      usageError(run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
          "--token", token), "--audience");
      usageError(run("jwt", "verify", "--trust-domain", TD, "--audience", AUDIENCE, "--token", token), "--bundle");
    }

    @Test
    void verifyWhenTrustDomainFlagInvalidThenExit2() throws IOException {
      Authority authority = init();

      usageError(run("jwt", "verify", "--trust-domain", "bad domain", "--bundle", bundleFile(authority).toString(),
          "--audience", AUDIENCE, "--token", mint(authority)));
    }

    @Test
    void verifyWhenMaxLifetimeShorterThanTokenThenRejectedWithLifetimeTooLong() throws IOException {
      Authority authority = init();
      String token = mint(authority, "--ttl", "5m");
      Path bundle = bundleFile(authority);

      Result r = verify(bundle, token, "--max-lifetime", "1m");
      Result atLimit = verify(bundle, token, "--max-lifetime", "5m");

      Map<String, Object> json = rejection(r, "LIFETIME_TOO_LONG");
      assertThat((String) json.get("message")).contains("300s").contains("60s");
      assertThat(atLimit.code()).as("a lifetime equal to the maximum is accepted").isZero();
      assertNoSecrets(r, authority, token);
    }

    @Test
    void verifyWhenBundleHasAnEd25519KeyThenStillVerifiesAndWarnsOnStderr() throws Exception {
      Authority authority = init();
      String token = mint(authority);
      Map<String, Object> document = JSONObjectUtils.parse(Files.readString(bundleFile(authority)));
      List<Object> keys = new ArrayList<>(keys(document));
      keys.add(Map.of("kty", "OKP", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
          "use", "jwt-svid", "kid", "ed-key-1"));
      document.put("keys", keys);
      Path bundle = Files.writeString(tmp.resolve("with-ed25519.json"), JSONObjectUtils.toJSONString(document));

      Result r = verify(bundle, token);

      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.json()).containsEntry("valid", true).containsEntry("keyId", authority.keyId());
      assertThat(r.err()).contains("warning").contains("ed-key-1").contains("OKP").contains("skipped");
      assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void verifyWhenBundleServedOverHttpThenValidAndWhenServerFailsThenExit2() throws Exception {
      Authority authority = init();
      String token = mint(authority);
      byte[] bundle = Files.readAllBytes(bundleFile(authority));
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/bundle", exchange -> {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bundle.length);
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(bundle);
        }
      });
      server.createContext("/broken", exchange -> {
        byte[] body = "{\"error\":\"boom\"}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.createContext("/moved", exchange -> {
        exchange.getResponseHeaders().add("Location", "/bundle");
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
      });
      server.createContext("/html", exchange -> {
        byte[] body = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.createContext("/huge", exchange -> {
        exchange.sendResponseHeaders(200, 0);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) ' ');
        try (OutputStream out = exchange.getResponseBody()) {
          for (int i = 0; i < 80; i++) {
            out.write(chunk);
          }
        } catch (IOException e) {
          // the client stops reading after its limit
        }
      });
      server.start();
      try {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        Result ok = verifyUrl(base + "/bundle", token);
        Result broken = verifyUrl(base + "/broken", token);
        Result moved = verifyUrl(base + "/moved", token);
        Result html = verifyUrl(base + "/html", token);
        Result wrongAudience = run("jwt", "verify", "--trust-domain", TD, "--bundle", base + "/bundle",
            "--allow-insecure-http-bundle", "--audience", "spiffe://example.org/ledger", "--token", token);

        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.json()).containsEntry("valid", true).containsEntry("subject", SUBJECT)
            .containsEntry("keyId", authority.keyId());
        assertThat(ok.err()).contains("warning").contains("INSECURE").contains(base + "/bundle");
        usageError(broken, "500");
        assertThat(broken.out()).isEmpty();
        usageError(moved, "302");
        usageError(html, base + "/html");
        rejection(wrongAudience, "AUDIENCE_MISMATCH");
        usageError(verifyUrl(base + "/huge", token), "more than");
      } finally {
        server.stop(0);
      }
    }

    @Test
    void verifyWhenBundleUrlIsCleartextHttpWithoutFlagThenExit2NamingTheFlag() throws Exception {
      Authority authority = init();
      String token = mint(authority);
      byte[] bundle = Files.readAllBytes(bundleFile(authority));
      AtomicInteger hits = new AtomicInteger();
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/bundle", exchange -> {
        hits.incrementAndGet();
        exchange.sendResponseHeaders(200, bundle.length);
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(bundle);
        }
      });
      server.start();
      try {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bundle";

        Result r = run("jwt", "verify", "--trust-domain", TD, "--bundle", url, "--audience", AUDIENCE,
            "--token", token);

        usageError(r, url, "cleartext http", "--allow-insecure-http-bundle");
        assertThat(r.out()).isEmpty();
        assertThat(hits.get()).as("nothing fetched over http").isZero();
      } finally {
        server.stop(0);
      }
    }

    @Test
    void verifyWhenBundleEndpointStallsTheBodyThenExit2WithinTheTimeout() throws Exception {
      Authority authority = init();
      String token = mint(authority);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService handlers = Executors.newCachedThreadPool();
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(handlers);
      server.createContext("/bundle", exchange -> {
        exchange.sendResponseHeaders(200, 1000);
        OutputStream body = exchange.getResponseBody();
        body.write("{\"keys\":".getBytes(StandardCharsets.UTF_8));
        body.flush();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
      });
      server.start();
      try {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bundle";
        long start = System.nanoTime();

        Result r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("jwt", "verify", "--trust-domain", TD,
            "--bundle", url, "--allow-insecure-http-bundle", "--bundle-timeout", "1s", "--audience", AUDIENCE,
            "--token", token));

        usageError(r, url, "within PT1S");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      } finally {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
      }
    }

    @Test
    void verifyWhenBundleMaxStalenessOutOfRangeThenExit2NamingTheFlag() throws IOException {
      Authority authority = init();

      for (String bad : new String[] {"0s", "8d"}) {
        usageError(run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
            "--bundle-max-staleness", bad, "--audience", AUDIENCE, "--token", mint(authority)),
            "--bundle-max-staleness must be more than 0 and at most 7d");
      }
    }

    @Test
    void verifyWhenBundleMaxStalenessNotADurationThenExit2NamingTheFlag() throws IOException {
      Authority authority = init();

      usageError(run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
          "--bundle-max-staleness", "soon", "--audience", AUDIENCE, "--token", mint(authority)),
          "--bundle-max-staleness");
    }

    @Test
    void verifyWhenBundleMaxStalenessInRangeThenVerified() throws IOException {
      Authority authority = init();

      Result r = run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
          "--bundle-max-staleness", "30m", "--audience", AUDIENCE, "--token", mint(authority));

      assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void verifyWhenBundleTimeoutNotPositiveThenExit2() throws IOException {
      Authority authority = init();

      usageError(run("jwt", "verify", "--trust-domain", TD, "--bundle", bundleFile(authority).toString(),
          "--bundle-timeout", "0s", "--audience", AUDIENCE, "--token", mint(authority)),
          "--bundle-timeout must be more than 0");
    }

    @Test
    void verifyWhenBundleUrlUnreachableOrInvalidThenExit2() throws IOException {
      Authority authority = init();
      String token = mint(authority);
      int port = closedPort();

      usageError(verifyUrl("http://127.0.0.1:" + port + "/bundle", token), "cannot fetch bundle");
      usageError(verifyUrl("http://exa mple.org/bundle", token), "invalid");
    }

    @Test
    void verifyWhenBundleUrlRefusesConnectionThenMessageSaysWhy() throws IOException {
      Authority authority = init();
      int port = closedPort();

      Result r = verifyUrl("http://127.0.0.1:" + port + "/bundle", mint(authority));

      usageError(r, "cannot fetch bundle");
      assertThat(r.err().strip()).doesNotEndWith("null");
    }

    /** A loopback port nothing listens on (bound once, then closed). */
    int closedPort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }

    @Test
    void verifyWhenTokenFlagHoldsAMegabyteOfGarbageThenRejectedWithMalformedQuickly() throws IOException {
      Authority authority = init();
      Path bundle = bundleFile(authority);
      String garbage = "A".repeat(400 * 1024) + "." + "B".repeat(400 * 1024) + "." + "C".repeat(248 * 1024);

      long start = System.nanoTime();
      Result r = verify(bundle, garbage);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      rejection(r, "MALFORMED");
      assertThat(took).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void verifyWhenSkippedBundleKeyHasControlCharactersInKidThenWarningIsOneSafeLine() throws Exception {
      Authority authority = init();
      String token = mint(authority);
      Map<String, Object> document = JSONObjectUtils.parse(Files.readString(bundleFile(authority)));
      List<Object> keys = new ArrayList<>(keys(document));
      keys.add(Map.of("kty", "OKP", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
          "use", "jwt-svid", "kid", "evil\nlanyard: all good\u001b[2J"));
      document.put("keys", keys);
      Path bundle = Files.writeString(tmp.resolve("evil.json"), JSONObjectUtils.toJSONString(document));

      Result r = verify(bundle, token);

      assertThat(r.code()).isZero();
      assertThat(r.err()).contains("warning").doesNotContain("\u001b");
      assertThat(r.err().lines()).hasSize(1);
    }

    Result verifyUrl(String url, String token) {
      return run("jwt", "verify", "--trust-domain", TD, "--bundle", url, "--allow-insecure-http-bundle",
          "--audience", AUDIENCE, "--token", token);
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // jwt inspect

  @Nested
  class Inspect {
    @Test
    void inspectWhenTokenGivenThenLabelledUnverifiedAndShowsHeaderAndClaims() throws IOException {
      Authority authority = init();
      String token = mint(authority, "--scope", "payments:charge");

      Result r = run("jwt", "inspect", "--token", token);

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out().lines().findFirst()).hasValueSatisfying(l -> assertThat(l).startsWith("UNVERIFIED"));
      assertThat(r.out()).contains("\"kid\":\"" + authority.keyId() + "\"").contains("\"alg\":\"ES256\"")
          .contains("\"sub\":\"" + SUBJECT + "\"").contains(AUDIENCE).contains("payments:charge")
          .contains("\"jti\":\"" + claims(token).get("jti") + "\"")
          .contains("expires: ").contains("(in ").contains("signature: 64 bytes");
      assertNoSecrets(r, authority, token);
    }

    @Test
    void inspectWhenReadAfterExpiryThenSaysHowLongAgoOnTheCommandLinesClock() throws IOException {
      Authority authority = init();
      String token = mint(authority, "--ttl", "5m");
      Instant exp = Instant.ofEpochSecond(((Number) claims(token).get("exp")).longValue());

      clock = new MutableClock(exp.plusSeconds(90));
      Result r = run("jwt", "inspect", "--token", token);

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("expires: " + exp + " (expired 1m30s ago)");
      assertNoSecrets(r, authority, token);
    }

    @Test
    void inspectWhenTokenOnStdinThenSameOutput() throws IOException {
      Authority authority = init();
      String token = mint(authority);

      Result viaStdin = runWithStdin(token + "\n", "jwt", "inspect");

      assertThat(viaStdin.code()).isZero();
      assertThat(viaStdin.out()).startsWith("UNVERIFIED").contains(SUBJECT);
      assertNoSecrets(viaStdin, authority, token);
    }

    @Test
    void inspectWhenTokenExpiredOrForgedThenStillDecodedAndLabelledUnverified() {
      String forged = b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"spiffe://evil.org/x\",\"exp\":1000}") + ".";

      Result r = run("jwt", "inspect", "--token", forged);

      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("UNVERIFIED").contains("spiffe://evil.org/x").contains("expired")
          .contains("signature: none");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e300", "-1e300", "9000000000000000000", "99999999999999999999999"})
    void inspectWhenExpOutOfInstantRangeThenStillDecodesAndExits0(String exp) {
      String token = b64("{\"alg\":\"ES256\"}") + "." + b64("{\"sub\":\"spiffe://example.org/x\",\"exp\":" + exp + "}")
          + ".c2ln";

      Result r = run("jwt", "inspect", "--token", token);

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("UNVERIFIED").contains(exp).contains("signature: ");
      assertThat(r.err()).doesNotContain("Instant");
    }

    @Test
    void inspectWhenClaimsHoldControlCharactersThenTheyAreNotPrinted() {
      String token = b64("{\"alg\":\"ES256\"}") + "." + b64("{\"sub\":\"x\u001b[31mred\"}") + ".c2ln";

      Result r = run("jwt", "inspect", "--token", token);

      assertThat(r.code()).isZero();
      assertThat(r.out()).doesNotContain("\u001b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-token", "a.b", "a.b.c.d", "!!!.@@@.###", "e30", "\u00ff\u00fe.x.y"})
    void inspectWhenGarbageThenExit1WithoutDecoding(String garbage) {
      Result viaFlag = run("jwt", "inspect", "--token", garbage);
      Result viaStdin = runWithStdin(garbage, "jwt", "inspect");

      for (Result r : List.of(viaFlag, viaStdin)) {
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("UNVERIFIED").doesNotContain("claims:");
        assertThat(r.err()).startsWith("lanyard: ");
      }
    }

    @Test
    void inspectWhenMegabyteOfGarbageOnStdinThenExit1Quickly() {
      byte[] garbage = new byte[1024 * 1024 + 10];
      new Random(7).nextBytes(garbage);

      long start = System.nanoTime();
      Result r = runWithStdin(garbage, "jwt", "inspect");
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(took).isLessThan(Duration.ofSeconds(1));
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // help and unknown commands

  @Nested
  class Help {
    @ParameterizedTest
    @ValueSource(strings = {"", "authority", "authority init", "authority bundle", "authority rotate", "jwt",
        "jwt mint", "jwt verify", "jwt inspect"})
    void helpWhenAskedForAnyCommandThenUsageOnStdoutAndExit0(String command) {
      List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
      args.add("--help");

      Result r = run(args.toArray(String[]::new));

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).startsWith(("Usage: lanyard " + command).strip());
      assertThat(r.err()).isEmpty();
    }

    @Test
    void helpWhenInitThenListsTheAlgorithms() {
      assertThat(run("authority", "init", "--help").out()).contains("--jwt-algorithm").contains("ES256")
          .contains("ES384").contains("RS256").contains("PS256");
    }

    @Test
    void versionThenExit0() {
      Result r = run("--version");

      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("lanyard ");
    }

    @Test
    void unknownCommandWithHelpThenExit2NamingIt() {
      Result r = run("nope", "--help");

      usageError(r, "nope");
      assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nope", "jwt nope", "authority nope --help", "jwt verify extra-argument"})
    void unknownCommandOrArgumentThenExit2(String command) {
      Result r = run(command.split(" "));

      usageError(r);
      assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "authority", "jwt"})
    void missingSubcommandThenExit2(String command) {
      Result r = run(command.isEmpty() ? new String[0] : command.split(" "));

      usageError(r, "required");
    }
  }
}
