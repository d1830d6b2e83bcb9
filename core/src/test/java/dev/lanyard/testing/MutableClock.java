package dev.lanyard.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The one test clock of all modules: a base clock plus an offset tests move. Two kinds:
 *
 * <ul>
 *   <li>{@code new MutableClock(start)} stands still at {@code start} and only moves when told to ({@link #advance},
 *       {@link #set(Instant)}): for every time rule, exactly at its boundary;
 *   <li>{@link #systemUtc()} follows the system clock, shifted by an offset tests set ({@link #setOffset},
 *       {@link #at}): lets an authority mint already expired or not yet valid tokens while the code under test runs
 *       on the real clock.
 * </ul>
 *
 * <p>Always UTC. Thread-safe: the offset is one volatile field, and {@link #advance} is atomic.
 */
public final class MutableClock extends Clock {
  private final Clock base;
  private volatile Duration offset = Duration.ZERO;

  /** A clock standing at {@code start}. */
  public MutableClock(Instant start) {
    this(Clock.fixed(Objects.requireNonNull(start, "start"), ZoneOffset.UTC));
  }

  private MutableClock(Clock base) {
    this.base = base;
  }

  /** A clock that reads the system UTC clock, shifted by an offset that starts at zero. */
  public static MutableClock systemUtc() {
    return new MutableClock(Clock.systemUTC());
  }

  /** Moves the clock forward (or back, with a negative duration). */
  public synchronized void advance(Duration duration) {
    offset = offset.plus(Objects.requireNonNull(duration, "duration"));
  }

  /** Sets the clock to read {@code instant} now (a {@link #systemUtc()} clock goes on ticking from there). */
  public synchronized void set(Instant instant) {
    offset = Duration.between(base.instant(), Objects.requireNonNull(instant, "instant"));
  }

  /** Shifts the clock to {@code offset} from its base: from its start, or from the system clock. */
  public void setOffset(Duration offset) {
    this.offset = Objects.requireNonNull(offset, "offset");
  }

  /** The current offset from the base: from the start, or from the system clock. */
  public Duration offset() {
    return offset;
  }

  /** Runs {@code action} with the clock shifted to {@code offset}, then shifts it back to a zero offset. */
  public <T> T at(Duration offset, Supplier<T> action) {
    setOffset(offset);
    try {
      return action.get();
    } finally {
      setOffset(Duration.ZERO);
    }
  }

  @Override
  public Instant instant() {
    return base.instant().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a MutableClock is always UTC");
  }

  @Override
  public String toString() {
    return "MutableClock[" + instant() + "]";
  }
}
