package dev.lanyard.policy;

import dev.lanyard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.policy.Decision.Outcome;
import dev.lanyard.spiffe.SpiffeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PolicyFile}: start-up validation, reload on change at most once per check interval (on a mutable clock), and
 * a broken new version keeping the previous policy.
 */
class PolicyFileTest {
  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final Caller ORDERS = Caller.of(SpiffeId.parse("spiffe://example.org/orders"), Set.of());
  static final Caller LEDGER = Caller.of(SpiffeId.parse("spiffe://example.org/ledger"), Set.of());

  static final String V1 = "# v1\nGET /a spiffe://example.org/orders\n";
  static final String V2 = "# v2: ledger instead of orders\nGET /a spiffe://example.org/ledger\n";
  static final String BROKEN = "# broken\nGET /a spiffe://example.org/ledger\n\nPSOT /b any\n";

  @TempDir
  Path dir;
  Path file;
  MutableClock clock;
  /** The next modification time written; every write moves it on by a minute so that every version differs. */
  Instant mtime;

  @BeforeEach
  void setUp() {
    file = dir.resolve("policy.txt");
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    mtime = Instant.parse("2029-06-01T00:00:00Z");
  }

  void write(String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    mtime = mtime.plus(Duration.ofMinutes(1));
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  static Outcome outcome(PolicyFile policyFile, Caller caller) {
    return policyFile.current().decide("GET", "/a", caller).outcome();
  }

  @Test
  void watchWhenFileValidThenCurrentIsItsPolicy() throws IOException {
    write(V1);

    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);

    assertThat(policyFile.file()).isEqualTo(file);
    assertThat(policyFile.current().ruleCount()).isEqualTo(1);
    assertThat(outcome(policyFile, ORDERS)).isEqualTo(Outcome.ALLOWED);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.DENIED);
    assertThat(policyFile.toString()).contains("policy.txt").contains("1 rules");
  }

  @Test
  void watchWhenFileInvalidThenStartupFailsNamingFileAndLine() throws IOException {
    write(BROKEN);

    assertThatThrownBy(() -> PolicyFile.watch(file, INTERVAL, clock))
        .isInstanceOf(PolicyException.class)
        .hasMessage("policy.txt:4: unknown method 'PSOT'");
  }

  @Test
  void watchWhenFileMissingThenStartupFails() {
    assertThatThrownBy(() -> PolicyFile.watch(file, INTERVAL, clock))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.line()).isZero();
          assertThat(e.getMessage()).contains("policy.txt").contains("cannot read");
        });
  }

  @Test
  void watchWhenArgumentNullThenNullPointerException() throws IOException {
    write(V1);

    assertThatNullPointerException().isThrownBy(() -> PolicyFile.watch(null, INTERVAL, clock));
    assertThatNullPointerException().isThrownBy(() -> PolicyFile.watch(file, null, clock));
    assertThatNullPointerException().isThrownBy(() -> PolicyFile.watch(file, INTERVAL, null));
  }

  @Test
  void currentWhenFileChangedThenNewPolicyOnlyOnceIntervalHasPassed() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);

    write(V2);
    assertThat(outcome(policyFile, ORDERS)).as("not checked before the interval").isEqualTo(Outcome.ALLOWED);
    clock.advance(INTERVAL.minusNanos(1));
    assertThat(outcome(policyFile, ORDERS)).as("one nanosecond before the interval").isEqualTo(Outcome.ALLOWED);
    clock.advance(Duration.ofNanos(1));
    assertThat(outcome(policyFile, ORDERS)).as("exactly at the interval").isEqualTo(Outcome.DENIED);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void currentWhenFileUnchangedThenSamePolicyInstance() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    Policy first = policyFile.current();

    clock.advance(Duration.ofMinutes(5));

    assertThat(policyFile.current()).isSameAs(first);
  }

  @Test
  void currentWhenOnlyModificationTimeChangesThenReReadWithSameRules() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    Policy first = policyFile.current();

    Files.setLastModifiedTime(file, FileTime.from(mtime.plusSeconds(30)));
    clock.advance(INTERVAL);

    assertThat(policyFile.current()).isNotSameAs(first);
    assertThat(outcome(policyFile, ORDERS)).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void currentWhenNewVersionBrokenThenOldPolicyKeptUntilFixed() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    Policy first = policyFile.current();

    write(BROKEN);
    clock.advance(INTERVAL);
    assertThat(policyFile.current()).as("broken version keeps the old policy").isSameAs(first);
    assertThat(outcome(policyFile, ORDERS)).isEqualTo(Outcome.ALLOWED);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.DENIED);
    clock.advance(INTERVAL);
    assertThat(policyFile.current()).as("and keeps it on later checks").isSameAs(first);

    write(V2);
    clock.advance(INTERVAL);
    assertThat(outcome(policyFile, ORDERS)).as("fixed version is picked up").isEqualTo(Outcome.DENIED);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void currentWhenGoodVersionThenBrokenThenSameGoodAgainThenGoodPolicy() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    write(V2);
    clock.advance(INTERVAL);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);

    write(BROKEN);
    clock.advance(INTERVAL);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);

    write(V1);
    clock.advance(INTERVAL);
    assertThat(outcome(policyFile, ORDERS)).isEqualTo(Outcome.ALLOWED);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.DENIED);
  }

  @Test
  void currentWhenFileDeletedThenOldPolicyKeptAndRestoredFileReadAgain() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    Policy first = policyFile.current();

    Files.delete(file);
    clock.advance(INTERVAL);
    assertThat(policyFile.current()).isSameAs(first);

    write(V2);
    clock.advance(INTERVAL);
    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void reloadIfChangedWhenCalledThenReadsAtOnceWithoutWaitingForInterval() throws IOException {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);

    write(V2);
    policyFile.reloadIfChanged();

    assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void currentWhenManyThreadsDuringChangeThenEachSeesOldThenNewPolicyNeverBack() throws Exception {
    write(V1);
    PolicyFile policyFile = PolicyFile.watch(file, INTERVAL, clock);
    write(V2);
    clock.advance(INTERVAL);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Outcome>>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(pool.submit(() -> {
          start.await();
          List<Outcome> seen = new ArrayList<>();
          for (int i = 0; i < 200; i++) {
            seen.add(outcome(policyFile, LEDGER));
          }
          return seen;
        }));
      }
      start.countDown();
      for (Future<List<Outcome>> result : results) {
        List<Outcome> seen = result.get(30, TimeUnit.SECONDS);
        assertThat(seen).isSubsetOf(Outcome.ALLOWED, Outcome.DENIED);
        // While one thread re-reads the file the others keep serving the old policy; once a thread has seen the
        // new one it never sees the old one again.
        int firstNew = seen.indexOf(Outcome.ALLOWED);
        if (firstNew >= 0) {
          assertThat(seen.subList(firstNew, seen.size())).as("never the old policy again")
              .containsOnly(Outcome.ALLOWED);
        }
      }
      assertThat(outcome(policyFile, LEDGER)).isEqualTo(Outcome.ALLOWED);
    } finally {
      pool.shutdownNow();
    }
  }
}
