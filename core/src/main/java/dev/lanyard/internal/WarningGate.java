package dev.lanyard.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets a warning through at most once per period, for faults a request or event can repeat at any rate (a failing
 * audit sink, a full queue, a bundle outage): the first one passes at once, then one per period; callers count what
 * they hold back. Lock-free.
 *
 * <p>Thread-safe: when several threads ask at once as a period ends, exactly one of them is let through.
 */
public final class WarningGate {
  private final long periodNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong lastOpened;

  WarningGate(Duration period, LongSupplier nanoTime) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("the period must be positive");
    }
    this.periodNanos = period.toNanos();
    this.nanoTime = nanoTime;
    this.lastOpened = new AtomicLong(nanoTime.getAsLong() - periodNanos);
  }

  /** A gate that opens at most once per {@code period}, on {@link System#nanoTime()}. */
  public static WarningGate every(Duration period) {
    return new WarningGate(period, System::nanoTime);
  }

  /** True (and the period restarted) when the gate last opened at least a period ago, or never. */
  public boolean open() {
    long now = nanoTime.getAsLong();
    long last = lastOpened.get();
    return now - last >= periodNanos && lastOpened.compareAndSet(last, now);
  }
}
