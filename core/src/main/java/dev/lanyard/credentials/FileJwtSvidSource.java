package dev.lanyard.credentials;

import dev.lanyard.internal.WatchedFile;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.spiffe.SpiffeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JwtSvidSource} serving the JWT-SVID a sidecar keeps in a file (spiffe-helper's {@code jwt_svid.token}):
 * whatever token the sidecar wrote, for the audiences and scopes it was minted for. Nothing is minted here.
 *
 * <p>The file is checked for changes at most once per check interval (1 s by default) on access. A new version
 * replaces the current token only when it is a well-formed JWT-SVID of the same SPIFFE ID that has not expired; else
 * the current token is kept and a WARN says why (never the token). {@link #fetch} refuses, with an
 * {@link IllegalStateException} and a WARN, to hand out a token that has expired, and with an
 * {@link IllegalArgumentException} to hand one out for an audience or a scope it was not minted for. The token is not
 * verified (its signature is its audience's business); the file must hold a valid token when the source is built.
 *
 * <p>Thread-safe: the current token is a volatile field of the watched file; reloads are serialized by its lock.
 */
public final class FileJwtSvidSource implements JwtSvidSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileJwtSvidSource.class);
  private static final long MAX_FILE_SIZE = 64 * 1024;

  private final Path file;
  private final Clock clock;
  private volatile @Nullable SpiffeId expected;
  private final SpiffeId spiffeId;
  private final WatchedFile<JwtSvid> watched;

  private FileJwtSvidSource(Builder b) {
    this.file = Objects.requireNonNull(b.file);
    this.clock = b.clock;
    this.expected = b.spiffeId;
    this.watched = new WatchedFile<>(List.of(file), b.checkInterval, clock, this::load, "JWT-SVID token file",
        "token", LOG);
    JwtSvid first = watched.current();
    this.spiffeId = first.subject();
    LOG.info("JWT-SVID from token file {}: {} for {}, expires {}; checked for changes every {}", file, spiffeId,
        first.audience(), first.expiresAt(), b.checkInterval);
  }

  /** A builder; the token file is required. */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  /**
   * The token in the file, when it was minted for every audience and scope asked for and has not expired.
   *
   * @throws IllegalArgumentException when the token is not for one of {@code audiences} or lacks one of {@code scopes}
   * @throws IllegalStateException when the token has expired and the sidecar has not replaced it
   */
  @Override
  public JwtSvid fetch(Collection<String> audiences, Collection<String> scopes) {
    Objects.requireNonNull(audiences, "audiences");
    Objects.requireNonNull(scopes, "scopes");
    JwtSvid token = watched.current();
    for (String audience : audiences) {
      if (!token.audience().contains(Objects.requireNonNull(audience, "audience"))) {
        throw new IllegalArgumentException("the JWT-SVID in " + file + " is for " + token.audience() + ", not for "
            + audience);
      }
    }
    for (String scope : scopes) {
      if (!token.scopes().contains(Objects.requireNonNull(scope, "scope"))) {
        throw new IllegalArgumentException("the JWT-SVID in " + file + " does not grant scope " + scope);
      }
    }
    Instant now = clock.instant();
    if (!now.isBefore(token.expiresAt())) {
      LOG.warn("not serving the JWT-SVID in {} (kid {}, jti {}): it expired at {} and the file was not replaced",
          file, token.keyId(), token.tokenId(), token.expiresAt());
      throw new IllegalStateException("the JWT-SVID in " + file + " expired at " + token.expiresAt());
    }
    return token;
  }

  /** Reads the file again now if it changed. */
  public void reloadIfChanged() {
    watched.reloadIfChanged();
  }

  private JwtSvid load() {
    String text;
    try {
      if (Files.size(file) > MAX_FILE_SIZE) {
        throw new IllegalArgumentException("token file " + file + " is larger than " + MAX_FILE_SIZE + " bytes");
      }
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getClass().getSimpleName());
    }
    JwtSvid token;
    try {
      token = JwtSvid.decodeUnverified(text);
    } catch (JwtSvidRejectedException e) {
      throw new IllegalArgumentException("token file " + file + " does not hold a JWT-SVID (" + e.reason() + ")");
    }
    SpiffeId wanted = expected;
    if (wanted == null) {
      // The first token read decides whose tokens this source serves.
      expected = token.subject();
    } else if (!wanted.equals(token.subject())) {
      throw new IllegalArgumentException("token file " + file + " holds a JWT-SVID of " + token.subject()
          + ", not of " + wanted);
    }
    if (!clock.instant().isBefore(token.expiresAt())) {
      throw new IllegalArgumentException("the JWT-SVID in token file " + file + " (kid " + token.keyId()
          + ") expired at " + token.expiresAt());
    }
    return token;
  }

  /** Metadata only, never the token. */
  @Override
  public String toString() {
    return "FileJwtSvidSource[" + file + ", " + spiffeId + "]";
  }

  /** Builds a {@link FileJwtSvidSource}. Each option can be set once. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path file;
    private @Nullable SpiffeId spiffeId;
    private Duration checkInterval = Duration.ofSeconds(1);
    private boolean checkIntervalSet;
    private Clock clock = Clock.systemUTC();
    private boolean clockSet;

    private Builder() {}

    /** The file holding the compact token (spiffe-helper {@code jwt_svid.token}). */
    public Builder token(Path file) {
      Objects.requireNonNull(file, "file");
      if (this.file != null) {
        throw new IllegalStateException("token was already set");
      }
      this.file = file;
      return this;
    }

    /** Accept only tokens of this SPIFFE ID (by default, the subject of the first token read). */
    public Builder spiffeId(SpiffeId spiffeId) {
      Objects.requireNonNull(spiffeId, "spiffeId");
      if (this.spiffeId != null) {
        throw new IllegalStateException("spiffeId was already set");
      }
      this.spiffeId = spiffeId;
      return this;
    }

    /** How often the file is checked for changes, on access (default 1 s). */
    public Builder checkInterval(Duration checkInterval) {
      Objects.requireNonNull(checkInterval, "checkInterval");
      if (checkIntervalSet) {
        throw new IllegalStateException("checkInterval was already set");
      }
      if (checkInterval.isNegative()) {
        throw new IllegalArgumentException("checkInterval must not be negative");
      }
      this.checkInterval = checkInterval;
      this.checkIntervalSet = true;
      return this;
    }

    /** The clock expiry is checked at (system UTC by default). */
    public Builder clock(Clock clock) {
      Objects.requireNonNull(clock, "clock");
      if (clockSet) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      this.clockSet = true;
      return this;
    }

    /**
     * Reads the token file.
     *
     * @throws IllegalStateException when the file is not set
     * @throws IllegalArgumentException naming the file and the reason when it does not hold a current JWT-SVID
     */
    public FileJwtSvidSource build() {
      if (file == null) {
        throw new IllegalStateException("the token file is required");
      }
      return new FileJwtSvidSource(this);
    }
  }
}
