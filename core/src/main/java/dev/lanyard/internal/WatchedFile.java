package dev.lanyard.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A file (or a set of files read together) whose parsed content is kept current: the files' identity, modification
 * time and size are checked at most once per check interval on access; a changed file is parsed again, and a version
 * that fails to parse (or a file that cannot be read) keeps the last good content and logs one error per broken
 * version. The first load happens at construction and its failure propagates, so a broken file is a start-up error.
 *
 * <p>A set of files is one version: a change to any of them parses them all again, so files replaced one at a time
 * (a certificate, then its key) are retried on every change until they fit together.
 *
 * @param <T> the parsed content
 *
 * <p>Thread-safe: the content is a volatile field read without locking; reloads are serialized by an internal lock, so
 * one thread parses a changed file while the others keep the previous content.
 */
public final class WatchedFile<T> {
  /** Files of a set up to this size are told apart by their content too. */
  private static final long MAX_HASHED_SIZE = 1024 * 1024;

  private final Path file;
  private final List<Path> files;
  private final Duration checkInterval;
  private final Clock clock;
  private final Supplier<T> loader;
  private final boolean warnOnRejection;
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
    this(List.of(Objects.requireNonNull(file, "file")), checkInterval, clock,
        () -> Objects.requireNonNull(parser, "parser").apply(file), what, contentName, log, false);
  }

  /**
   * Loads a set of files now, with {@code loader} reading them all. A version is also told apart by the SHA-256 of
   * each file of up to 1 MiB (credential files are small and may be rewritten within the file system's timestamp
   * granularity). A rejected version is logged at WARN (the files may be mid-replacement), a missing file at ERROR.
   *
   * @param files the files whose change triggers a reload, at least one; the first names the set in log lines
   * @param loader reads and checks the files together, throwing a runtime exception that explains what is wrong
   * @throws RuntimeException whatever {@code loader} throws for the first version
   */
  public WatchedFile(List<Path> files, Duration checkInterval, Clock clock, Supplier<T> loader, String what,
      String contentName, Logger log) {
    this(files, checkInterval, clock, loader, what, contentName, log, true);
  }

  private WatchedFile(List<Path> files, Duration checkInterval, Clock clock, Supplier<T> loader, String what,
      String contentName, Logger log, boolean warnOnRejection) {
    this.files = List.copyOf(files);
    if (this.files.isEmpty()) {
      throw new IllegalArgumentException("at least one file is required");
    }
    this.file = this.files.get(0);
    this.warnOnRejection = warnOnRejection;
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.what = Objects.requireNonNull(what, "what");
    this.contentName = Objects.requireNonNull(contentName, "contentName");
    this.log = Objects.requireNonNull(log, "log");
    if (checkInterval.isNegative()) {
      throw new IllegalArgumentException("check interval must not be negative");
    }
    this.version = versionOrNull();
    this.content = loader.get();
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
        T fresh = loader.get();
        content = fresh;
        loadedAt = clock.instant();
        version = current;
        failedVersion = null;
        log.info("{} {} reloaded: {}", what, file, fresh);
      } catch (RuntimeException e) {
        failedVersion = current;
        if (warnOnRejection) {
          log.warn("{} {} changed but is invalid; keeping the previous {} until the next change: {}", what, file,
              contentName, e.getMessage());
        } else {
          log.error("{} {} changed but is invalid; keeping the previous {}: {}", what, file, contentName,
              e.getMessage());
        }
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

  /**
   * The version of the files: per file its identity (a file renamed over it is another file), modification time and
   * size; null when one cannot be read. Links are followed, so a Kubernetes volume's swapped {@code ..data} link is a
   * change.
   */
  private @Nullable String versionOrNull() {
    StringBuilder version = new StringBuilder();
    for (Path f : files) {
      try {
        BasicFileAttributes attributes = Files.readAttributes(f, BasicFileAttributes.class);
        version.append(attributes.fileKey()).append(':').append(attributes.lastModifiedTime().toInstant())
            .append(':').append(attributes.size());
        if (warnOnRejection && attributes.size() <= MAX_HASHED_SIZE) {
          // Small credential files written in quick succession can share inode, size and a coarse modification
          // time: their content decides.
          version.append(':').append(HexFormat.of().formatHex(
              MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
        }
        version.append(';');
      } catch (IOException e) {
        return null;
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing", e);
      }
    }
    return version.toString();
  }
}
