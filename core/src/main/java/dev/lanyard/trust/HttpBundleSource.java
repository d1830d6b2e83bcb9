package dev.lanyard.trust;

import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.spiffe.TrustDomain;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle of one trust domain fetched from a SPIFFE bundle endpoint over HTTPS, kept current.
 *
 * <p>The endpoint must be {@code https}: a cleartext {@code http} URL is refused by {@link Builder#build()} unless
 * {@link Builder#allowInsecureHttp()} was called, and then a WARN is logged when the source starts (anyone on the
 * network path could replace the bundle, and with it every key that verifies callers).
 *
 * <p>Every fetch — connect, TLS handshake, headers and body — must complete within the timeout (default 5 s); one
 * that does not is cancelled and its connection closed, so an endpoint that stalls cannot hold a thread, block
 * start-up or stop later refreshes. Responses must be 200 with at most 4 MiB; redirects are not followed. A response
 * that is not a JWK Set counts as a failed refresh.
 *
 * <p><b>First fetch.</b> It happens when the source is built. If it does not complete within the timeout,
 * {@link Builder#build()} throws {@link BundleUnavailableException}. If it completes but fails (an HTTP error, a
 * refused connection, a document that is not a JWK Set), the failure is logged and the source retries; until one
 * succeeds, {@link #bundleFor} throws {@link BundleUnavailableException}.
 *
 * <p><b>Refresh interval.</b> The sooner of the bundle's {@code spiffe_refresh_hint} and the response's
 * {@code Cache-Control: max-age} (less any {@code Age}), or 5 min when there is neither, or the interval set with
 * {@link Builder#refreshInterval}. It is clamped to 1 s .. 1 h: an endpoint that says 0 (or a configured 1 ms) must not
 * turn the source into a fetch loop against it, and an hour bounds how late a rotation is seen. It is also at most half
 * the staleness bound (at least 1 s), so that an endpoint that is up keeps the bundle fresh. {@code Cache-Control:
 * no-store} or {@code no-cache} make the header count for nothing (they are instructions to HTTP caches, and many
 * frameworks send them, with {@code max-age=0}, on every response); the hint decides then.
 *
 * <p><b>Refresh-ahead.</b> A daemon thread owned by the source ({@code lanyard-bundle-schedule-<trust domain>},
 * stopped by {@link #close()}) refreshes the bundle in the background every interval less a random 0..10 % (so that a
 * fleet started at once does not fetch in step), never sooner than 1 s after the last fetch; verifiers never wait on
 * the network. Should the schedule fall behind, {@link #bundleFor} starts a background refresh itself once the interval
 * has passed by the source's clock. Early — at most once per 30 s — a refresh is also started when a verifier meets an
 * unknown key id ({@link #requestRefresh}); a flood of unknown key ids causes no more fetches than that.
 *
 * <p><b>Stale-while-error.</b> A failed refresh keeps serving the last good bundle for at most {@code maxStaleness}
 * (default 1 h) after its fetch, retrying with backoff from 1 s up to the refresh interval, and logs a WARN with the
 * reason and the age of the bundle held (never the response body). Beyond the bound, {@link #bundleFor} throws
 * {@link BundleUnavailableException}: verifiers fail closed, adapters answer 503. The first good fetch after that
 * recovers the source by itself.
 *
 * <p><b>Sequence.</b> A fetched bundle whose {@code spiffe_sequence} is lower than that of the bundle held is refused
 * as a rollback (an old bundle would bring back keys that were removed): it counts as a failed refresh, so the
 * stale-while-error bound applies, is logged at WARN with both numbers and is counted ({@link #refusedRollbacks()}).
 * A bundle with the same sequence but different content is accepted and logged at WARN: SPIRE increments the sequence
 * on every change, so this is an endpoint that does not (refusing it would stop every rotation such an endpoint
 * publishes, while a replayed old bundle carries its lower sequence and is refused anyway). So is a bundle without a
 * sequence after one with.
 *
 * <p>Thread-safe: the current bundle is a volatile field read without locking; at most one background refresh runs at
 * a time (claimed by compare-and-set), and the fetch-state and the schedule are updated under an internal lock.
 */
public final class HttpBundleSource implements BundleSource, AutoCloseable {
  /** How long the last good bundle is served while refreshes fail, unless {@link Builder#maxStaleness} says. */
  public static final Duration DEFAULT_MAX_STALENESS = Duration.ofHours(1);
  /** The shortest refresh interval: a smaller hint, {@code max-age} or configured interval is raised to it. */
  public static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);
  /** The longest refresh interval: a larger hint or {@code max-age} is lowered to it. */
  public static final Duration MAX_REFRESH_INTERVAL = Duration.ofHours(1);
  /** The refresh interval when the endpoint gives neither a refresh hint nor a {@code max-age}. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(5);
  /** The least time between two refreshes started by unknown key ids. */
  public static final Duration UNKNOWN_KEY_REFRESH_SPACING = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(HttpBundleSource.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration WATCHDOG_GRACE = Duration.ofSeconds(1);

  private final TrustDomain trustDomain;
  private final URI uri;
  private final @Nullable Duration refreshInterval;
  private final Duration maxStaleness;
  private final Duration timeout;
  private final Clock clock;
  private final HttpClient client;
  private final ExecutorService executor;
  /** Starts the refresh-ahead; never fetches itself (the executor does), so it is never held up by an endpoint. */
  private final ScheduledThreadPoolExecutor scheduler;
  /**
   * The {@link System#nanoTime()} by which the background refresh in flight must have ended, or null when none is in
   * flight. A refresh past its deadline no longer holds back the next one. Compared by identity.
   */
  private final AtomicReference<@Nullable Long> refreshDeadline = new AtomicReference<>();
  private final long watchdogNanos;
  private final Object lock = new Object();
  private volatile @Nullable TrustBundle bundle;
  private volatile Optional<TrustBundle> bundleOptional = Optional.empty();
  private volatile @Nullable Instant fetchedAt;
  private volatile Instant nextRefresh;
  private final AtomicReference<Instant> lastForcedRefresh = new AtomicReference<>(Instant.MIN);
  private final AtomicLong refusedRollbacks = new AtomicLong();
  private volatile String lastError = "not fetched yet";
  /** The refresh interval in force, and why (guarded by {@link #lock} for writes). */
  private volatile Duration interval;
  private String intervalReason;
  private Duration retryDelay = FIRST_RETRY;
  private @Nullable ScheduledFuture<?> scheduled;
  private boolean closed;

  private HttpBundleSource(Builder b) {
    this.trustDomain = b.trustDomain;
    this.uri = b.uri;
    this.refreshInterval = b.refreshInterval;
    this.maxStaleness = b.maxStaleness;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.client = BundleDocuments.newClient(timeout, b.sslContext);
    this.watchdogNanos = timeout.plus(WATCHDOG_GRACE).toNanos();
    // Two threads at most: the refresh in flight, and one to replace it should it ever overrun its deadline.
    this.executor = new ThreadPoolExecutor(0, 2, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "lanyard-bundle-refresh-" + b.trustDomain);
      t.setDaemon(true);
      return t;
    });
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "lanyard-bundle-schedule-" + b.trustDomain);
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.nextRefresh = clock.instant();
    RefreshSchedule.Interval initial = RefreshSchedule.initial(refreshInterval, maxStaleness);
    this.interval = initial.interval();
    this.intervalReason = initial.reason();
    if (BundleDocuments.isCleartext(uri)) {
      LOG.warn("INSECURE: the trust bundle of {} comes from {} over cleartext http (allowInsecureHttp): anyone on "
          + "the network path can replace the keys that verify callers; use https outside tests", trustDomain, uri);
    }
    Instant started = clock.instant();
    try {
      BundleDocuments.Document document = fetch();
      install(TrustBundle.parse(trustDomain, document.body()), document.freshness(), started);
    } catch (TimedOutException e) {
      executor.shutdownNow();
      scheduler.shutdownNow();
      throw new BundleUnavailableException("the first fetch of the bundle of " + trustDomain + " failed: "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      failed(started, e);
    }
    String reason;
    synchronized (lock) {
      reason = intervalReason;
    }
    LOG.info("trust bundle of {} from {}: {}; refreshed in the background every {} ({}, less up to 10% jitter, "
        + "at least {}); the last good bundle is served for at most {} while refreshes fail", trustDomain, uri,
        fetchedAt != null ? "fetched" : "first fetch failed, retrying", RefreshSchedule.human(interval), reason,
        RefreshSchedule.human(MIN_REFRESH_INTERVAL), RefreshSchedule.human(maxStaleness));
  }

  /**
   * A builder for the bundle of {@code trustDomain} at {@code uri}, an https URL ({@code http} only with
   * {@link Builder#allowInsecureHttp()}).
   */
  public static Builder newBuilder(TrustDomain trustDomain, URI uri) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("bundle endpoint must be an http(s) URL: " + uri);
    }
    if (uri.getRawUserInfo() != null) {
      // Not echoed: the user info is a credential, and a bundle endpoint is public data that needs none.
      throw new IllegalArgumentException("bundle endpoint URL must not carry user info (credentials)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("bundle endpoint has no host: " + uri);
    }
    return new Builder(trustDomain, uri);
  }

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain td) {
    if (!trustDomain.equals(td)) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (!now.isBefore(nextRefresh)) {
      refreshInBackground();
    }
    Instant fetched = fetchedAt;
    if (fetched == null) {
      throw new BundleUnavailableException("the bundle of " + trustDomain + " from " + uri
          + " has not been fetched yet: " + lastError);
    }
    if (now.isAfter(fetched.plus(maxStaleness))) {
      throw new BundleUnavailableException("the bundle of " + trustDomain + " from " + uri + " is stale (last "
          + "fetched " + fetched + "): " + lastError);
    }
    return bundleOptional;
  }

  @Override
  public void requestRefresh(TrustDomain td) {
    if (!trustDomain.equals(td)) {
      return;
    }
    Instant now = clock.instant();
    Instant last = lastForcedRefresh.get();
    if (now.isBefore(last.plus(UNKNOWN_KEY_REFRESH_SPACING))) {
      return;
    }
    // One caller per window wins; the others, racing on the same flood, see the new instant and stop.
    if (lastForcedRefresh.compareAndSet(last, now)) {
      refreshInBackground();
    }
  }

  /** The scheduled refresh-ahead: starts a background refresh, or tries again soon when none could start. */
  private void scheduledRefresh() {
    if (!refreshInBackground()) {
      synchronized (lock) {
        scheduleLocked(FIRST_RETRY);
      }
    }
  }

  /**
   * Starts a refresh on the executor unless one is in flight (which will schedule the next itself).
   *
   * @return false when none is in flight and none could be started
   */
  private boolean refreshInBackground() {
    Long current = refreshDeadline.get();
    long now = System.nanoTime();
    if (current != null && now - current < 0) {
      return true;
    }
    Long mine = now + watchdogNanos;
    if (!refreshDeadline.compareAndSet(current, mine)) {
      return true;
    }
    if (current != null) {
      LOG.warn("a refresh of the trust bundle of {} from {} overran its deadline; starting another", trustDomain,
          uri);
    }
    try {
      executor.execute(() -> {
        try {
          refresh();
        } finally {
          refreshDeadline.compareAndSet(mine, null);
        }
      });
    } catch (RejectedExecutionException e) {
      refreshDeadline.compareAndSet(mine, null);
      return false;
    }
    return true;
  }

  /**
   * Fetches the bundle now, on the calling thread, within the timeout.
   *
   * @return true when a good bundle was fetched and is now held
   */
  public boolean refresh() {
    Instant started = clock.instant();
    try {
      BundleDocuments.Document document = fetch();
      return install(TrustBundle.parse(trustDomain, document.body()), document.freshness(), started);
    } catch (RuntimeException e) {
      failed(started, e);
      return false;
    }
  }

  /** Holds {@code fresh} unless it rolls the sequence back; false (a failed refresh) when it does. */
  private boolean install(TrustBundle fresh, Optional<Duration> freshness, Instant started) {
    String warning = null;
    String intervalChange = null;
    synchronized (lock) {
      TrustBundle previous = bundle;
      switch (SequenceCheck.of(previous, fresh)) {
        case ROLLBACK -> {
          refusedRollbacks.incrementAndGet();
          String problem = "the endpoint sent spiffe_sequence " + fresh.sequence().orElse(-1) + ", lower than "
              + sequenceOf(previous) + " of the bundle held; refused as a rollback";
          warning = failedLocked(started, problem);
        }
        case CHANGED_WITHOUT_NEW_SEQUENCE -> LOG.warn(
            "the trust bundle of {} from {} changed without a new spiffe_sequence ({}); accepted", trustDomain, uri,
            fresh.sequence().orElse(-1));
        case SEQUENCE_DROPPED -> LOG.warn(
            "the trust bundle of {} from {} no longer has a spiffe_sequence (was {}); accepted", trustDomain, uri,
            sequenceOf(previous));
        case ACCEPTED -> { }
      }
      if (warning == null) {
        if (previous == null || !previous.equals(fresh)) {
          bundle = fresh;
          bundleOptional = Optional.of(fresh);
          for (SkippedKey skipped : fresh.skippedKeys()) {
            LOG.warn("trust bundle of {} from {}: {}", trustDomain, uri, skipped);
          }
        }
        boolean first = fetchedAt == null;
        fetchedAt = started;
        retryDelay = FIRST_RETRY;
        lastError = "none";
        Duration before = interval;
        String reasonBefore = intervalReason;
        chooseIntervalLocked(fresh, freshness);
        if (!first && (!before.equals(interval) || !reasonBefore.equals(intervalReason))) {
          intervalChange = RefreshSchedule.human(interval) + " (" + intervalReason + ")";
        }
        nextRefresh = started.plus(interval);
        scheduleLocked(RefreshSchedule.jittered(interval));
      }
    }
    if (warning != null) {
      LOG.warn(warning);
      return false;
    }
    if (intervalChange != null) {
      LOG.info("trust bundle of {} from {}: now refreshed every {}", trustDomain, uri, intervalChange);
    }
    return true;
  }

  private static long sequenceOf(@Nullable TrustBundle bundle) {
    return bundle == null ? -1 : bundle.sequence().orElse(-1);
  }

  /** Sets the refresh interval in force from the fetched bundle's hint and the response's {@code max-age}. */
  private void chooseIntervalLocked(TrustBundle fresh, Optional<Duration> freshness) {
    if (refreshInterval != null) {
      return;
    }
    RefreshSchedule.Interval chosen =
        RefreshSchedule.fetched(fresh.refreshHint().orElse(null), freshness.orElse(null), maxStaleness);
    interval = chosen.interval();
    intervalReason = chosen.reason();
  }

  /** Replaces the scheduled refresh-ahead with one after {@code delay}; nothing once closed. */
  private void scheduleLocked(Duration delay) {
    if (closed) {
      return;
    }
    ScheduledFuture<?> previous = scheduled;
    if (previous != null) {
      previous.cancel(false);
    }
    try {
      scheduled = scheduler.schedule(this::scheduledRefresh, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      scheduled = null;
    }
  }

  private void failed(Instant started, RuntimeException e) {
    String problem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    String warning;
    synchronized (lock) {
      warning = failedLocked(started, problem);
    }
    LOG.warn(warning);
  }

  /** Records a failed refresh and schedules the retry; returns the WARN to log (outside the lock). */
  private String failedLocked(Instant started, String problem) {
    lastError = problem;
    Duration retry = retryDelay;
    nextRefresh = started.plus(retry);
    scheduleLocked(RefreshSchedule.jittered(retry));
    retryDelay = RefreshSchedule.nextRetry(retry, interval, FIRST_RETRY);
    Instant fetched = fetchedAt;
    String held;
    if (fetched == null) {
      held = "no bundle held yet: verifications that need it fail until a fetch succeeds";
    } else {
      Duration age = Duration.between(fetched, started);
      Duration left = maxStaleness.minus(age);
      held = left.isNegative() ? "the bundle held was fetched " + RefreshSchedule.human(age) + " ago, beyond the staleness bound of "
          + RefreshSchedule.human(maxStaleness) + ": verifications that need it fail"
          : "serving the bundle held, fetched " + RefreshSchedule.human(age) + " ago, for at most " + RefreshSchedule.human(left) + " more";
    }
    return "refreshing the trust bundle of " + trustDomain + " from " + uri + " failed: " + problem + "; " + held
        + "; next attempt in " + RefreshSchedule.human(retry);
  }

  private BundleDocuments.Document fetch() {
    try {
      return BundleDocuments.fetchDocument(client, uri, timeout, TrustBundle.MAX_DOCUMENT_LENGTH);
    } catch (BundleDocuments.FetchException e) {
      String message = Objects.requireNonNullElse(e.getMessage(), "bundle fetch failed");
      throw e.timedOut() ? new TimedOutException(message, e) : new BundleUnavailableException(message, e);
    }
  }

  /** A fetch that did not complete within its deadline (the exchange was abandoned and its connection closed). */
  private static final class TimedOutException extends BundleUnavailableException {
    private static final long serialVersionUID = 1L;

    TimedOutException(String message, Throwable cause) {
      super(message, cause);
    }
  }


  /** When the current bundle was fetched, if ever. */
  public Optional<Instant> lastFetched() {
    return Optional.ofNullable(fetchedAt);
  }

  /**
   * The refresh interval in force: from the last fetched bundle's hint or {@code max-age}, or configured, within the
   * bounds (see the class description).
   */
  public Duration refreshInterval() {
    return interval;
  }

  /** How many fetched bundles were refused because their {@code spiffe_sequence} was lower than the one held. */
  public long refusedRollbacks() {
    return refusedRollbacks.get();
  }

  /** Stops the refresh-ahead and any refresh in flight; the bundle held is still handed out within its bound. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      ScheduledFuture<?> pending = scheduled;
      if (pending != null) {
        pending.cancel(false);
      }
      scheduled = null;
    }
    scheduler.shutdownNow();
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "HttpBundleSource[" + trustDomain + ", " + uri + "]";
  }

  /** Builds an {@link HttpBundleSource}. */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private final URI uri;
    private @Nullable Duration refreshInterval;
    private Duration maxStaleness = DEFAULT_MAX_STALENESS;
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private @Nullable SSLContext sslContext;
    private boolean allowInsecureHttp;

    private Builder(TrustDomain trustDomain, URI uri) {
      this.trustDomain = trustDomain;
      this.uri = uri;
    }

    /**
     * A fixed refresh interval, in place of the endpoint's refresh hint and {@code max-age} (default: the sooner of
     * those, 5 min without either). Raised to 1 s when shorter, and at most half the staleness bound.
     */
    public Builder refreshInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("refresh interval must be positive");
      }
      this.refreshInterval = interval;
      return this;
    }

    /**
     * How long the last good bundle is served while refreshes fail, counted from its fetch (default
     * {@link #DEFAULT_MAX_STALENESS}, 1 h); beyond it {@link #bundleFor} throws {@link BundleUnavailableException}.
     */
    public Builder maxStaleness(Duration maxStaleness) {
      Objects.requireNonNull(maxStaleness, "maxStaleness");
      if (maxStaleness.isNegative()) {
        throw new IllegalArgumentException("max staleness must not be negative");
      }
      this.maxStaleness = maxStaleness;
      return this;
    }

    /**
     * The deadline of each whole fetch: connect, TLS handshake, headers and body (default 5 s). A first fetch that
     * misses it fails {@link #build()}.
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** TLS settings for an https endpoint (the JDK's defaults otherwise). */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * INSECURE: accepts a cleartext {@code http} endpoint, whose bundle anyone on the network path can replace. For
     * tests and loopback only; the source logs a WARN when it starts. Has no effect on an https endpoint.
     *
     * @throws IllegalStateException when called twice
     */
    public Builder allowInsecureHttp() {
      if (allowInsecureHttp) {
        throw new IllegalStateException("allowInsecureHttp() was already called");
      }
      this.allowInsecureHttp = true;
      return this;
    }

    /**
     * Builds the source and fetches the bundle once, within the timeout. A first fetch that completes but fails is
     * logged, and the source retries.
     *
     * @throws IllegalStateException when the endpoint is cleartext http and {@link #allowInsecureHttp()} was not called
     * @throws BundleUnavailableException when the first fetch does not complete within the timeout
     */
    public HttpBundleSource build() {
      BundleDocuments.requireHttps("bundle endpoint", uri, allowInsecureHttp);
      return new HttpBundleSource(this);
    }
  }
}
