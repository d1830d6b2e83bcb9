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
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * start-up or stop later refreshes.
 *
 * <p>The first fetch happens when the source is built. If it does not complete within the timeout,
 * {@link Builder#build()} throws {@link BundleUnavailableException}. If it completes but fails (an HTTP error, a
 * refused connection, a document that is not a JWK Set), the failure is logged and the source retries; until one
 * succeeds, {@link #bundleFor} throws {@link BundleUnavailableException}. Afterwards the bundle is refreshed in the
 * background, ahead of use, every refresh interval (the bundle's {@code spiffe_refresh_hint} clamped to 30 s .. 1 h,
 * or the configured interval), and early — at most once per 30 s — when a verifier meets an unknown key id. A
 * failed refresh keeps serving the last good bundle (stale-while-error) for at most {@code maxStaleness} after its
 * fetch, retrying with backoff from 1 s; beyond that the source throws {@link BundleUnavailableException} (adapters
 * answer 503). Responses must be 200 with at most 4 MiB; redirects are not followed. A response that is not a JWK
 * Set counts as a failed refresh.
 *
 * <p>A fetched bundle whose {@code spiffe_sequence} is lower than that of the bundle held is refused as a rollback
 * (an old bundle would bring back keys that were removed): it counts as a failed refresh, so the stale-while-error
 * bound applies, and is logged at WARN with both numbers. A bundle with the same sequence but different content is
 * accepted (the endpoint is the authority on its content; SPIRE increments the sequence on every change) and logged at
 * WARN; so is a bundle without a sequence after one with (a replayed old bundle would carry its old sequence).
 *
 * <p>Thread-safe: the current bundle is a volatile field read without locking; at most one background refresh runs at
 * a time (claimed by compare-and-set), and the fetch-state is updated under an internal lock.
 */
public final class HttpBundleSource implements BundleSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpBundleSource.class);
  private static final Duration MIN_REFRESH = Duration.ofSeconds(30);
  private static final Duration MAX_REFRESH = Duration.ofHours(1);
  private static final Duration FORCED_REFRESH_SPACING = Duration.ofSeconds(30);
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
  private volatile Instant lastForcedRefresh = Instant.MIN;
  private volatile String lastError = "not fetched yet";
  private Duration retryDelay = FIRST_RETRY;

  private HttpBundleSource(Builder b) {
    this.trustDomain = b.trustDomain;
    this.uri = b.uri;
    this.refreshInterval = b.refreshInterval;
    this.maxStaleness = b.maxStaleness;
    this.timeout = b.timeout;
    this.clock = b.clock;
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (b.sslContext != null) {
      http.sslContext(b.sslContext);
    }
    this.client = http.build();
    this.watchdogNanos = timeout.plus(WATCHDOG_GRACE).toNanos();
    // Two threads at most: the refresh in flight, and one to replace it should it ever overrun its deadline.
    this.executor = new ThreadPoolExecutor(0, 2, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "lanyard-bundle-refresh-" + b.trustDomain);
      t.setDaemon(true);
      return t;
    });
    this.nextRefresh = clock.instant();
    if (BundleDocuments.isCleartext(uri)) {
      LOG.warn("INSECURE: the trust bundle of {} comes from {} over cleartext http (allowInsecureHttp): anyone on "
          + "the network path can replace the keys that verify callers; use https outside tests", trustDomain, uri);
    }
    Instant started = clock.instant();
    try {
      install(TrustBundle.parse(trustDomain, fetch()), started);
    } catch (TimedOutException e) {
      executor.shutdownNow();
      throw new BundleUnavailableException("the first fetch of the bundle of " + trustDomain + " failed: "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      failed(started, e);
    }
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
    if (!now.isBefore(lastForcedRefresh.plus(FORCED_REFRESH_SPACING))) {
      lastForcedRefresh = now;
      refreshInBackground();
    }
  }

  private void refreshInBackground() {
    Long current = refreshDeadline.get();
    long now = System.nanoTime();
    if (current != null && now - current < 0) {
      return;
    }
    Long mine = now + watchdogNanos;
    if (!refreshDeadline.compareAndSet(current, mine)) {
      return;
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
    }
  }

  /**
   * Fetches the bundle now, on the calling thread, within the timeout.
   *
   * @return true when a good bundle was fetched and is now held
   */
  public boolean refresh() {
    Instant started = clock.instant();
    try {
      return install(TrustBundle.parse(trustDomain, fetch()), started);
    } catch (RuntimeException e) {
      failed(started, e);
      return false;
    }
  }

  /** Holds {@code fresh} unless it rolls the sequence back; false (a failed refresh) when it does. */
  private boolean install(TrustBundle fresh, Instant started) {
    synchronized (lock) {
      TrustBundle previous = bundle;
      if (previous != null && !previous.equals(fresh)) {
        long held = previous.sequence().orElse(-1);
        long got = fresh.sequence().orElse(-1);
        if (got >= 0 && got < held) {
          String problem = "the endpoint sent spiffe_sequence " + got + ", lower than " + held + " of the bundle held; "
              + "refused as a rollback";
          LOG.warn("refreshing the trust bundle of {} from {} failed: {}", trustDomain, uri, problem);
          failedLocked(started, problem);
          return false;
        }
        if (got >= 0 && got == held) {
          LOG.warn("the trust bundle of {} from {} changed without a new spiffe_sequence ({}); accepted", trustDomain,
              uri, got);
        } else if (got < 0 && held >= 0) {
          LOG.warn("the trust bundle of {} from {} no longer has a spiffe_sequence (was {}); accepted", trustDomain,
              uri, held);
        }
      }
      if (previous == null || !previous.equals(fresh)) {
        bundle = fresh;
        bundleOptional = Optional.of(fresh);
        for (SkippedKey skipped : fresh.skippedKeys()) {
          LOG.warn("trust bundle of {} from {}: {}", trustDomain, uri, skipped);
        }
      }
      fetchedAt = started;
      retryDelay = FIRST_RETRY;
      Duration interval = refreshInterval != null ? refreshInterval
          : clamp(fresh.refreshHint().orElse(Duration.ofMinutes(5)));
      nextRefresh = started.plus(interval);
      lastError = "none";
    }
    return true;
  }

  private void failed(Instant started, RuntimeException e) {
    String problem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    synchronized (lock) {
      failedLocked(started, problem);
    }
    LOG.warn("refreshing the trust bundle of {} from {} failed: {}", trustDomain, uri, problem);
  }

  private void failedLocked(Instant started, String problem) {
    lastError = problem;
    nextRefresh = started.plus(retryDelay);
    retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : retryDelay.multipliedBy(2);
  }

  private String fetch() {
    try {
      return BundleDocuments.fetch(client, uri, timeout, TrustBundle.MAX_DOCUMENT_LENGTH);
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


  private static Duration clamp(Duration hint) {
    return hint.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH : hint.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : hint;
  }

  /** When the current bundle was fetched, if ever. */
  public Optional<Instant> lastFetched() {
    return Optional.ofNullable(fetchedAt);
  }

  /** Stops background refreshes. */
  @Override
  public void close() {
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
    private Duration maxStaleness = Duration.ofHours(1);
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private @Nullable SSLContext sslContext;
    private boolean allowInsecureHttp;

    private Builder(TrustDomain trustDomain, URI uri) {
      this.trustDomain = trustDomain;
      this.uri = uri;
    }

    /** Fixed refresh interval (default: the bundle's refresh hint, clamped to 30 s .. 1 h; 5 min without one). */
    public Builder refreshInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("refresh interval must be positive");
      }
      this.refreshInterval = interval;
      return this;
    }

    /** How long the last good bundle is served while refreshes fail (default 1 h). */
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
      if (BundleDocuments.isCleartext(uri) && !allowInsecureHttp) {
        throw new IllegalStateException("bundle endpoint " + uri + " is cleartext http: use https (or, for tests "
            + "only, allowInsecureHttp())");
      }
      return new HttpBundleSource(this);
    }
  }
}
