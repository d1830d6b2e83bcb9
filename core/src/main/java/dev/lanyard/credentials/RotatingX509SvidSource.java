package dev.lanyard.credentials;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link X509SvidSource} that holds the workload's X.509-SVID and renews it before it expires.
 *
 * <p>The first SVID is issued when the source is built. Renewal is scheduled at about half the SVID's lifetime
 * (50 % ± 10 % jitter); listeners hear of every new SVID. A failed renewal keeps the current SVID (it stays valid
 * until it expires) and is retried with exponential backoff from 1 s, never later than the SVID's expiry. When the
 * issuer says the current SVID is no longer usable (its CA was tainted), {@link #current()} triggers an immediate
 * renewal. {@link #close()} stops renewing.
 *
 * <p>Thread-safe: the current SVID is a volatile field read without locking; renewals, scheduling and closing are
 * serialized by internal locks, and listeners are kept in a copy-on-write list.
 */
public final class RotatingX509SvidSource implements X509SvidSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RotatingX509SvidSource.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  private final X509SvidIssuer issuer;
  private final SpiffeId subject;
  private final @Nullable Duration ttl;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final CopyOnWriteArrayList<Consumer<X509Svid>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private final Object renewal = new Object();
  private volatile X509Svid current;
  private volatile Instant obtainedAt;
  private @Nullable ScheduledFuture<?> next;
  private volatile @Nullable Instant nextRenewal;
  private Duration retryDelay = FIRST_RETRY;
  private boolean closed;

  private RotatingX509SvidSource(Builder b) {
    this.issuer = b.issuer;
    this.subject = b.subject;
    this.ttl = b.ttl;
    this.clock = b.clock;
    this.ownsScheduler = b.scheduler == null;
    this.scheduler = b.scheduler != null ? b.scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lanyard-x509-svid-renewal");
      t.setDaemon(true);
      return t;
    });
    this.current = issuer.issue(subject, ttl);
    this.obtainedAt = clock.instant();
    synchronized (lock) {
      schedule(renewalDelay(current));
    }
  }

  /** A builder for a source of SVIDs for {@code subject} issued by {@code issuer}. */
  public static Builder newBuilder(X509SvidIssuer issuer, SpiffeId subject) {
    return new Builder(Objects.requireNonNull(issuer, "issuer"), Objects.requireNonNull(subject, "subject"));
  }

  @Override
  public X509Svid current() {
    X509Svid svid = current;
    if (!issuer.isUsable(svid)) {
      // One renewal for all the callers that notice at once: the others find a new SVID when they get the lock.
      synchronized (renewal) {
        if (current == svid) {
          renewNow();
        }
      }
      return current;
    }
    return svid;
  }

  @Override
  public AutoCloseable addListener(Consumer<X509Svid> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Renews the SVID now, on the calling thread, and notifies listeners.
   *
   * @return true when a new SVID was issued; false when the issuer failed (the current SVID is kept and a retry is
   *     scheduled)
   */
  public boolean renewNow() {
    X509Svid fresh;
    Instant issuedAt;
    try {
      fresh = issuer.issue(subject, ttl);
      issuedAt = clock.instant();
    } catch (RuntimeException e) {
      synchronized (lock) {
        Duration delay = retryDelay;
        retryDelay = retryDelay.multipliedBy(2);
        Duration untilExpiry = Duration.between(clock.instant(), current.expiresAt());
        if (delay.compareTo(untilExpiry) > 0) {
          delay = untilExpiry.isNegative() ? FIRST_RETRY : untilExpiry;
        }
        LOG.warn("renewing the X.509-SVID of {} failed; keeping serial {} (expires {}), retrying in {}: {}",
            subject, current.serial(), current.expiresAt(), delay, e.toString());
        schedule(delay);
      }
      return false;
    }
    synchronized (lock) {
      current = fresh;
      obtainedAt = issuedAt;
      retryDelay = FIRST_RETRY;
      schedule(renewalDelay(fresh));
    }
    for (Consumer<X509Svid> listener : listeners) {
      try {
        listener.accept(fresh);
      } catch (RuntimeException e) {
        LOG.warn("an X.509-SVID rotation listener failed: {}", e.toString());
      }
    }
    return true;
  }

  /**
   * When the current SVID will be renewed: about half way through the life it had when it was obtained (its notBefore
   * is backdated for clock skew, so it is not the start).
   */
  private Duration renewalDelay(X509Svid svid) {
    double fraction = 0.5 + ThreadLocalRandom.current().nextDouble(-0.1, 0.1);
    Instant start = obtainedAt;
    Instant at = start.plusMillis((long) (Duration.between(start, svid.expiresAt()).toMillis() * fraction));
    Duration delay = Duration.between(clock.instant(), at);
    return delay.isNegative() ? Duration.ZERO : delay;
  }

  /** Holds {@link #lock}. */
  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    nextRenewal = clock.instant().plus(delay);
    next = scheduler.schedule(this::renewNow, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** When the next renewal (or retry) is scheduled, unless the source is closed. */
  public Optional<Instant> nextRenewal() {
    synchronized (lock) {
      return closed ? Optional.empty() : Optional.ofNullable(nextRenewal);
    }
  }

  /** Stops renewing. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (next != null) {
        next.cancel(false);
      }
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "RotatingX509SvidSource[" + current + "]";
  }

  /** Builds a {@link RotatingX509SvidSource}. */
  public static final class Builder {
    private final X509SvidIssuer issuer;
    private final SpiffeId subject;
    private @Nullable Duration ttl;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;

    private Builder(X509SvidIssuer issuer, SpiffeId subject) {
      this.issuer = issuer;
      this.subject = subject;
    }

    /** Lifetime to ask for (the issuer's default when not set). */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive");
      }
      this.ttl = ttl;
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where renewals run (a daemon thread of the source's own by default, stopped by close()). */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Issues the first SVID and starts renewing. */
    public RotatingX509SvidSource build() {
      return new RotatingX509SvidSource(this);
    }
  }
}
