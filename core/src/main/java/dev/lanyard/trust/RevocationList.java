package dev.lanyard.trust;

import dev.lanyard.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Credentials withdrawn before their time: single tokens by id, every token of a SPIFFE ID issued before an instant,
 * and every token signed by a key. Verifiers built with the same list consult it on every verification, cached or
 * not: once a {@code revoke…} method returns, no such verifier accepts the credential.
 *
 * <p>Thread-safe and lock-free to read. Entries for single tokens are kept until the token would have expired anyway
 * (or for the retention given at construction when the expiry is unknown) and are pruned as new ones are added; the
 * list is bounded and refuses new entries beyond {@link #MAX_ENTRIES}. A {@link Listener} given at construction is
 * told of each revocation once it has taken effect (an authority audits them that way).
 */
public final class RevocationList {
  /** Most entries of each kind the list holds. */
  public static final int MAX_ENTRIES = 1_000_000;

  private final Clock clock;
  private final Duration defaultRetention;
  private final ConcurrentHashMap<String, Instant> tokens = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<SpiffeId, Instant> subjects = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Boolean> keys = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private final @Nullable Listener listener;

  /**
   * Told of each revocation made on a {@link RevocationList}: on the thread that made it, once it has taken effect
   * (verifiers already reject the credential), once per call, also when the call widened nothing. An exception it
   * throws reaches the caller of the {@code revoke…} method; the revocation stands. Implementations must be
   * thread-safe: revocations may be made on several threads at once.
   */
  public interface Listener {
    /** The token with id {@code tokenId} was revoked, remembered until {@code expiresAt}. */
    default void tokenRevoked(String tokenId, Instant expiresAt) {}

    /** Every token of {@code subject} issued before {@code issuedBefore} was revoked. */
    default void subjectRevoked(SpiffeId subject, Instant issuedBefore) {}

    /** Every token signed by the key with id {@code keyId} was revoked. */
    default void keyRevoked(String keyId) {}
  }

  /** A list on the system clock that keeps a token id of unknown expiry for 24 hours. */
  public RevocationList() {
    this(Clock.systemUTC(), Duration.ofHours(24));
  }

  /**
   * A list on {@code clock} that keeps a token id of unknown expiry for {@code defaultRetention}, which should be at
   * least the longest token lifetime any verifier accepts.
   */
  public RevocationList(Clock clock, Duration defaultRetention) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.defaultRetention = positive(defaultRetention);
    this.listener = null;
  }

  /**
   * A list on {@code clock} that keeps a token id of unknown expiry for {@code defaultRetention} and tells
   * {@code listener} of each revocation made on it.
   */
  public RevocationList(Clock clock, Duration defaultRetention, Listener listener) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.defaultRetention = positive(defaultRetention);
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  private static Duration positive(Duration retention) {
    Objects.requireNonNull(retention, "defaultRetention");
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive");
    }
    return retention;
  }

  /** Revokes the token with id ({@code jti}) {@code tokenId}, remembering it until {@code expiresAt}. */
  public void revokeToken(String tokenId, Instant expiresAt) {
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    pruneTokensIfLarge();
    tokens.merge(tokenId, expiresAt, (a, b) -> a.isAfter(b) ? a : b);
    version.incrementAndGet();
    Listener l = listener;
    if (l != null) {
      l.tokenRevoked(tokenId, expiresAt);
    }
  }

  /** Revokes the token with id {@code tokenId}, remembering it for the default retention. */
  public void revokeToken(String tokenId) {
    revokeToken(tokenId, clock.instant().plus(defaultRetention));
  }

  /**
   * Revokes every token of {@code subject} issued before {@code issuedBefore} (tokens without {@code iat} count as
   * issued before). A later call with a later instant widens the revocation; an earlier one does not narrow it.
   */
  public void revokeSubject(SpiffeId subject, Instant issuedBefore) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(issuedBefore, "issuedBefore");
    checkCapacity(subjects.size());
    subjects.merge(subject, issuedBefore, (a, b) -> a.isAfter(b) ? a : b);
    version.incrementAndGet();
    Listener l = listener;
    if (l != null) {
      l.subjectRevoked(subject, issuedBefore);
    }
  }

  /** Revokes every token signed by the key with id {@code keyId}. */
  public void revokeKey(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    checkCapacity(keys.size());
    keys.put(keyId, Boolean.TRUE);
    version.incrementAndGet();
    Listener l = listener;
    if (l != null) {
      l.keyRevoked(keyId);
    }
  }

  /** True when the token with this id has been revoked. */
  public boolean isTokenRevoked(@Nullable String tokenId) {
    return tokenId != null && tokens.containsKey(tokenId);
  }

  /** True when tokens of {@code subject} issued at {@code issuedAt} (null: unknown) are revoked. */
  public boolean isSubjectRevoked(SpiffeId subject, @Nullable Instant issuedAt) {
    if (subjects.isEmpty()) {
      return false;
    }
    Instant before = subjects.get(subject);
    return before != null && (issuedAt == null || issuedAt.isBefore(before));
  }

  /** True when the key with this id has been revoked. */
  public boolean isKeyRevoked(String keyId) {
    return !keys.isEmpty() && keys.containsKey(keyId);
  }

  /**
   * A number that grows with every revocation. Verifiers remember it with a cached result and re-check that result
   * only when it has changed.
   */
  public long version() {
    return version.get();
  }

  /** The revoked token ids, each with the instant it is remembered until: a copy. */
  public Map<String, Instant> revokedTokens() {
    return Map.copyOf(tokens);
  }

  /** The revoked subjects, each with the instant before which its tokens are revoked: a copy. */
  public Map<SpiffeId, Instant> revokedSubjects() {
    return Map.copyOf(subjects);
  }

  /** The ids of the revoked keys: a copy. */
  public Set<String> revokedKeys() {
    return Set.copyOf(keys.keySet());
  }

  private void pruneTokensIfLarge() {
    if (tokens.size() >= 1024) {
      Instant now = clock.instant();
      tokens.values().removeIf(expiry -> expiry.isBefore(now));
    }
    checkCapacity(tokens.size());
  }

  private static void checkCapacity(int size) {
    if (size >= MAX_ENTRIES) {
      throw new IllegalStateException("revocation list is full (" + MAX_ENTRIES + " entries)");
    }
  }

  /** Counts only. */
  @Override
  public String toString() {
    return "RevocationList[tokens=" + tokens.size() + ", subjects=" + subjects.size() + ", keys=" + keys.size() + "]";
  }
}
