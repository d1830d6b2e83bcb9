package dev.lanyard.trust;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * When an {@link HttpBundleSource} refreshes, as pure functions of its settings and what the endpoint said: the
 * interval from a configured interval, the bundle's {@code spiffe_refresh_hint} and the response's
 * {@code Cache-Control max-age} (the sooner of the two), bounded to {@link HttpBundleSource#MIN_REFRESH_INTERVAL} ..
 * {@link HttpBundleSource#MAX_REFRESH_INTERVAL} and to half the staleness bound, with the reason people read in the
 * logs; the retry back-off; the jitter. No clock, no network: testable without a server.
 *
 * <p>Thread-safe: stateless.
 */
final class RefreshSchedule {
  private static final Duration MIN = HttpBundleSource.MIN_REFRESH_INTERVAL;
  private static final Duration MAX = HttpBundleSource.MAX_REFRESH_INTERVAL;
  private static final double JITTER = 0.1;

  private RefreshSchedule() {}

  /** A refresh interval and why it is the one in force. */
  record Interval(Duration interval, String reason) {}

  /** The interval before any bundle is fetched: the configured one, else the default. */
  static Interval initial(@Nullable Duration configured, Duration maxStaleness) {
    if (configured != null) {
      Duration used = bounded(configured, maxStaleness);
      return new Interval(used, "configured " + human(configured) + limits(configured, used));
    }
    Duration used = bounded(HttpBundleSource.DEFAULT_REFRESH_INTERVAL, maxStaleness);
    return new Interval(used, "default until a bundle is fetched"
        + limits(HttpBundleSource.DEFAULT_REFRESH_INTERVAL, used));
  }

  /**
   * The interval after a fetch that gave {@code hint} and {@code maxAge} (either may be absent): the sooner of the
   * two, else the default, bounded.
   */
  static Interval fetched(@Nullable Duration hint, @Nullable Duration maxAge, Duration maxStaleness) {
    Duration wanted;
    String why;
    if (maxAge != null && (hint == null || maxAge.compareTo(hint) < 0)) {
      wanted = maxAge;
      why = "Cache-Control max-age " + human(maxAge)
          + (hint == null ? "" : ", sooner than spiffe_refresh_hint " + human(hint));
    } else if (hint != null) {
      wanted = hint;
      why = "spiffe_refresh_hint " + human(hint);
    } else {
      wanted = HttpBundleSource.DEFAULT_REFRESH_INTERVAL;
      why = "default: no spiffe_refresh_hint or Cache-Control max-age";
    }
    Duration used = bounded(wanted, maxStaleness);
    return new Interval(used, why + limits(wanted, used));
  }

  /** {@code wanted} within 1 s .. 1 h and at most half the staleness bound (never under 1 s). */
  static Duration bounded(Duration wanted, Duration maxStaleness) {
    Duration d = wanted.compareTo(MIN) < 0 ? MIN : wanted.compareTo(MAX) > 0 ? MAX : wanted;
    Duration half = maxStaleness.dividedBy(2);
    if (d.compareTo(half) > 0) {
      d = half.compareTo(MIN) < 0 ? MIN : half;
    }
    return d;
  }

  /** The retry delay after a failed attempt that waited {@code retry}: doubled, at most the interval (or 1 s). */
  static Duration nextRetry(Duration retry, Duration interval, Duration firstRetry) {
    Duration cap = interval.compareTo(firstRetry) > 0 ? interval : firstRetry;
    Duration doubled = retry.multipliedBy(2);
    return doubled.compareTo(cap) > 0 ? cap : doubled;
  }

  /** Says why {@code used} differs from {@code wanted}, if it does. */
  private static String limits(Duration wanted, Duration used) {
    if (used.equals(wanted)) {
      return "";
    }
    if (used.equals(MIN) && wanted.compareTo(MIN) < 0) {
      return ", raised to the " + human(MIN) + " minimum";
    }
    if (used.equals(MAX)) {
      return ", lowered to the " + human(MAX) + " maximum";
    }
    return ", lowered to half the staleness bound";
  }

  /** {@code d} less a random 0..10 %, never under the minimum interval. */
  static Duration jittered(Duration d) {
    long nanos = d.toNanos();
    long less = (long) (nanos * JITTER * ThreadLocalRandom.current().nextDouble());
    return Duration.ofNanos(Math.max(nanos - less, MIN.toNanos()));
  }

  /** A duration for people: {@code 1h30m}, {@code 2s}, {@code 250ms}. */
  static String human(Duration d) {
    if (d.isNegative()) {
      return "-" + human(d.negated());
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    long seconds = d.getSeconds();
    StringBuilder out = new StringBuilder();
    if (seconds >= 86_400) {
      out.append(seconds / 86_400).append('d');
    }
    if (seconds % 86_400 >= 3600) {
      out.append(seconds % 86_400 / 3600).append('h');
    }
    if (seconds % 3600 >= 60) {
      out.append(seconds % 3600 / 60).append('m');
    }
    if (seconds % 60 != 0) {
      out.append(seconds % 60).append('s');
    }
    return out.toString();
  }
}
