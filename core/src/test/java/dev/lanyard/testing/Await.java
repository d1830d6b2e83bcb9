package dev.lanyard.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition instead of sleeping for a guessed time: polls it, briefly, until it holds or the timeout
 * passes. Thread-safe: no state.
 */
public final class Await {
  private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

  private Await() {}

  /**
   * Returns once {@code condition} holds; fails with {@code what} when it still does not after {@code timeout}.
   *
   * @throws AssertionError when the condition does not hold in time
   */
  public static void until(String what, BooleanSupplier condition, Duration timeout) {
    if (!holdsWithin(condition, timeout)) {
      throw new AssertionError("not within " + timeout + ": " + what);
    }
  }

  /**
   * Whether {@code condition} holds within {@code timeout}: true as soon as it does, false once the timeout passed
   * (checked one last time then). Interruption ends the wait early (false) with the interrupt flag kept.
   */
  public static boolean holdsWithin(BooleanSupplier condition, Duration timeout) {
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      LockSupport.parkNanos(POLL_NANOS);
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
    }
    return condition.getAsBoolean();
  }
}
