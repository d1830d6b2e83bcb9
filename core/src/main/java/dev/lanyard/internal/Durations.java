package dev.lanyard.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Durations as written in configuration: {@code 90s}, {@code 5m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT5M}). */
public final class Durations {
  private Durations() {}

  /**
   * Parses a non-negative duration.
   *
   * @throws IllegalArgumentException naming the accepted forms when {@code text} is not one
   */
  public static Duration parse(String text) {
    String v = text.strip();
    try {
      Duration d = null;
      if (v.length() >= 2 && (v.charAt(0) == 'P' || v.charAt(0) == 'p')) {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      } else if (v.length() >= 2 && Character.isDigit(v.charAt(0))) {
        long amount = Long.parseLong(v.substring(0, v.length() - 1));
        switch (v.charAt(v.length() - 1)) {
          case 's':
            d = Duration.ofSeconds(amount);
            break;
          case 'm':
            d = Duration.ofMinutes(amount);
            break;
          case 'h':
            d = Duration.ofHours(amount);
            break;
          case 'd':
            d = Duration.ofDays(amount);
            break;
          default:
            break;
        }
      }
      if (d != null && !d.isNegative()) {
        return d;
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // fall through
    }
    throw new IllegalArgumentException("'" + text + "' is not a duration (use 90s, 5m, 1h, 2d or ISO-8601 like PT5M)");
  }
}
