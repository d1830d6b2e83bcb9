package dev.lanyard.servlet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The system clock shifted by an offset tests set: lets an authority mint already expired or not yet valid tokens
 * while a filter under test runs on the real clock. Thread-safe.
 */
final class OffsetClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  /** Shifts the clock to {@code offset} from the system clock. */
  void set(Duration offset) {
    this.offset = Objects.requireNonNull(offset, "offset");
  }

  /** The current offset from the system clock. */
  Duration offset() {
    return offset;
  }

  /** Runs {@code action} with the clock shifted by {@code offset}, then shifts it back to the system clock. */
  <T> T at(Duration offset, java.util.function.Supplier<T> action) {
    set(offset);
    try {
      return action.get();
    } finally {
      set(Duration.ZERO);
    }
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("an OffsetClock is always UTC");
  }

  @Override
  public String toString() {
    return "OffsetClock[" + offset + "]";
  }
}
