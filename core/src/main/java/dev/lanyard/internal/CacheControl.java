package dev.lanyard.internal;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How long a fetched bundle document stays fresh by its HTTP response headers (RFC 9111): {@code Cache-Control}
 * {@code max-age}, less the {@code Age} a cache in between has added.
 *
 * <p>{@code no-store} and {@code no-cache} make the whole header say nothing: they tell HTTP caches not to keep or
 * reuse the response, which is about caches, not about how often a bundle consumer should look again. Frameworks send
 * them by default ({@code Cache-Control: no-cache, no-store, max-age=0, must-revalidate} from Spring Security), so
 * reading them as "refresh all the time" would turn an ordinary endpoint into a fetch loop; the bundle's own
 * {@code spiffe_refresh_hint} then decides. Of several {@code max-age} directives the smallest counts; one whose value is
 * not a non-negative integer (quoted or not) is ignored.
 *
 * <p>Thread-safe: stateless.
 */
public final class CacheControl {
  private static final long MAX_SECONDS = 100L * 365 * 24 * 3600;

  private CacheControl() {}

  /**
   * The freshness lifetime the headers give, or empty when they give none.
   *
   * @param cacheControl every {@code Cache-Control} header value of the response
   * @param age every {@code Age} header value of the response
   */
  public static Optional<Duration> freshness(List<String> cacheControl, List<String> age) {
    long maxAge = -1;
    for (String header : cacheControl) {
      for (String directive : header.split(",", -1)) {
        String d = directive.strip();
        int eq = d.indexOf('=');
        String name = (eq < 0 ? d : d.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
        if (name.equals("no-store") || name.equals("no-cache")) {
          return Optional.empty();
        }
        if (name.equals("max-age") && eq >= 0) {
          long seconds = seconds(d.substring(eq + 1));
          if (seconds >= 0 && (maxAge < 0 || seconds < maxAge)) {
            maxAge = seconds;
          }
        }
      }
    }
    if (maxAge < 0) {
      return Optional.empty();
    }
    long aged = age.isEmpty() ? 0 : Math.max(0, seconds(age.get(0)));
    return Optional.of(Duration.ofSeconds(Math.max(0, maxAge - aged)));
  }

  /** Delta-seconds (optionally quoted), capped; -1 when not a non-negative integer. */
  private static long seconds(@Nullable String text) {
    if (text == null) {
      return -1;
    }
    String v = text.strip();
    if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
      v = v.substring(1, v.length() - 1);
    }
    if (v.isEmpty() || v.length() > 19) {
      return v.isEmpty() ? -1 : allDigits(v) ? MAX_SECONDS : -1;
    }
    if (!allDigits(v)) {
      return -1;
    }
    return Math.min(Long.parseLong(v), MAX_SECONDS);
  }

  private static boolean allDigits(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
