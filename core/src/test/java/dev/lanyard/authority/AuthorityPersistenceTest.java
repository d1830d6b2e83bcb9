package dev.lanyard.authority;

import dev.lanyard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class AuthorityPersistenceTest {
  private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/orders");
  private static final String AUDIENCE = "spiffe://example.org/payments";
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

  @TempDir
  Path temp;

  private MutableClock clock;
  private Path dir;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    dir = temp.resolve("authority");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------------------------

  private EmbeddedAuthority build() {
    return EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir).build();
  }

  /** Everything the authority tells about its keys. */
  private static List<String> describe(EmbeddedAuthority a) {
    List<String> all = a.jwtKeys().stream()
        .map(k -> String.join("|", k.keyId(), k.algorithm().name(), k.state().name(), String.valueOf(k.tainted()),
            k.createdAt().toString(), k.notAfter().toString(), String.valueOf(k.activatedAt().orElse(null)),
            String.valueOf(k.retiredAt().orElse(null))))
        .collect(Collectors.toCollection(java.util.ArrayList::new));
    a.x509Cas().forEach(ca -> all.add(String.join("|", ca.id(), ca.keyType(), ca.state().name(),
        String.valueOf(ca.tainted()), ca.notAfter().toString(), ca.certificate().getSerialNumber().toString(16))));
    return all;
  }

  /** The file names every key and CA of the authority should have under keys/. */
  private static Set<String> expectedKeyFiles(EmbeddedAuthority a) {
    Set<String> names = a.jwtKeys().stream().map(k -> k.keyId() + ".pem")
        .collect(Collectors.toCollection(java.util.HashSet::new));
    a.x509Cas().forEach(ca -> names.add(ca.id() + ".pem"));
    return names;
  }

  private JwtSvidVerifier verifier(EmbeddedAuthority a) {
    return JwtSvidVerifier.newBuilder().bundleSource(a.bundleSource()).revocations(a.revocations())
        .audience(AUDIENCE).clock(clock).build();
  }

  private static List<Path> allFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  private Path keyFile(String kid) {
    return dir.resolve("keys").resolve(kid + ".pem");
  }

  private Path metadata() {
    return dir.resolve("authority.json");
  }

  private static void assumePosix() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX file permissions");
  }

  private String activeKid(EmbeddedAuthority a) {
    return a.jwtKeys().stream().filter(k -> k.state() == KeyState.ACTIVE).findFirst().orElseThrow().keyId();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // round trip
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void openWhenBuiltWithDirectoryThenSameTrustDomainKeysSettingsAndBundle() {
    EmbeddedAuthority built = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir)
        .jwtAlgorithm(JwtAlgorithm.ES384).defaultJwtSvidTtl(Duration.ofMinutes(3))
        .maxJwtSvidTtl(Duration.ofMinutes(30)).jwtKeyLifetime(Duration.ofHours(12))
        .bundleRefreshHint(Duration.ofMinutes(2)).jwtIssuer("https://issuer.example.org").build();
    built.prepareJwtKey();

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(reopened.trustDomain()).isEqualTo(TRUST_DOMAIN);
    assertThat(reopened.directory()).contains(dir);
    assertThat(built.directory()).contains(dir);
    assertThat(describe(reopened)).isEqualTo(describe(built));
    assertThat(reopened.jwtKeys()).hasSize(2);
    assertThat(reopened.bundle().toJson()).isEqualTo(built.bundle().toJson());
    assertThat(reopened.bundle()).isEqualTo(built.bundle());
    assertThat(reopened.jwtAlgorithm()).isEqualTo(JwtAlgorithm.ES384);
    assertThat(reopened.defaultJwtSvidTtl()).isEqualTo(Duration.ofMinutes(3));
    assertThat(reopened.maxJwtSvidTtl()).isEqualTo(Duration.ofMinutes(30));
    assertThat(reopened.bundle().refreshHint()).contains(Duration.ofMinutes(2));
    assertThat(reopened.mintJwtSvid(WORKLOAD, AUDIENCE).keyId()).isEqualTo(activeKid(built));
  }

  @Test
  void openWhenTokensMintedBeforeThenTheyVerifyAfterAndTokensOfTheReopenedOneVerifyWithTheOld()
      throws JwtSvidRejectedException {
    EmbeddedAuthority built = build();
    JwtSvid before = built.mintJwtSvid(WORKLOAD, AUDIENCE, "orders.read");

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);
    JwtSvid after = reopened.mintJwtSvid(WORKLOAD, AUDIENCE);

    assertThat(verifier(reopened).verify(before.token()).tokenId()).contains(before.tokenId());
    assertThat(verifier(built).verify(after.token()).tokenId()).contains(after.tokenId());
  }

  @Test
  void openWhenIssuerConfiguredThenReopenedAuthorityKeepsIt() throws JwtSvidRejectedException {
    EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir).jwtIssuer("https://issuer.example.org")
        .build();

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(verifier(reopened).verify(reopened.mintJwtSvid(WORKLOAD, AUDIENCE).token()).issuer())
        .contains("https://issuer.example.org");
  }

  @ParameterizedTest
  @EnumSource(value = JwtAlgorithm.class, names = {"ES256", "ES384", "RS256", "PS256"})
  void openWhenAlgorithmSupportedThenKeysRoundTrip(JwtAlgorithm algorithm) throws JwtSvidRejectedException {
    EmbeddedAuthority built = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir)
        .jwtAlgorithm(algorithm).build();
    JwtSvid before = built.mintJwtSvid(WORKLOAD, AUDIENCE);

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(reopened.bundle().toJson()).isEqualTo(built.bundle().toJson());
    assertThat(verifier(reopened).verify(before.token()).algorithm()).isEqualTo(algorithm);
    assertThat(verifier(built).verify(reopened.mintJwtSvid(WORKLOAD, AUDIENCE).token()).algorithm())
        .isEqualTo(algorithm);
  }

  @Test
  void openWhenRotatedTaintedAndRevokedThenReopenedAuthorityShowsEveryChange() {
    EmbeddedAuthority a = build();
    String first = activeKid(a);
    a.rotateJwtKey();
    a.rotateJwtKey();
    String second = activeKid(a);
    a.taintJwtKey(second);
    String third = activeKid(a);

    a.revokeJwtKey(first);

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);
    assertThat(describe(reopened)).isEqualTo(describe(a));
    assertThat(reopened.jwtKeys()).extracting(AuthorityKey::keyId).containsExactly(second, third);
    AuthorityKey tainted = reopened.jwtKeys().get(0);
    assertThat(tainted.tainted()).isTrue();
    assertThat(tainted.state()).isEqualTo(KeyState.RETIRED);
    assertThat(reopened.bundle().sequence()).isEqualTo(a.bundle().sequence());
    assertThat(reopened.bundle().toJson()).isEqualTo(a.bundle().toJson());
    assertThat(keyFile(first)).doesNotExist();
    assertThat(keyFile(second)).exists();
    assertThat(keyFile(third)).exists();
  }

  @Test
  void openWhenTokenOfTaintedKeyThenReopenedAuthorityStillConsidersItUnusable() {
    EmbeddedAuthority a = build();
    JwtSvid svid = a.mintJwtSvid(WORKLOAD, AUDIENCE);
    a.taintJwtKey(svid.keyId());

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(reopened.isUsable(svid)).isFalse();
    assertThat(reopened.isUsable(reopened.mintJwtSvid(WORKLOAD, AUDIENCE))).isTrue();
  }

  @Test
  void maintainWhenRetiredKeyLeavesBundleThenItsKeyFileIsDeleted() {
    EmbeddedAuthority a = build();
    String first = activeKid(a);
    clock.advance(Duration.ofHours(12));
    a.maintain();
    clock.advance(Duration.ofHours(8));
    a.maintain();
    assertThat(keyFile(first)).exists();

    clock.advance(Duration.ofHours(1).plusMinutes(5));
    a.maintain();

    assertThat(keyFile(first)).doesNotExist();
    assertThat(EmbeddedAuthority.open(dir, clock).jwtKeys()).extracting(AuthorityKey::keyId)
        .doesNotContain(first);
  }

  @Test
  void openWhenClosedLongerThanKeyLifetimeThenFreshKeyActivatedAndPersisted() {
    EmbeddedAuthority a = build();
    String first = activeKid(a);
    clock.advance(Duration.ofDays(3));

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    String fresh = activeKid(reopened);
    assertThat(fresh).isNotEqualTo(first);
    assertThat(reopened.mintJwtSvid(WORKLOAD, AUDIENCE).keyId()).isEqualTo(fresh);
    EmbeddedAuthority again = EmbeddedAuthority.open(dir, clock);
    assertThat(activeKid(again)).isEqualTo(fresh);
    assertThat(again.jwtKeys()).extracting(AuthorityKey::keyId).doesNotContain(first);
  }

  @Test
  void saveWhenManyChangesThenNoTemporaryFilesRemain() throws IOException {
    EmbeddedAuthority a = build();
    for (int i = 0; i < 5; i++) {
      a.rotateJwtKey();
      a.rotateJwtKey();
      clock.advance(Duration.ofMinutes(10));
    }
    a.taintJwtKey(activeKid(a));

    assertThat(allFiles(dir)).extracting(p -> p.getFileName().toString())
        .noneMatch(name -> name.endsWith(".tmp"))
        .contains("authority.json");
    try (Stream<Path> keys = Files.list(dir.resolve("keys"))) {
      assertThat(keys.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
          .isEqualTo(expectedKeyFiles(a));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // file permissions and secrecy
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenDirectoryGivenThenDirectoriesAndKeyFilesAreOwnerOnly() throws IOException {
    assumePosix();
    EmbeddedAuthority a = build();
    a.prepareJwtKey();

    assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(OWNER_ONLY_DIRECTORY);
    assertThat(Files.getPosixFilePermissions(dir.resolve("keys"))).isEqualTo(OWNER_ONLY_DIRECTORY);
    assertThat(a.jwtKeys()).hasSize(2);
    Set<String> names = expectedKeyFiles(a);
    assertThat(names).hasSizeGreaterThanOrEqualTo(3);
    for (String name : names) {
      assertThat(Files.getPosixFilePermissions(dir.resolve("keys").resolve(name))).as(name)
          .isEqualTo(OWNER_ONLY_FILE);
    }
    Set<PosixFilePermission> metadata = Files.getPosixFilePermissions(metadata());
    assertThat(metadata).doesNotContain(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
  }

  @Test
  void buildWhenNestedDirectoryAbsentThenCreatedWithParents() throws IOException {
    dir = temp.resolve("a").resolve("b").resolve("authority");

    build();

    assertThat(metadata()).isRegularFile();
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(OWNER_ONLY_DIRECTORY);
    }
  }

  @Test
  void authorityJsonThenHoldsNoPrivateKeyMaterial() throws IOException {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir)
        .jwtAlgorithm(JwtAlgorithm.RS256).build();
    a.prepareJwtKey();

    String json = Files.readString(metadata(), StandardCharsets.UTF_8);

    assertThat(json).doesNotContain("PRIVATE KEY").doesNotContain("\"d\"").doesNotContain("\"p\"")
        .doesNotContain("\"q\"").doesNotContain("BEGIN");
    assertThat(json).contains("\"format\":\"lanyard-authority/1\"").contains(TRUST_DOMAIN.name());
    for (AuthorityKey key : a.jwtKeys()) {
      String pem = Files.readString(keyFile(key.keyId()), StandardCharsets.US_ASCII);
      assertThat(pem).contains("-----BEGIN PRIVATE KEY-----");
      String firstLineOfPrivateKey = pem.lines().skip(1).findFirst().orElseThrow();
      assertThat(json).doesNotContain(firstLineOfPrivateKey);
      assertThat(json).contains(key.keyId());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // open: missing, foreign and corrupt directories
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void openWhenDirectoryMissingThenAuthorityStoreExceptionNamingIt() {
    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void openWhenPathIsARegularFileThenAuthorityStoreException() throws IOException {
    Files.writeString(dir, "not a directory");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString());
  }

  @Test
  void openWhenDirectoryEmptyThenAuthorityStoreExceptionNamingItAndTheMissingFile() throws IOException {
    Files.createDirectory(dir);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("authority.json");
  }

  @Test
  void openWhenDirectoryHoldsOtherFilesThenAuthorityStoreException() throws IOException {
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("notes.txt"), "foreign");
    Files.createDirectory(dir.resolve("keys"));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("holds no authority");
    assertThat(dir.resolve("notes.txt")).hasContent("foreign");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "this is not json {", "[]", "null", "42", "\"lanyard-authority/1\"",
      "{\"format\":\"lanyard-authority/1\"", "{\"format\":\"lanyard-authority/1\"} trailing",
      "{\"format\":\"lanyard-authority/1\",\"format\":\"lanyard-authority/1\"}"})
  void openWhenAuthorityJsonIsNotAJsonObjectThenAuthorityStoreExceptionNamingIt(String content) throws IOException {
    build();
    Files.writeString(metadata(), content);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(metadata().toString());
  }

  @Test
  void openWhenAuthorityJsonHasAnotherFormatThenAuthorityStoreException() throws IOException {
    build();
    String json = Files.readString(metadata());
    Files.writeString(metadata(), json.replace("lanyard-authority/1", "lanyard-authority/2"));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(metadata().toString())
        .hasMessageContaining("format");
  }

  @Test
  void openWhenAuthorityJsonHasNoFormatThenAuthorityStoreException() throws IOException {
    build();
    Files.writeString(metadata(), "{\"keys\":[]}");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(metadata().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../etc/passwd", "..", "a/b", "a\\\\b", "", "kid with space"})
  void openWhenKeyIdIsNotASafeFileNameThenAuthorityStoreException(String kid) throws IOException {
    EmbeddedAuthority a = build();
    String json = Files.readString(metadata());
    Files.writeString(metadata(), json.replace("\"" + activeKid(a) + "\"", "\"" + kid + "\""));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(metadata().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"trustDomain\":\"example.org\"=>\"trustDomain\":\"Not A Domain!\"",
      "\"jwtAlgorithm\":\"ES256\"=>\"jwtAlgorithm\":\"HS256\"",
      "\"jwtAlgorithm\":\"ES256\"=>\"jwtAlgorithm\":\"ES512\"",
      "\"maxJwtSvidTtlSeconds\":3600=>\"maxJwtSvidTtlSeconds\":86400",
      "\"sequence\":1=>\"sequence\":-1",
      "\"sequence\":1=>\"sequence\":\"one\"",
      "\"alg\":\"ES256\"=>\"alg\":\"XX256\"",
      "\"alg\":\"ES256\"=>\"alg\":\"RS256\"",
      "\"createdAt\":\"2030-01-01T00:00:00Z\"=>\"createdAt\":\"yesterday\""})
  void openWhenAuthorityJsonFieldInvalidThenAuthorityStoreException(String edit) throws IOException {
    build();
    String[] change = edit.split("=>");
    String json = Files.readString(metadata());
    assertThat(json).contains(change[0]);
    Files.writeString(metadata(), json.replace(change[0], change[1]));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString());
  }

  @Test
  void openWhenAuthorityJsonListsTheSameKeyTwiceThenAuthorityStoreException() throws IOException {
    build();
    String json = Files.readString(metadata());
    int start = json.indexOf("\"keys\":[") + "\"keys\":[".length();
    int end = json.lastIndexOf("]");
    String entry = json.substring(start, end);
    Files.writeString(metadata(), json.substring(0, end) + "," + entry + json.substring(end));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(metadata().toString());
  }

  @Test
  void openWhenKeyFileMissingThenAuthorityStoreExceptionNamingTheKeyFile() throws IOException {
    EmbeddedAuthority a = build();
    Path file = keyFile(activeKid(a));
    Files.delete(file);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("missing");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SECRET-MARKER garbage that is no PEM at all",
      "-----BEGIN PRIVATE KEY-----\nSECRETMARKERSECRETMARKER\n-----END PRIVATE KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nU0VDUkVUTUFSS0VSIGJ5dGVzIHRoYXQgYXJlIG5vIGtleQ==\n-----END PRIVATE KEY-----\n"
          + "-----BEGIN PUBLIC KEY-----\nU0VDUkVUTUFSS0VSIGJ5dGVzIHRoYXQgYXJlIG5vIGtleQ==\n-----END PUBLIC KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\n!!SECRETMARKER!!\n-----END PRIVATE KEY-----\n"
          + "-----BEGIN PUBLIC KEY-----\n!!SECRETMARKER!!\n-----END PUBLIC KEY-----\n"})
  void openWhenKeyFileCorruptThenAuthorityStoreExceptionNamingItWithoutItsContent(String content)
      throws IOException {
    EmbeddedAuthority a = build();
    Path file = keyFile(activeKid(a));
    Files.writeString(file, content, StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt")
        .satisfies(e -> {
          for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain("SECRET").doesNotContain("U0VDUkVU");
          }
        });
  }

  /** Cuts the PUBLIC KEY block off the active key's file, as a crash in a non-atomic copy could. */
  private Path truncateActiveKeyFile(EmbeddedAuthority a) throws IOException {
    Path file = keyFile(activeKid(a));
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    Files.writeString(file, pem.substring(0, pem.indexOf("-----BEGIN PUBLIC KEY-----")), StandardCharsets.US_ASCII);
    return file;
  }

  @Test
  void openWhenKeyFileTruncatedThenAuthorityStoreExceptionWithoutKeyMaterial() throws IOException {
    EmbeddedAuthority a = build();
    String secretLine = Files.readAllLines(keyFile(activeKid(a))).get(1);
    truncateActiveKeyFile(a);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(activeKid(a))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secretLine));
  }

  @Test
  void openWhenKeyFileTruncatedThenMessageNamesTheKeyFile() throws IOException {
    EmbeddedAuthority a = build();
    Path file = truncateActiveKeyFile(a);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void openWhenKeyFileHoldsKeyOfAnotherTypeThenAuthorityStoreException() throws IOException {
    EmbeddedAuthority a = build();
    Path rsaDir = temp.resolve("rsa");
    EmbeddedAuthority rsa = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(rsaDir)
        .jwtAlgorithm(JwtAlgorithm.RS256).build();
    Path file = keyFile(activeKid(a));
    Files.copy(rsaDir.resolve("keys").resolve(activeKid(rsa) + ".pem"), file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // build into a directory that is in use
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenDirectoryAlreadyHoldsAnAuthorityThenRefusesToOverwriteIt() throws IOException {
    EmbeddedAuthority existing = build();
    String json = Files.readString(metadata());
    List<Path> files = allFiles(dir);

    assertThatThrownBy(this::build)
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("already holds an authority");
    assertThat(metadata()).hasContent(json);
    assertThat(allFiles(dir)).containsExactlyInAnyOrderElementsOf(files);
    assertThat(describe(EmbeddedAuthority.open(dir, clock))).isEqualTo(describe(existing));
  }

  @Test
  void buildWhenDirectoryNotEmptyAndForeignThenRefuses() throws IOException {
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("thesis.tex"), "foreign");

    assertThatThrownBy(this::build)
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("not empty");
    assertThat(allFiles(dir)).containsExactly(dir.resolve("thesis.tex"));
    assertThat(dir.resolve("thesis.tex")).hasContent("foreign");
  }

  @Test
  void buildWhenDirectoryHoldsOnlyAHiddenFileThenRefuses() throws IOException {
    Files.createDirectory(dir);
    Files.writeString(dir.resolve(".hidden"), "foreign");

    assertThatThrownBy(this::build).isInstanceOf(AuthorityStoreException.class);
  }

  @Test
  void buildWhenPathIsARegularFileThenRefuses() throws IOException {
    Files.writeString(dir, "foreign");

    assertThatThrownBy(this::build)
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining(dir.toString());
    assertThat(dir).hasContent("foreign");
  }

  @Test
  void buildWhenDirectoryExistsAndIsEmptyThenUsed() throws IOException {
    Files.createDirectory(dir);

    EmbeddedAuthority a = build();

    assertThat(describe(EmbeddedAuthority.open(dir, clock))).isEqualTo(describe(a));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // directory trust: owner and mode, on init and on open
  // ---------------------------------------------------------------------------------------------------------------

  private static void chmod(Path path, String mode) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
  }

  /** Gives {@code path} to user nobody; only root can, so the test is skipped for other users. */
  private static void giveToAnotherUser(Path path) throws IOException {
    assumePosix();
    org.junit.jupiter.api.Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
        "only root can give a file to another user (chown); this case runs where the tests run as root, as in CI");
    UserPrincipal nobody = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(path, nobody);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rwxrwxrwx", "rwxrwx---", "rwx---rwx", "rwx-w----"})
  void buildWhenExistingEmptyDirectoryWritableByGroupOrOthersThenRefusesNamingModeAndFix(String mode)
      throws IOException {
    assumePosix();
    Files.createDirectory(dir);
    chmod(dir, mode);
    String octal = OwnerOnlyFiles.octal(PosixFilePermissions.fromString(mode));

    assertThatThrownBy(this::build)
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("authority directory " + dir + " has mode " + octal + " (group/others may write): chmod 700 "
            + dir);
    assertThat(dir).isEmptyDirectory();
    assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString(mode));
  }

  @Test
  void buildWhenExistingEmptyDirectoryOwnedByAnotherUserThenRefusesNamingTheOwner() throws IOException {
    Files.createDirectory(dir);
    chmod(dir, "rwx------");
    giveToAnotherUser(dir);

    assertThatThrownBy(this::build)
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining("authority directory " + dir + " is owned by nobody")
        .hasMessageContaining("not by the current user");
    assertThat(dir).isEmptyDirectory();
    assertThat(Files.getOwner(dir).getName()).isEqualTo("nobody");
  }

  @Test
  void buildWhenExistingEmptyDirectoryOursAndReadableByOthersThenUsedAndTightened() throws IOException {
    assumePosix();
    Files.createDirectory(dir);
    chmod(dir, "rwxr-xr-x");

    EmbeddedAuthority a = build();

    assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(OWNER_ONLY_DIRECTORY);
    assertThat(describe(EmbeddedAuthority.open(dir, clock))).isEqualTo(describe(a));
  }

  @Test
  void openWhenDirectoryWritableByOthersThenRefusesNamingModeAndFix() throws IOException {
    assumePosix();
    build();
    chmod(dir, "rwxrwxrwx");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("authority directory " + dir + " has mode 0777 (group/others may write): chmod 700 " + dir);
  }

  @Test
  void openWhenKeysDirectoryWritableByGroupThenRefusesNamingIt() throws IOException {
    assumePosix();
    build();
    Path keys = dir.resolve("keys");
    chmod(keys, "rwxrwx---");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("authority directory " + keys + " has mode 0770 (group/others may write): chmod 700 " + keys);
  }

  @ParameterizedTest
  @CsvSource({"rw-rw-rw-, write", "rw-r--r--, read", "rw-r-----, read", "rw----r--, read", "rw--w----, write"})
  void openWhenKeyFileReadableOrWritableByOthersThenRefusesNamingModeAndFix(String mode, String may)
      throws IOException {
    assumePosix();
    EmbeddedAuthority a = build();
    Path key = keyFile(activeKid(a));
    chmod(key, mode);
    String octal = OwnerOnlyFiles.octal(PosixFilePermissions.fromString(mode));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("key file " + key + " has mode " + octal + " (group/others may " + may + "): chmod 600 " + key)
        .hasMessageNotContaining("PRIVATE");
  }

  @Test
  void openWhenCaKeyFileReadableByOthersThenRefuses() throws IOException {
    assumePosix();
    EmbeddedAuthority a = build();
    Path key = keyFile(a.x509Cas().get(0).id());
    chmod(key, "rw-r--r--");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining("key file " + key + " has mode 0644");
  }

  @Test
  void openWhenUpstreamKeyFileReadableByOthersThenRefuses() throws IOException {
    assumePosix();
    dev.lanyard.x509.TestCertificates.Issued upstream = new dev.lanyard.x509.TestCertificates(START)
        .ca("Upstream Root").selfSigned();
    EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).directory(dir)
        .upstreamCa(upstream.keyPair.getPrivate(), List.of(upstream.certificate)).build();
    Path key = dir.resolve("keys").resolve("upstream.pem");
    assertThat(EmbeddedAuthority.open(dir, clock).trustDomain()).isEqualTo(TRUST_DOMAIN);
    chmod(key, "rw-r-----");

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("key file " + key + " has mode 0640 (group/others may read): chmod 600 " + key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-rw-rw-", "rw--w----", "rw-rw-r--"})
  void openWhenAuthorityJsonWritableByOthersThenRefusesNamingModeAndFix(String mode) throws IOException {
    assumePosix();
    build();
    chmod(metadata(), mode);
    String octal = OwnerOnlyFiles.octal(PosixFilePermissions.fromString(mode));

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessage("authority file " + metadata() + " has mode " + octal + " (group/others may write): chmod 644 "
            + metadata());
  }

  @Test
  void openWhenAuthorityJsonAndDirectoryReadableByOthersThenOpens() throws IOException {
    assumePosix();
    EmbeddedAuthority a = build();
    chmod(metadata(), "rw-r--r--");
    chmod(dir, "rwxr-xr-x");

    assertThat(describe(EmbeddedAuthority.open(dir, clock))).isEqualTo(describe(a));
  }

  @Test
  void openWhenDirectoryOwnedByAnotherUserThenRefusesNamingTheOwner() throws IOException {
    build();
    giveToAnotherUser(dir);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining("authority directory " + dir + " is owned by nobody");
  }

  @Test
  void openWhenKeyFileOwnedByAnotherUserThenRefusesNamingIt() throws IOException {
    EmbeddedAuthority a = build();
    Path key = keyFile(activeKid(a));
    giveToAnotherUser(key);

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining("key file " + key + " is owned by nobody");
  }

  @Test
  void openWhenAuthorityJsonOwnedByAnotherUserThenRefusesNamingIt() throws IOException {
    build();
    giveToAnotherUser(metadata());

    assertThatThrownBy(() -> EmbeddedAuthority.open(dir, clock))
        .isInstanceOf(AuthorityStoreException.class)
        .hasMessageContaining("authority file " + metadata() + " is owned by nobody");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // atomic writes: what a crash leaves behind
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void openWhenStrayTemporaryFilesFromACrashThenIgnored() throws IOException {
    EmbeddedAuthority a = build();
    a.prepareJwtKey();
    Files.writeString(dir.resolve(".authority.json.5f3a9c1e7b2d4a60.tmp"), "{\"format\":\"lanyard-auth");
    Files.writeString(dir.resolve("keys").resolve("." + activeKid(a) + ".pem.0123456789abcdef.tmp"),
        "-----BEGIN PRIVATE KEY-----\nMIG");

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);

    assertThat(describe(reopened)).isEqualTo(describe(a));
    assertThat(reopened.bundle().toJson()).isEqualTo(a.bundle().toJson());
    reopened.rotateJwtKey();
    assertThat(describe(EmbeddedAuthority.open(dir, clock))).isEqualTo(describe(reopened));
  }

  @Test
  void openWhenOrphanKeyFileFromAnInterruptedSaveThenIgnoredAndRemovedOnNextSave() throws IOException {
    EmbeddedAuthority a = build();
    Path orphan = dir.resolve("keys").resolve("orphan0123456789abcdefAB.pem");
    Files.copy(keyFile(activeKid(a)), orphan);

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir, clock);
    assertThat(describe(reopened)).isEqualTo(describe(a));
    assertThat(reopened.bundle().jwtKey("orphan0123456789abcdefAB")).isEmpty();

    reopened.prepareJwtKey();

    assertThat(orphan).doesNotExist();
  }

  @Test
  void openWhenNullArgumentsThenNullPointerException() {
    org.assertj.core.api.Assertions.assertThatNullPointerException().isThrownBy(() -> EmbeddedAuthority.open(null));
    org.assertj.core.api.Assertions.assertThatNullPointerException()
        .isThrownBy(() -> EmbeddedAuthority.open(dir, null));
  }

  @Test
  void openWhenCalledOnSystemClockOverloadThenWorks() {
    build();

    EmbeddedAuthority reopened = EmbeddedAuthority.open(dir);

    assertThat(reopened.trustDomain()).isEqualTo(TRUST_DOMAIN);
  }
}
