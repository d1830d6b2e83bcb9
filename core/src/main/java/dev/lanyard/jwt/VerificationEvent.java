package dev.lanyard.jwt;

import dev.lanyard.internal.Text;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One verification decision, for audit: accepted with the verified token, or rejected with its reason. Holds no
 * token text. For a rejection, {@link #claimedSubject()}, {@link #keyId()} and {@link #tokenId()} are what the token
 * claimed and are not verified.
 *
 * <p>Immutable.
 */
public final class VerificationEvent {
  private final Instant time;
  private final @Nullable VerifiedJwtSvid token;
  private final JwtSvidRejectedException.@Nullable Reason reason;
  private final @Nullable String message;
  private final @Nullable String claimedSubject;
  private final @Nullable String keyId;
  private final @Nullable String tokenId;
  private final boolean cacheHit;

  private VerificationEvent(Instant time, @Nullable VerifiedJwtSvid token,
      JwtSvidRejectedException.@Nullable Reason reason, @Nullable String message, @Nullable String claimedSubject,
      @Nullable String keyId, @Nullable String tokenId, boolean cacheHit) {
    this.time = time;
    this.token = token;
    this.reason = reason;
    this.message = message;
    this.claimedSubject = claimedSubject;
    this.keyId = keyId;
    this.tokenId = tokenId;
    this.cacheHit = cacheHit;
  }

  static VerificationEvent accepted(Instant time, VerifiedJwtSvid token, boolean cacheHit) {
    return new VerificationEvent(time, token, null, null, token.subject().toString(), token.keyId(),
        token.tokenId().orElse(null), cacheHit);
  }

  static VerificationEvent rejected(Instant time, JwtSvidRejectedException rejection,
      @Nullable String claimedSubject, @Nullable String keyId, @Nullable String tokenId) {
    Objects.requireNonNull(rejection, "rejection");
    return new VerificationEvent(time, null, rejection.reason(), rejection.getMessage(), claimedSubject, keyId,
        tokenId, false);
  }

  /** When the decision was made (the verifier's clock). */
  public Instant time() {
    return time;
  }

  /** True when the token was accepted. */
  public boolean accepted() {
    return token != null;
  }

  /** The verified token, when accepted. */
  public Optional<VerifiedJwtSvid> token() {
    return Optional.ofNullable(token);
  }

  /** Why it was rejected, when rejected. */
  public Optional<JwtSvidRejectedException.Reason> reason() {
    return Optional.ofNullable(reason);
  }

  /** The rejection's detail message (never contains the token), when rejected. */
  public Optional<String> message() {
    return Optional.ofNullable(message);
  }

  /** The subject: verified when accepted, as claimed (unverified) when rejected, if it could be read. */
  public Optional<String> claimedSubject() {
    return Optional.ofNullable(claimedSubject);
  }

  /** The key id named by the token, if it could be read. */
  public Optional<String> keyId() {
    return Optional.ofNullable(keyId);
  }

  /** The token id ({@code jti}), if it could be read. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(tokenId);
  }

  /** True when an accepted token came from the verified-token cache. */
  public boolean cacheHit() {
    return cacheHit;
  }

  @Override
  public String toString() {
    // A rejected token's claims are attacker-controlled: only their printable form may reach a log line.
    return accepted()
        ? "VerificationEvent[accepted, sub=" + claimedSubject + ", kid=" + printable(keyId) + ", jti="
            + printable(tokenId) + (cacheHit ? ", cached" : "") + "]"
        : "VerificationEvent[rejected " + reason + ", claimedSub=" + printable(claimedSubject) + ", kid="
            + printable(keyId) + "]";
  }

  private static @Nullable String printable(@Nullable String value) {
    return value == null ? null : Text.printable(value);
  }
}
