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
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle of one trust domain fetched from a SPIFFE bundle endpoint over HTTP(S), kept current.
 *
 * <p>The first fetch happens when the source is built; until one succeeds, {@link #bundleFor} throws
 * {@link BundleUnavailableException}. Afterwards the bundle is refreshed in the background, ahead of use, every
 * refresh interval (the bundle's {@code spiffe_refresh_hint} clamped to 30 s .. 1 h, or the configured interval), and
 * early — at most once per 30 s — when a verifier meets an unknown key id. A failed refresh keeps serving the last
 * good bundle (stale-while-error) for at most {@code maxStaleness} after its fetch, retrying with backoff from 1 s;
 * beyond that the source throws {@link BundleUnavailableException} (adapters answer 503). Responses must be 200 with
 * at most 4 MiB; redirects are not followed. A response that is not a JWK Set counts as a failed refresh.
 */
public final class HttpBundleSource implements BundleSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpBundleSource.class);
  private static final Duration MIN_REFRESH = Duration.ofSeconds(30);
  private static final Duration MAX_REFRESH = Duration.ofHours(1);
  private static final Duration FORCED_REFRESH_SPACING = Duration.ofSeconds(30);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  private final TrustDomain trustDomain;
  private final URI uri;
  private final Duration refreshInterval;
  private final Duration maxStaleness;
  private final Duration timeout;
  private final Clock clock;
  private final HttpClient client;
  private final ExecutorService executor;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final Object lock = new Object();
  private volatile TrustBundle bundle;
  private volatile Optional<TrustBundle> bundleOptional = Optional.empty();
  private volatile Instant fetchedAt;
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
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lanyard-bundle-refresh-" + b.trustDomain);
      t.setDaemon(true);
      return t;
    });
    this.nextRefresh = clock.instant();
    refresh();
  }

  /** A builder for the bundle of {@code trustDomain} at {@code uri} (http or https). */
  public static Builder newBuilder(TrustDomain trustDomain, URI uri) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("bundle endpoint must be an http(s) URL: " + uri);
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
    if (refreshing.compareAndSet(false, true)) {
      try {
        executor.execute(() -> {
          try {
            refresh();
          } finally {
            refreshing.set(false);
          }
        });
      } catch (RuntimeException e) {
        refreshing.set(false);
      }
    }
  }

  /**
   * Fetches the bundle now, on the calling thread.
   *
   * @return true when a good bundle was fetched
   */
  public boolean refresh() {
    Instant started = clock.instant();
    try {
      TrustBundle fresh = TrustBundle.parse(trustDomain, fetch());
      synchronized (lock) {
        TrustBundle previous = bundle;
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
    } catch (BundleFormatException | BundleUnavailableException e) {
      synchronized (lock) {
        lastError = e.getMessage();
        nextRefresh = started.plus(retryDelay);
        retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : retryDelay.multipliedBy(2);
      }
      LOG.warn("refreshing the trust bundle of {} from {} failed: {}", trustDomain, uri, e.getMessage());
      return false;
    }
  }

  private String fetch() {
    return BundleDocuments.fetch(client, uri, timeout);
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
    private Duration refreshInterval;
    private Duration maxStaleness = Duration.ofHours(1);
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private SSLContext sslContext;

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

    /** Connect and request timeout (default 5 s). */
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

    /** Builds the source and fetches the bundle once (a failure is logged; the source retries). */
    public HttpBundleSource build() {
      return new HttpBundleSource(this);
    }
  }
}
