package dev.lanyard.trust;

import dev.lanyard.internal.WatchedFile;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * <p>Thread-safe: the current bundle (immutable) is read without locking; a reload is done by one thread while the
 * others keep the previous bundle.
 */
public final class FileBundleSource implements BundleSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileBundleSource.class);

  private final TrustDomain trustDomain;
  private final WatchedFile<Optional<TrustBundle>> watched;

  private FileBundleSource(TrustDomain trustDomain, Path file, Duration checkInterval, Clock clock) {
    this.trustDomain = trustDomain;
    this.watched = new WatchedFile<>(file, checkInterval, clock, f -> Optional.of(read(trustDomain, f)),
        "trust bundle file", "bundle", LOG);
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
    return new FileBundleSource(trustDomain, file, checkInterval, clock);
  }

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain td) {
    return trustDomain.equals(td) ? watched.current() : Optional.empty();
  }

  /** Re-reads the file now if it changed. */
  public void reloadIfChanged() {
    watched.reloadIfChanged();
  }

  private static TrustBundle read(TrustDomain trustDomain, Path file) {
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
      LOG.warn("trust bundle {}: {}", file, skipped);
    }
    return parsed;
  }

  /** When the bundle now served was read from the file. */
  public Instant lastLoaded() {
    return watched.lastLoaded();
  }

  @Override
  public String toString() {
    return "FileBundleSource[" + trustDomain + ", " + watched.file() + "]";
  }
}
