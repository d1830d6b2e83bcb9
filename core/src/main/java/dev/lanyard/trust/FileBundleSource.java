package dev.lanyard.trust;

import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle of one trust domain read from a SPIFFE bundle file, re-read when the file changes.
 *
 * <p>The file must be readable and valid when the source is created. Afterwards its modification time and size are
 * checked at most once per check interval (1 s by default) on access; a changed file is re-read, and a broken new
 * version (unreadable, not a JWK Set) keeps the previous bundle and logs an error once per version. A file is never
 * stale: the last good bundle is served until a good new one appears.
 */
public final class FileBundleSource implements BundleSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileBundleSource.class);

  private final TrustDomain trustDomain;
  private final Path file;
  private final Duration checkInterval;
  private final Clock clock;
  private final Object lock = new Object();
  private volatile Optional<TrustBundle> bundle;
  private volatile Instant nextCheck;
  private volatile Instant loadedAt;
  private String version;
  private String failedVersion;

  private FileBundleSource(TrustDomain trustDomain, Path file, Duration checkInterval, Clock clock) {
    this.trustDomain = trustDomain;
    this.file = file;
    this.checkInterval = checkInterval;
    this.clock = clock;
    String v = version();
    this.bundle = Optional.of(read());
    this.version = v;
    this.loadedAt = clock.instant();
    this.nextCheck = loadedAt.plus(checkInterval);
  }

  /**
   * A source for {@code trustDomain} reading {@code file}, checked for changes at most once a second.
   *
   * @throws BundleFormatException when the file is not a SPIFFE bundle
   * @throws BundleUnavailableException when the file cannot be read
   */
  public static FileBundleSource of(TrustDomain trustDomain, Path file) {
    return of(trustDomain, file, Duration.ofSeconds(1), Clock.systemUTC());
  }

  /** A source with an explicit check interval and clock. */
  public static FileBundleSource of(TrustDomain trustDomain, Path file, Duration checkInterval, Clock clock) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(clock, "clock");
    if (checkInterval.isNegative()) {
      throw new IllegalArgumentException("check interval must not be negative");
    }
    return new FileBundleSource(trustDomain, file, checkInterval, clock);
  }

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain td) {
    if (!trustDomain.equals(td)) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(nextCheck)) {
      reloadIfChanged();
    }
    return bundle;
  }

  /** Re-reads the file now if it changed. */
  public void reloadIfChanged() {
    synchronized (lock) {
      nextCheck = clock.instant().plus(checkInterval);
      String current;
      try {
        current = version();
      } catch (BundleUnavailableException e) {
        if (!"missing".equals(failedVersion)) {
          failedVersion = "missing";
          LOG.error("trust bundle file {} cannot be read; keeping the previous bundle: {}", file, e.getMessage());
        }
        return;
      }
      if (current.equals(version) || current.equals(failedVersion)) {
        return;
      }
      try {
        TrustBundle fresh = read();
        bundle = Optional.of(fresh);
        loadedAt = clock.instant();
        version = current;
        failedVersion = null;
        LOG.info("trust bundle of {} reloaded from {}: {}", trustDomain, file, fresh);
      } catch (BundleFormatException | BundleUnavailableException e) {
        failedVersion = current;
        LOG.error("trust bundle file {} changed but is invalid; keeping the previous bundle: {}", file,
            e.getMessage());
      }
    }
  }

  private String version() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return attributes.lastModifiedTime().toMillis() + ":" + attributes.size();
    } catch (IOException e) {
      throw new BundleUnavailableException("cannot read trust bundle file " + file + ": " + e.getMessage(), e);
    }
  }

  private TrustBundle read() {
    String text;
    try {
      if (Files.size(file) > TrustBundle.MAX_DOCUMENT_LENGTH) {
        throw new BundleFormatException("trust bundle file " + file + " is too large");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BundleUnavailableException("cannot read trust bundle file " + file + ": " + e.getMessage(), e);
    }
    TrustBundle parsed = TrustBundle.parse(trustDomain, text);
    for (SkippedKey skipped : parsed.skippedKeys()) {
      LOG.warn("trust bundle {}: key #{}{} skipped: {}", file, skipped.index(),
          skipped.keyId().map(k -> " (kid " + k + ")").orElse(""), skipped.reason());
    }
    return parsed;
  }

  /** When the bundle now served was read from the file. */
  public Instant lastLoaded() {
    return loadedAt;
  }

  @Override
  public String toString() {
    return "FileBundleSource[" + trustDomain + ", " + file + "]";
  }
}
