package dev.lanyard.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy file that is re-read when it changes. The file must be valid when this is created (an invalid file is a
 * start-up error); later, its modification time and size are checked at most once per check interval on access, and
 * a broken new version keeps the previous policy and logs an error naming the file and line, once per version.
 */
public final class PolicyFile {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyFile.class);

  private final Path file;
  private final Duration checkInterval;
  private final Clock clock;
  private final Object lock = new Object();
  private volatile Policy policy;
  private volatile Instant nextCheck;
  private String version;
  private String failedVersion;

  private PolicyFile(Path file, Duration checkInterval, Clock clock) {
    this.file = file;
    this.checkInterval = checkInterval;
    this.clock = clock;
    this.version = version();
    this.policy = Policy.parse(file);
    this.nextCheck = clock.instant().plus(checkInterval);
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
    return new PolicyFile(file, checkInterval, clock);
  }

  /** The current policy (re-read first if the file changed and the check interval has passed). */
  public Policy current() {
    if (!clock.instant().isBefore(nextCheck)) {
      reloadIfChanged();
    }
    return policy;
  }

  /** Re-reads the file now if it changed. */
  public void reloadIfChanged() {
    synchronized (lock) {
      nextCheck = clock.instant().plus(checkInterval);
      String current;
      try {
        current = version();
      } catch (PolicyException e) {
        if (!"missing".equals(failedVersion)) {
          failedVersion = "missing";
          LOG.error("policy file {} cannot be read; keeping the previous policy: {}", file, e.getMessage());
        }
        return;
      }
      if (current.equals(version) || current.equals(failedVersion)) {
        return;
      }
      try {
        Policy fresh = Policy.parse(file);
        policy = fresh;
        version = current;
        failedVersion = null;
        LOG.info("policy file {} reloaded: {} rules", file, fresh.ruleCount());
      } catch (PolicyException e) {
        failedVersion = current;
        LOG.error("policy file changed but is invalid; keeping the previous policy: {}", e.getMessage());
      }
    }
  }

  private String version() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return attributes.lastModifiedTime().toMillis() + ":" + attributes.size();
    } catch (IOException e) {
      throw new PolicyException(file.toString(), 0, "cannot read: " + e.getMessage());
    }
  }

  /** The watched file. */
  public Path file() {
    return file;
  }

  @Override
  public String toString() {
    return "PolicyFile[" + file + ", " + policy + "]";
  }
}
