package dev.lanyard.credentials;

import dev.lanyard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rotating X.509-SVID source on a real embedded authority. Scheduling is made deterministic with a
 * {@link ManualScheduler} that records every delay asked for and runs tasks only when the test says so, and a
 * {@link MutableClock} shared by the authority and the source; one test runs a real scheduler with a bounded wait.
 */
class RotatingX509SvidSourceTest {
  private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/orders");
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration TTL = Duration.ofHours(1);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  private MutableClock clock;
  private EmbeddedAuthority authority;
  private FlakyIssuer issuer;
  private ManualScheduler scheduler;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** A real authority behind a switch that makes it fail, counting attempts. */
  static final class FlakyIssuer implements X509SvidIssuer {
    private final EmbeddedAuthority delegate;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger issued = new AtomicInteger();
    volatile RuntimeException failure;
    volatile Runnable beforeIssue = () -> { };

    FlakyIssuer(EmbeddedAuthority delegate) {
      this.delegate = delegate;
    }

    @Override
    public X509Svid issue(SpiffeId subject, Duration ttl) {
      attempts.incrementAndGet();
      beforeIssue.run();
      RuntimeException f = failure;
      if (f != null) {
        throw f;
      }
      X509Svid svid = delegate.issue(subject, ttl);
      issued.incrementAndGet();
      return svid;
    }

    @Override
    public boolean isUsable(X509Svid svid) {
      return delegate.isUsable(svid);
    }
  }

  /**
   * A scheduler that runs nothing on its own: it records each {@code schedule} call (delay and task) and the test
   * runs tasks explicitly. Only what the source uses is supported.
   */
  static final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    final List<Task> tasks = new CopyOnWriteArrayList<>();
    private volatile boolean shutdown;

    /** One scheduled task. */
    static final class Task implements ScheduledFuture<Object> {
      final Runnable command;
      final long delayMillis;
      private volatile boolean cancelled;
      private volatile boolean done;

      Task(Runnable command, long delayMillis) {
        this.command = command;
        this.delayMillis = delayMillis;
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return unit.convert(delayMillis, TimeUnit.MILLISECONDS);
      }

      @Override
      public int compareTo(Delayed o) {
        return Long.compare(delayMillis, o.getDelay(TimeUnit.MILLISECONDS));
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        if (done) {
          return false;
        }
        cancelled = true;
        return true;
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }

      @Override
      public boolean isDone() {
        return done || cancelled;
      }

      @Override
      public Object get() {
        throw new UnsupportedOperationException();
      }

      @Override
      public Object get(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException();
      }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      if (shutdown) {
        throw new IllegalStateException("shut down");
      }
      Task task = new Task(command, unit.toMillis(delay));
      tasks.add(task);
      return task;
    }

    /** The tasks neither cancelled nor run. */
    List<Task> pending() {
      List<Task> pending = new ArrayList<>();
      for (Task task : tasks) {
        if (!task.isDone()) {
          pending.add(task);
        }
      }
      return pending;
    }

    /** The only pending task (the source keeps at most one). */
    Task next() {
      List<Task> pending = pending();
      assertThat(pending).as("pending renewal tasks").hasSize(1);
      return pending.get(0);
    }

    /** Runs the pending task, as the scheduler would when its delay is up. */
    void runNext() {
      Task task = next();
      task.done = true;
      task.command.run();
    }

