package dev.lanyard.examples.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock, shifted by an offset the driver sets for a moment: it mints one token "ten minutes ago" to show
 * an expired token being refused.
 *
 * <p>Thread-safe: the offset is volatile.
 */
final class ShiftableClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  void shift(Duration offset) {
    this.offset = offset;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("UTC only");
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }
}
