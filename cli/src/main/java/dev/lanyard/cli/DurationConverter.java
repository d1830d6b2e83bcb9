package dev.lanyard.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as {@code 90s}, {@code 5m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT5M}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.strip();
    try {
      if (v.length() >= 2 && (v.charAt(0) == 'P' || v.charAt(0) == 'p')) {
        return positive(Duration.parse(v.toUpperCase(Locale.ROOT)), value);
      }
      if (v.length() >= 2) {
        long amount = Long.parseLong(v.substring(0, v.length() - 1));
        switch (v.charAt(v.length() - 1)) {
          case 's':
            return positive(Duration.ofSeconds(amount), value);
          case 'm':
            return positive(Duration.ofMinutes(amount), value);
          case 'h':
            return positive(Duration.ofHours(amount), value);
          case 'd':
            return positive(Duration.ofDays(amount), value);
          default:
            break;
        }
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // fall through to the error below
    }
    throw new CommandLine.TypeConversionException(
        "'" + value + "' is not a duration (use 90s, 5m, 1h, 2d or ISO-8601 like PT5M)");
  }

  private static Duration positive(Duration d, String value) {
    if (d.isNegative()) {
      throw new CommandLine.TypeConversionException("'" + value + "' is negative");
    }
    return d;
  }
}
