package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One authority directory shared by several processes: real JVMs started with {@link AuthorityProcessMain}, and
 * several authorities in this JVM (on a {@link MutableClock}) for the reload rules.
 */
class AuthorityFleetTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/service");
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  /**
   * Not a {@code @TempDir}: the authorities opened in this JVM keep watching their directory (and merging
   * revocations.json) after a test, so JUnit's strict deletion could race with them and fail a test that passed.
   * Deleted best-effort after each test instead.
   */
  private Path tmp;

  @BeforeEach
  void createDirectory() throws IOException {
    tmp = Files.createTempDirectory("lanyard-fleet-test");
  }

  private final List<Child> children = new ArrayList<>();

  /** A child JVM and its stdout lines. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(Process process) {
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // the process ended
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line starting with {@code prefix}, skipping others, or fails after {@code timeout}. */
    String next(String prefix, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("no line '" + prefix + "...' within " + timeout + " (alive: " + process.isAlive()
              + ")");
        }
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    }
  }

  @AfterEach
  void stopChildrenAndDeleteDirectory() throws InterruptedException {
    for (Child child : children) {
      child.process.destroy();
      if (!child.process.waitFor(5, TimeUnit.SECONDS)) {
        child.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    deleteBestEffort(tmp);
  }

  private static void deleteBestEffort(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          // a watcher of this JVM rewrote it meanwhile: left for the OS's temporary-file cleanup
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // the same race while walking
    }
  }

  private Child spawn(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-XX:TieredStopAtLevel=1");
    command.add(AuthorityProcessMain.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectError(tmp.resolve("stderr-" + children.size() + ".log").toFile());
    Child child = new Child(builder.start());
    children.add(child);
    return child;
  }

  private static List<String> jwtKeyIds(EmbeddedAuthority authority) {
    List<String> ids = new ArrayList<>();
    for (AuthorityKey key : authority.jwtKeys()) {
      ids.add(key.keyId());
    }
    return ids;
  }

  private static @Nullable String active(EmbeddedAuthority authority) {
    for (AuthorityKey key : authority.jwtKeys()) {
      if (key.state() == KeyState.ACTIVE) {
        return key.keyId();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------- real processes

  @Test
  void firstStartWhenThreeProcessesAtOnceThenOneCreatesAndAllOpenTheSameAuthority() throws Exception {
    Path dir = tmp.resolve("authority");
    Path go = tmp.resolve("go");
    List<Child> starters = List.of(spawn("start", dir.toString(), TD.name(), go.toString()),
        spawn("start", dir.toString(), TD.name(), go.toString()),
        spawn("start", dir.toString(), TD.name(), go.toString()));
    for (Child child : starters) {
      child.next("WAITING", Duration.ofSeconds(15));
    }
    Files.createFile(go);

    Set<String> results = new HashSet<>();
    for (Child child : starters) {
      String line = child.next("", Duration.ofSeconds(15));
      assertThat(line).startsWith("OK example.org ");
      results.add(line);
    }
    assertThat(results).hasSize(1);
    EmbeddedAuthority opened = EmbeddedAuthority.open(dir);
    assertThat(results).containsExactly("OK example.org " + String.join(",", jwtKeyIds(opened)));
    assertThat(jwtKeyIds(opened)).hasSize(1);
    assertThat(opened.x509Cas()).hasSize(1);
  }

  @Test
  void rotateWhenAnotherProcessHoldsTheAuthorityThenItSignsWithTheNewKeyWithinTheBound() throws Exception {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority here = EmbeddedAuthority.newBuilder(TD).directory(dir).buildOrOpen();
    Child follower = spawn("follow", dir.toString());
    assertThat(follower.next("ACTIVE ", Duration.ofSeconds(15))).isEqualTo("ACTIVE " + active(here));

    here.rotateJwtKey();
    AuthorityKey activated = here.rotateJwtKey();
    long rotatedAt = System.nanoTime();

    assertThat(activated.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(follower.next("ACTIVE ", Duration.ofSeconds(10))).isEqualTo("ACTIVE " + activated.keyId());
    Duration seenAfter = Duration.ofNanos(System.nanoTime() - rotatedAt);
    assertThat(seenAfter).isLessThan(DirectoryWatcher.BOUND.plusSeconds(1));
  }

  @Test
  void revokeTokenWhenAnotherProcessVerifiesItThenRefusedThereAsRevokedWithinTheBound() throws Exception {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority here = EmbeddedAuthority.newBuilder(TD).directory(dir).buildOrOpen();
    JwtSvid token = here.mintJwtSvid(SpiffeId.of(TD, "/orders"), "fleet");
    Path tokenFile = tmp.resolve("token.jwt");
    Files.writeString(tokenFile, token.token(), StandardCharsets.US_ASCII);
    Child verifier = spawn("verify", dir.toString(), tokenFile.toString());
    assertThat(verifier.next("", Duration.ofSeconds(15))).isEqualTo("ACCEPTED");

    here.revocations().revokeToken(token.tokenId(), token.expiresAt());
    long revokedAt = System.nanoTime();

    assertThat(verifier.next("", Duration.ofSeconds(10))).isEqualTo("REFUSED REVOKED");
    Duration seenAfter = Duration.ofNanos(System.nanoTime() - revokedAt);
    assertThat(seenAfter).isLessThan(DirectoryWatcher.BOUND.plusSeconds(2));
  }

  @Test
  void scheduledRotationWhenTwoProcessesRaceThenOneKeyPerStepAndNoTokenRefused() throws Exception {
    Path dir = tmp.resolve("authority");
    // Keys live 12 s: the next one is prepared at 6 s and signs from 10 s, so a 12 s run sees a rotation.
    EmbeddedAuthority.newBuilder(TD).directory(dir).jwtKeyLifetime(Duration.ofSeconds(12))
        .maxJwtSvidTtl(Duration.ofSeconds(2)).defaultJwtSvidTtl(Duration.ofSeconds(2)).buildOrOpen();
    Child a = spawn("race", dir.toString(), "a", "12");
    Child b = spawn("race", dir.toString(), "b", "12");

    assertThat(a.process.waitFor(40, TimeUnit.SECONDS)).isTrue();
    assertThat(b.process.waitFor(40, TimeUnit.SECONDS)).isTrue();
    List<String> all = new ArrayList<>(a.lines);
    all.addAll(b.lines);
    assertThat(all).filteredOn(line -> line.startsWith("REFUSED")).isEmpty();
    assertThat(all).filteredOn(line -> line.startsWith("DONE")).hasSize(2)
        .allSatisfy(line -> assertThat(line).endsWith(" failed=0").doesNotStartWith("DONE ok=0 "));
    Set<String> seen = new HashSet<>();
    for (String line : all) {
      if (line.startsWith("SEEN ")) {
        seen.add(line.substring(5));
      }
    }
    EmbeddedAuthority after = EmbeddedAuthority.open(dir);
    // Every key either process signed with is in the authority: none was made twice and overwritten.
    assertThat(seen).hasSizeGreaterThanOrEqualTo(2);
    assertThat(jwtKeyIds(after)).containsAll(seen);
    assertThat(after.jwtKeys()).filteredOn(k -> k.state() == KeyState.ACTIVE).hasSize(1);
    assertThat(after.jwtKeys()).filteredOn(k -> k.state() == KeyState.PREPARED).hasSizeLessThanOrEqualTo(1);
    // One key per step: each key was created about half a lifetime after the one before.
    List<AuthorityKey> keys = after.jwtKeys();
    for (int i = 1; i < keys.size(); i++) {
      assertThat(Duration.between(keys.get(i - 1).createdAt(), keys.get(i).createdAt()))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }
  }

  // ------------------------------------------------------------------------------ in one JVM, mutable clock

  @Test
  void reloadWhenAnotherInstanceActivatedAKeyThenItsTokensVerifyHere() throws Exception {
    MutableClock clock = new MutableClock(START);
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).clock(clock).buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, clock);
    JwtSvidVerifier verifierInB = JwtSvidVerifier.newBuilder().bundleSource(b.bundleSource())
        .revocations(b.revocations()).audience("fleet").clock(clock).build();

    a.rotateJwtKey();
    AuthorityKey activated = a.rotateJwtKey();
    JwtSvid token = a.mintJwtSvid(WORKLOAD, "fleet");

    assertThat(token.keyId()).isEqualTo(activated.keyId());
    assertThatThrownBy(() -> verifierInB.verify(token.token())).isInstanceOf(JwtSvidRejectedException.class)
        .extracting(e -> ((JwtSvidRejectedException) e).reason())
        .isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
    b.reloadIfChanged();
    assertThat(verifierInB.verify(token.token()).subject()).isEqualTo(WORKLOAD);
    assertThat(active(b)).isEqualTo(activated.keyId());
    assertThat(b.mintJwtSvid(WORKLOAD, "fleet").keyId()).isEqualTo(activated.keyId());
  }

  @Test
  void rotateWhenAnotherInstancePreparedAKeyThenActivatesThatKeyInsteadOfPreparingAnother() {
    MutableClock clock = new MutableClock(START);
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).clock(clock).buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, clock);

    AuthorityKey prepared = a.rotateJwtKey();
    AuthorityKey activated = b.rotateJwtKey();

    assertThat(prepared.state()).isEqualTo(KeyState.PREPARED);
    assertThat(activated.keyId()).isEqualTo(prepared.keyId());
    assertThat(activated.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(EmbeddedAuthority.open(dir, clock).jwtKeys()).hasSize(2);
  }

  @Test
  void maintainWhenAnotherInstanceDidTheStepThenPicksItUpAndWritesNothing() throws IOException {
    MutableClock clock = new MutableClock(START);
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).clock(clock).buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, clock);

    clock.advance(Duration.ofHours(13));
    a.maintain();
    String written = Files.readString(dir.resolve(AuthorityStore.METADATA));
    b.maintain();

    assertThat(Files.readString(dir.resolve(AuthorityStore.METADATA))).isEqualTo(written);
    assertThat(jwtKeyIds(b)).isEqualTo(jwtKeyIds(a)).hasSize(2);
  }

  @Test
  void buildOrOpenWhenTheDirectoryHoldsAnAuthorityThenOpensIt() {
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority first = EmbeddedAuthority.newBuilder(TD).directory(dir).buildOrOpen();

    EmbeddedAuthority second = EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).directory(dir)
        .buildOrOpen();

    assertThat(second.trustDomain()).isEqualTo(TD);
    assertThat(jwtKeyIds(second)).isEqualTo(jwtKeyIds(first));
  }

  @Test
  void buildOrOpenWhenOnlyAHalfCreatedAuthorityIsThereThenCreatesAfresh() throws IOException {
    Path dir = tmp.resolve("authority");
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(dir.resolve("keys").resolve("leftover.pem"), "half-written");
    Files.writeString(dir.resolve(".lock"), "");

    EmbeddedAuthority created = EmbeddedAuthority.newBuilder(TD).directory(dir).buildOrOpen();

    assertThat(dir.resolve("keys").resolve("leftover.pem")).doesNotExist();
    assertThat(jwtKeyIds(EmbeddedAuthority.open(dir))).isEqualTo(jwtKeyIds(created));
  }

  @Test
  void revokeTokenWhenAnotherInstanceRevokedItThenRefusedHereAsRevoked() throws Exception {
    MutableClock clock = new MutableClock(START);
    Path dir = tmp.resolve("authority");
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).clock(clock).buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, clock);
    JwtSvidVerifier verifierInB = JwtSvidVerifier.newBuilder().bundleSource(b.bundleSource())
        .revocations(b.revocations()).audience("fleet").clock(clock).build();
    JwtSvid token = a.mintJwtSvid(WORKLOAD, "fleet");
    assertThat(verifierInB.verify(token.token()).subject()).isEqualTo(WORKLOAD);

    a.revocations().revokeToken(token.tokenId(), token.expiresAt());
    a.reloadIfChanged();
    b.reloadIfChanged();

    assertThat(dir.resolve(AuthorityStore.REVOCATIONS)).exists();
    assertThatThrownBy(() -> verifierInB.verify(token.token())).isInstanceOf(JwtSvidRejectedException.class)
        .extracting(e -> ((JwtSvidRejectedException) e).reason())
        .isEqualTo(JwtSvidRejectedException.Reason.REVOKED);
    assertThat(EmbeddedAuthority.open(dir, clock).revocations().isTokenRevoked(token.tokenId()))
        .isTrue();
  }

  @Test
  void buildOrOpenWhenNoDirectoryThenRefuses() {
    assertThatThrownBy(() -> EmbeddedAuthority.newBuilder(TD).buildOrOpen())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("directory");
  }
}