    /** The source schedules {@code this::renewNow}, which returns a value: it arrives here as a Callable. */
    @Override
    @SuppressWarnings("unchecked")
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return (ScheduledFuture<V>) schedule(() -> {
        try {
          callable.call();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
        TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shutdown;
    }

    @Override
    public void execute(Runnable command) {
      throw new UnsupportedOperationException();
    }
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    authority = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).build();
    issuer = new FlakyIssuer(authority);
    scheduler = new ManualScheduler();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  private RotatingX509SvidSource newSource() {
    return track(RotatingX509SvidSource.newBuilder(issuer, WORKLOAD).ttl(TTL).clock(clock).scheduler(scheduler)
        .build());
  }

  private <T extends AutoCloseable> T track(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  private static List<X509Svid> recordRotations(X509SvidSource source) {
    List<X509Svid> seen = Collections.synchronizedList(new ArrayList<>());
    source.addListener(seen::add);
    return seen;
  }

  private AuthorityCa activeCa() {
    return authority.x509Cas().stream().filter(ca -> ca.state() == KeyState.ACTIVE).findFirst().orElseThrow();
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
    try {
      leaf.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The delay, measured from the SVID's notBefore, as a fraction of its lifetime. */
  private double renewalPoint(X509Svid svid, long delayMillis) {
    long sinceNotBefore = Duration.between(svid.notBefore(), clock.instant()).toMillis();
    return (sinceNotBefore + delayMillis) / (double) svid.lifetime().toMillis();
  }

  // ------------------------------------------------------------------------------------------------ build

  @Test
  void buildIssuesTheFirstSvidAtOnceWithTheAskedTtl() {
    RotatingX509SvidSource source = newSource();

    assertThat(issuer.issued).hasValue(1);
    X509Svid svid = source.current();
    assertThat(svid.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(svid.hasPrivateKey()).isTrue();
    assertThat(svid.expiresAt()).isEqualTo(START.plus(TTL));
    assertThat(signedBy(svid.leaf(), activeCa().certificate())).isTrue();
    // current() hands out the same SVID until a rotation; it does not issue.
    assertThat(source.current()).isSameAs(svid);
    assertThat(issuer.attempts).hasValue(1);
  }

  @Test
  void buildWhenIssuerFailsThenThrowsAndSchedulesNothing() {
    issuer.failure = new IllegalStateException("authority down");

    assertThatThrownBy(this::newSource).isInstanceOf(IllegalStateException.class).hasMessage("authority down");
    assertThat(scheduler.tasks).isEmpty();
  }

  @Test
  void builderRejectsBadArguments() {
    RotatingX509SvidSource.Builder builder = RotatingX509SvidSource.newBuilder(issuer, WORKLOAD);
    assertThatIllegalArgumentException().isThrownBy(() -> builder.ttl(Duration.ZERO));
    assertThatIllegalArgumentException().isThrownBy(() -> builder.ttl(Duration.ofSeconds(-1)));
    assertThatNullPointerException().isThrownBy(() -> builder.ttl(null));
    assertThatNullPointerException().isThrownBy(() -> builder.clock(null));
    assertThatNullPointerException().isThrownBy(() -> builder.scheduler(null));
    assertThatNullPointerException().isThrownBy(() -> RotatingX509SvidSource.newBuilder(null, WORKLOAD));
    assertThatNullPointerException().isThrownBy(() -> RotatingX509SvidSource.newBuilder(issuer, null));
  }

  @Test
  void toStringPrintsMetadataOnly() {
    RotatingX509SvidSource source = newSource();
    String text = source.toString();

    assertThat(text).contains(WORKLOAD.toString()).contains(source.current().serial());
    assertThat(text).doesNotContain("PRIVATE KEY");
  }

  // ----------------------------------------------------------------------------------------- scheduling

  @Test
  void buildSchedulesRenewalAtAboutHalfTheSvidLifetime() {
    for (int i = 0; i < 20; i++) {
      scheduler = new ManualScheduler();
      RotatingX509SvidSource source = newSource();

      double point = renewalPoint(source.current(), scheduler.next().delayMillis);
      // 50 % ± 10 %, measured after scheduling on a running clock: allow 0.5 % (18 s of an hour) for the time the
      // test itself takes on a loaded machine.
      assertThat(point).as("renewal point as a fraction of the lifetime").isBetween(0.4, 0.605);
      // With a one hour TTL that is between about 24 and 36 minutes from now.
      assertThat(Duration.ofMillis(scheduler.next().delayMillis))
          .isBetween(Duration.ofMinutes(23), Duration.ofMinutes(36));
      source.close();
    }
  }

  @Test
  void scheduledRenewalIssuesNewSvidNotifiesListenersAndSchedulesTheNext() {
    RotatingX509SvidSource source = newSource();
    List<X509Svid> seen = recordRotations(source);
    X509Svid first = source.current();

    clock.advance(Duration.ofMillis(scheduler.next().delayMillis));
    scheduler.runNext();

    X509Svid second = source.current();
    assertThat(second).isNotSameAs(first);
    assertThat(second.serial()).isNotEqualTo(first.serial());
    assertThat(second.privateKey()).isNotEqualTo(first.privateKey());
    assertThat(seen).containsExactly(second);
    double point = renewalPoint(second, scheduler.next().delayMillis);
    assertThat(point).isBetween(0.4, 0.6);
  }

  @Test
  void listenersGetEveryNewSvidInOrder() {
    RotatingX509SvidSource source = newSource();
    List<X509Svid> a = recordRotations(source);
    List<X509Svid> b = recordRotations(source);
    List<X509Svid> expected = new ArrayList<>();

    for (int i = 0; i < 5; i++) {
      if (i % 2 == 0) {
        assertThat(source.renewNow()).isTrue();
      } else {
        scheduler.runNext();
      }
      expected.add(source.current());
    }

    assertThat(a).containsExactlyElementsOf(expected);
    assertThat(b).containsExactlyElementsOf(expected);
    assertThat(expected).extracting(X509Svid::serial).doesNotHaveDuplicates();
    // renewNow() replaces the scheduled renewal instead of adding one.
    assertThat(scheduler.pending()).hasSize(1);
  }

  @Test
  void removedListenerHearsNothingMore() throws Exception {
    RotatingX509SvidSource source = newSource();
    List<X509Svid> seen = Collections.synchronizedList(new ArrayList<>());
    AutoCloseable handle = source.addListener(seen::add);

    source.renewNow();
    handle.close();
    source.renewNow();

    assertThat(seen).hasSize(1);
  }

  @Test
  void listenerExceptionsDoNotStopRotationNorOtherListeners() {
    RotatingX509SvidSource source = newSource();
    AtomicInteger thrown = new AtomicInteger();
    source.addListener(svid -> {
      thrown.incrementAndGet();
      throw new IllegalStateException("listener bug");
    });
    List<X509Svid> seen = recordRotations(source);

    assertThat(source.renewNow()).isTrue();
    scheduler.runNext();
    assertThat(source.renewNow()).isTrue();

    assertThat(thrown).hasValue(3);
    assertThat(seen).hasSize(3);
    assertThat(source.current()).isSameAs(seen.get(2));
    assertThat(scheduler.pending()).hasSize(1);
  }

  // ------------------------------------------------------------------------------------------- failures

  @Test
  void renewNowWhenIssuerFailsThenKeepsCurrentSvidAndSchedulesRetry() {
    RotatingX509SvidSource source = newSource();
    List<X509Svid> seen = recordRotations(source);
    X509Svid first = source.current();
    issuer.failure = new IllegalStateException("authority down");

    assertThat(source.renewNow()).isFalse();

    assertThat(source.current()).isSameAs(first);
    assertThat(seen).isEmpty();
    assertThat(scheduler.next().delayMillis).isEqualTo(FIRST_RETRY.toMillis());
  }

  @Test
  void retriesBackOffExponentiallyAndResetAfterSuccess() {
    RotatingX509SvidSource source = newSource();
    X509Svid first = source.current();
    issuer.failure = new IllegalStateException("authority down");

    List<Long> delays = new ArrayList<>();
    assertThat(source.renewNow()).isFalse();
    delays.add(scheduler.next().delayMillis);
    for (int i = 0; i < 4; i++) {
      scheduler.runNext(); // the retry fails again
      delays.add(scheduler.next().delayMillis);
    }
    assertThat(delays).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L);
    assertThat(source.current()).isSameAs(first);

    issuer.failure = null;
    scheduler.runNext(); // the issuer recovered: the retry succeeds
    X509Svid renewed = source.current();
    assertThat(renewed).isNotSameAs(first);
    assertThat(renewalPoint(renewed, scheduler.next().delayMillis)).isBetween(0.4, 0.6);

    issuer.failure = new IllegalStateException("down again");
    assertThat(source.renewNow()).isFalse();
    assertThat(scheduler.next().delayMillis).as("backoff starts over after a success").isEqualTo(1_000L);
  }

  @Test
  void retryIsNeverLaterThanTheSvidExpiry() {
    RotatingX509SvidSource source = newSource();
    X509Svid first = source.current();
    issuer.failure = new IllegalStateException("authority down");
    for (int i = 0; i < 5; i++) {
      source.renewNow(); // backoff now at 32 s
    }

    clock.set(first.expiresAt().minusSeconds(3));
    source.renewNow();
    assertThat(scheduler.next().delayMillis).isEqualTo(3_000L);

    clock.set(first.expiresAt().plusSeconds(30));
    source.renewNow();
    assertThat(scheduler.next().delayMillis).as("past expiry: retry soon").isEqualTo(1_000L);
    assertThat(source.current()).isSameAs(first);
  }

  @Test
  void failedRenewalIsRetriedOnARealSchedulerAndSucceedsWhenIssuerRecovers() throws Exception {
    ScheduledExecutorService real = Executors.newSingleThreadScheduledExecutor();
    try {
      RotatingX509SvidSource source = track(RotatingX509SvidSource.newBuilder(issuer, WORKLOAD).ttl(TTL)
          .scheduler(real).build());
      X509Svid first = source.current();
      CountDownLatch rotated = new CountDownLatch(1);
      List<X509Svid> seen = new CopyOnWriteArrayList<>();
      source.addListener(svid -> {
        seen.add(svid);
        rotated.countDown();
      });
      issuer.failure = new IllegalStateException("authority down");

      assertThat(source.renewNow()).isFalse();
      int attemptsAfterFailure = issuer.attempts.get();
      issuer.failure = null; // recovers before the 1 s retry is due

      assertThat(rotated.await(10, TimeUnit.SECONDS)).as("the retry ran and succeeded").isTrue();
      assertThat(issuer.attempts.get()).isGreaterThan(attemptsAfterFailure);
      assertThat(seen).hasSize(1);
      assertThat(source.current()).isSameAs(seen.get(0)).isNotSameAs(first);
    } finally {
      real.shutdownNow();
    }
  }

  // -------------------------------------------------------------------------------------------- tainting

  @Test
  void currentWhenCaTaintedThenRenewsAtOnceFromADifferentCa() throws Exception {
    RotatingX509SvidSource source = newSource();
    List<X509Svid> seen = recordRotations(source);
    X509Svid first = source.current();
    AuthorityCa oldCa = activeCa();
    assertThat(signedBy(first.leaf(), oldCa.certificate())).isTrue();

    authority.taintX509Ca(oldCa.id());
    X509Svid renewed = source.current();

    AuthorityCa newCa = activeCa();
    assertThat(newCa.id()).isNotEqualTo(oldCa.id());
    assertThat(renewed).isNotSameAs(first);
    assertThat(seen).containsExactly(renewed);
    assertThat(signedBy(renewed.leaf(), newCa.certificate())).isTrue();
    assertThat(signedBy(renewed.leaf(), oldCa.certificate())).isFalse();
    assertThat(renewed.leaf().getIssuerX500Principal()).isEqualTo(newCa.certificate().getSubjectX500Principal());
    assertThat(issuer.isUsable(renewed)).isTrue();
    // Once renewed, current() stops issuing.
    int attempts = issuer.attempts.get();
    assertThat(source.current()).isSameAs(renewed);
    assertThat(issuer.attempts).hasValue(attempts);

    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).clock(clock)
        .build();
    VerifiedX509Svid verified = verifier.verify(renewed.chain());
    assertThat(verified.trustAnchor()).isEqualTo(newCa.certificate());
  }

  @Test
  void currentWhenCaTaintedAndIssuerFailsThenKeepsTaintedSvidUntilRetrySucceeds() {
    RotatingX509SvidSource source = newSource();
    X509Svid first = source.current();
    authority.taintX509Ca(activeCa().id());
    issuer.failure = new IllegalStateException("authority down");

    assertThat(source.current()).isSameAs(first);
    assertThat(scheduler.next().delayMillis).isEqualTo(FIRST_RETRY.toMillis());

    issuer.failure = null;
    scheduler.runNext();
    assertThat(source.current()).isNotSameAs(first);
    assertThat(issuer.isUsable(source.current())).isTrue();
  }

  /**
   * A tainted CA makes every handshake's {@code current()} see an unusable SVID at the same moment. The source should
   * renew once and hand the one new SVID to every caller; instead each concurrent caller issues its own SVID (a burst
   * of rotations, which also overruns the key manager's memory of the last two SVIDs: see SpiffeKeyManagerTest).
   * The issuer here holds each caller until all eight are inside it (or 2 s have passed), which makes the race
   * deterministic without deadlocking a single-flight implementation.
   */
  @Test
  void currentWhenCaTaintedAndCalledConcurrentlyThenRenewsOnce() {
    RotatingX509SvidSource source = newSource();
    authority.taintX509Ca(activeCa().id());
    int callers = 8;
    CountDownLatch allInside = new CountDownLatch(callers);
    issuer.beforeIssue = () -> {
      allInside.countDown();
      try {
        allInside.await(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    List<X509Svid> seen = recordRotations(source);
    int issuedBefore = issuer.issued.get();

    List<X509Svid> results = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(callers);
      try {
        List<java.util.concurrent.Future<X509Svid>> futures = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          futures.add(threads.submit(source::current));
        }
        List<X509Svid> out = new ArrayList<>();
        for (java.util.concurrent.Future<X509Svid> f : futures) {
          out.add(f.get());
        }
        return out;
      } finally {
        threads.shutdownNow();
      }
    });

    assertThat(issuer.issued.get() - issuedBefore).as("SVIDs issued for one taint").isEqualTo(1);
    assertThat(seen).hasSize(1);
    assertThat(results).allSatisfy(svid -> assertThat(svid).isSameAs(seen.get(0)));
  }

  // ------------------------------------------------------------------------------------------------ close

  @Test
  void closeCancelsTheScheduledRenewalAndSchedulesNoMore() {
    RotatingX509SvidSource source = newSource();
    ManualScheduler.Task pending = scheduler.next();

    source.close();

    assertThat(pending.isCancelled()).isTrue();
    assertThat(scheduler.pending()).isEmpty();
    // A renewal that was already running when close() came schedules nothing after it.
    pending.command.run();
    assertThat(scheduler.pending()).isEmpty();
    issuer.failure = new IllegalStateException("authority down");
    source.renewNow();
    assertThat(scheduler.pending()).isEmpty();
    // A scheduler the caller handed in is the caller's to shut down.
    assertThat(scheduler.isShutdown()).isFalse();
  }

  @Test
  void closeStopsRetriesOnARealScheduler() throws Exception {
    ScheduledExecutorService real = Executors.newSingleThreadScheduledExecutor();
    try {
      RotatingX509SvidSource source = RotatingX509SvidSource.newBuilder(issuer, WORKLOAD).ttl(TTL)
          .scheduler(real).build();
      issuer.failure = new IllegalStateException("authority down");
      assertThat(source.renewNow()).isFalse(); // a retry is due in 1 s
      source.close();
      int attempts = issuer.attempts.get();

      // Await the scheduler itself past the retry's due time (1 s): on one thread, tasks run in due order, so the
      // retry, had close() left it scheduled, has run once this later marker has.
      real.schedule(() -> null, 1_500, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);

      assertThat(issuer.attempts).as("no retry after close()").hasValue(attempts);
    } finally {
      real.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------- bugs

  /**
   * The authority backdates notBefore by 10 s, and the source takes "half the lifetime" from notBefore over the
   * backdated lifetime: for a 4 s TTL the lifetime is 14 s, half of it lies 3 s in the past, the delay is clamped to
   * zero, and every renewal schedules the next one at once: the source issues SVIDs in a tight loop. Any TTL below
   * about 15 s is affected (and longer TTLs renew earlier than half their TTL).
   */
  @Test
  void renewalWhenTtlShortThenScheduledAtAboutHalfTheTtlNotImmediately() {
    RotatingX509SvidSource source = track(RotatingX509SvidSource.newBuilder(issuer, WORKLOAD)
        .ttl(Duration.ofSeconds(4)).clock(clock).scheduler(scheduler).build());

    long delay = scheduler.next().delayMillis;

    assertThat(delay).as("renewal delay for a 4 s TTL").isBetween(1_600L, 2_400L);
    assertThat(source.current().expiresAt()).isEqualTo(START.plusSeconds(4));
  }

  /** The same bug on a real scheduler and the system clock: rotations should come about every 2 s, not nonstop. */
  @Test
  void renewalWhenTtlShortOnRealSchedulerThenAboutEveryHalfTtl() throws Exception {
    FlakyIssuer systemIssuer = new FlakyIssuer(EmbeddedAuthority.newBuilder(TRUST_DOMAIN).build());
    ScheduledExecutorService real = Executors.newSingleThreadScheduledExecutor();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
        long start = System.nanoTime();
        RotatingX509SvidSource source = track(RotatingX509SvidSource.newBuilder(systemIssuer, WORKLOAD)
            .ttl(Duration.ofSeconds(4)).scheduler(real).build());
        CountDownLatch rotated = new CountDownLatch(1);
        List<Long> at = new CopyOnWriteArrayList<>();
        Consumer<X509Svid> listener = svid -> {
          at.add(System.nanoTime() - start);
          rotated.countDown();
        };
        source.addListener(listener);

        assertThat(rotated.await(10, TimeUnit.SECONDS)).isTrue();
        // Await the scheduler past the next half second: every renewal due by then, as the bug's immediate ones
        // would be, has run once this later marker has.
        real.schedule(() -> null, 500, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        assertThat(at.size()).as("rotations within half a second of the first").isEqualTo(1);
        // notAfter has whole-second precision, so the 4 s life may be as short as 3 s: 40 % of that is 1.2 s.
        assertThat(Duration.ofNanos(at.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
      });
    } finally {
      real.shutdownNow();
    }
  }
}
