package dev.lanyard.policy;

import dev.lanyard.internal.WatchedFile;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * A policy file that is re-read when it changes. The file must be valid when this is created (an invalid file is a
 * start-up error); later, its modification time and size are checked at most once per check interval on access, and
 * a broken new version keeps the previous policy and logs an error naming the file and line, once per version.
 *
 * <p>Thread-safe: the current policy (immutable) is read without locking; a reload is done by one thread while the
 * others keep deciding with the previous policy.
 */
public final class PolicyFile {
  private final WatchedFile<Policy> watched;

  private PolicyFile(WatchedFile<Policy> watched) {
    this.watched = watched;
  }

  /**
   * Watches {@code file}, checking for changes at most once a second.
   *
   * @throws PolicyException when the file cannot be read or is invalid
   */
  public static PolicyFile watch(Path file) {
    return watch(file, Duration.ofSeconds(1), Clock.systemUTC());
  }

  /** Watches {@code file} with an explicit check interval and clock. */
  public static PolicyFile watch(Path file, Duration checkInterval, Clock clock) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(clock, "clock");
    return new PolicyFile(new WatchedFile<>(file, checkInterval, clock, Policy::parse, "policy file", "policy",
        LoggerFactory.getLogger(PolicyFile.class)));
  }

  /** The current policy (re-read first if the file changed and the check interval has passed). */
  public Policy current() {
    return watched.current();
  }

  /** Re-reads the file now if it changed. */
  public void reloadIfChanged() {
    watched.reloadIfChanged();
  }

  /** The watched file. */
  public Path file() {
    return watched.file();
  }

  @Override
  public String toString() {
    return "PolicyFile[" + watched.file() + ", " + watched.current() + "]";
  }
}
