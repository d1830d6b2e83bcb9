package dev.lanyard.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A file whose parsed content is kept current: its modification time and size are checked at most once per check
 * interval on access; a changed file is parsed again, and a version that fails to parse (or a file that cannot be
 * read) keeps the last good content and logs one error per broken version. The first load happens at construction
 * and its failure propagates, so a broken file is a start-up error.
 *
 * @param <T> the parsed content
 *
 * <p>Thread-safe: the content is a volatile field read without locking; reloads are serialized by an internal lock, so
 * one thread parses a changed file while the others keep the previous content.
 */
public final class WatchedFile<T> {
  private final Path file;
  private final Duration checkInterval;
  private final Clock clock;
  private final Function<Path, T> parser;
  private final String what;
  private final String contentName;
  private final Logger log;
  private final Object lock = new Object();
  private volatile T content;
  private volatile Instant loadedAt;
  private volatile Instant nextCheck;
  private @Nullable String version;
  private @Nullable String failedVersion;

  /**
   * Loads {@code file} now.
   *
   * @param parser reads and parses the file, throwing a runtime exception that explains what is wrong
   * @param what names the file in log lines, e.g. "policy file"
   * @param contentName names what is kept in log lines, e.g. "policy"
   * @throws RuntimeException whatever {@code parser} throws for the first version
   */
  public WatchedFile(Path file, Duration checkInterval, Clock clock, Function<Path, T> parser, String what,
      String contentName, Logger log) {
    this.file = Objects.requireNonNull(file, "file");
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.what = Objects.requireNonNull(what, "what");
    this.contentName = Objects.requireNonNull(contentName, "contentName");
    this.log = Objects.requireNonNull(log, "log");
    if (checkInterval.isNegative()) {
      throw new IllegalArgumentException("check interval must not be negative");
    }
    this.version = versionOrNull();
    this.content = parser.apply(file);
    this.loadedAt = clock.instant();
    this.nextCheck = loadedAt.plus(checkInterval);
  }

  /** The current content (parsed again first when the file changed and the check interval has passed). */
  public T current() {
    if (!clock.instant().isBefore(nextCheck)) {
      reloadIfChanged();
    }
    return content;
  }

  /** Parses the file again now if it changed. */
  public void reloadIfChanged() {
    synchronized (lock) {
      nextCheck = clock.instant().plus(checkInterval);
      String current = versionOrNull();
      if (current == null) {
        if (!"missing".equals(failedVersion)) {
          failedVersion = "missing";
          log.error("{} {} cannot be read; keeping the previous {}", what, file, contentName);
        }
        return;
      }
      if (current.equals(version) || current.equals(failedVersion)) {
        return;
      }
      try {
        T fresh = parser.apply(file);
        content = fresh;
        loadedAt = clock.instant();
        version = current;
        failedVersion = null;
        log.info("{} {} reloaded: {}", what, file, fresh);
      } catch (RuntimeException e) {
        failedVersion = current;
        log.error("{} {} changed but is invalid; keeping the previous {}: {}", what, file, contentName,
            e.getMessage());
      }
    }
  }

  /** When the content now served was read from the file. */
  public Instant lastLoaded() {
    return loadedAt;
  }

  /** The watched file. */
  public Path file() {
    return file;
  }

  private @Nullable String versionOrNull() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return attributes.lastModifiedTime().toMillis() + ":" + attributes.size();
    } catch (IOException e) {
      return null;
    }
  }
}
