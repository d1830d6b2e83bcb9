package dev.lanyard.cli;

import java.time.Duration;
import java.time.Instant;

/** Durations and deadlines as the CLI prints them for people: {@code 1h5m}, {@code 2m30s}, {@code (in 42s)}. */
final class TimeText {
  private TimeText() {}

  /** {@code d} in whole hours and minutes, minutes and seconds, or seconds, e.g. {@code 1h5m}, {@code 2m30s}. */
  static String human(Duration d) {
    long s = d.getSeconds();
    return s >= 3600 ? (s / 3600) + "h" + (s % 3600) / 60 + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s"
        : s + "s";
  }

  /** How far {@code deadline} is from {@code now}: {@code " (in 5m0s)"}, or {@code " (expired 1h2m ago)"} past it. */
  static String untilOrAgo(Instant deadline, Instant now) {
    Duration left = Duration.between(now, deadline);
    return left.isNegative() ? " (expired " + human(left.negated()) + " ago)" : " (in " + human(left) + ")";
  }
}
