package dev.lanyard.jwt;

import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Verified tokens by their exact text, with what they were verified against; at most {@code maximumSize} of them
 * (a concurrent put may overshoot by the number of threads putting at that moment, until the next put trims).
 *
 * <p>A hit is one {@link ConcurrentHashMap#get}: no bookkeeping on the read path, which is what a cached
 * verification costs. The bound is kept on the write path: a put that takes the cache past its size drops the entries
 * whose acceptance has ended, then, if that is not enough, arbitrary entries (the map's iteration order, which the
 * tokens' hashes scatter) until an eighth of the room is free again, so trimming costs a put O(1) amortised. Only
 * authentic tokens are ever put, so nobody can flood the cache with tokens of their own choosing. An entry past its
 * end is never handed out as valid: the verifier checks {@link Entry#acceptUntilMillis} on every hit and removes it.
 *
 * <p>Thread-safe: a concurrent map; trimming runs on one putting thread at a time and never blocks readers.
 */
final class VerifiedTokenCache {
  private final ConcurrentHashMap<String, Entry> entries;
  private final long maximumSize;
  private final long trimmedSize;
  private final ReentrantLock trimming = new ReentrantLock();

  VerifiedTokenCache(long maximumSize) {
    if (maximumSize <= 0) {
      throw new IllegalArgumentException("maximum size must be positive");
    }
    this.maximumSize = maximumSize;
    this.trimmedSize = maximumSize - Math.max(1, maximumSize / 8);
    this.entries = new ConcurrentHashMap<>();
  }

  /** A verified token with what it was verified against. Immutable. */
  static final class Entry {
    final VerifiedJwtSvid token;
    /** The subject's trust domain, whose current bundle a hit compares with {@link #bundle}. */
    final TrustDomain trustDomain;
    final JwtKey key;
    final TrustBundle bundle;
    final long revocationVersion;
    final Instant acceptUntil;
    /** {@link #acceptUntil} in epoch milliseconds, rounded down, for a cheap check on the hit path. */
    final long acceptUntilMillis;

    Entry(VerifiedJwtSvid token, JwtKey key, TrustBundle bundle, long revocationVersion, Instant acceptUntil) {
      this.token = token;
      // The bundle's own instance when it names the same trust domain: the hit's lookup then compares by identity.
      TrustDomain subjectDomain = token.subject().trustDomain();
      this.trustDomain = bundle.trustDomain().equals(subjectDomain) ? bundle.trustDomain() : subjectDomain;
      this.key = key;
      this.bundle = bundle;
      this.revocationVersion = revocationVersion;
      this.acceptUntil = acceptUntil;
      this.acceptUntilMillis = acceptUntil.toEpochMilli();
    }

    /** This entry checked against a newer bundle (that holds the same key) or revocation version. */
    Entry with(TrustBundle newBundle, long newRevocationVersion) {
      return new Entry(token, key, newBundle, newRevocationVersion, acceptUntil);
    }
  }

  /** The entry for exactly {@code token}, or null. */
  @Nullable Entry get(String token) {
    return entries.get(token);
  }

  /**
   * Holds {@code entry} for {@code token}, trimming the cache back under its bound when this put took it over.
   *
   * @param nowMillis the verifier's clock, in epoch milliseconds: entries whose acceptance ended by then go first
   */
  void put(String token, Entry entry, long nowMillis) {
    if (entries.put(token, entry) == null && entries.mappingCount() > maximumSize) {
      trim(nowMillis);
    }
  }

  /**
   * Replaces the entry of {@code token} with {@code updated} if it is still {@code current} (a concurrent removal or
   * update wins).
   */
  void replace(String token, Entry current, Entry updated) {
    entries.replace(token, current, updated);
  }

  /** Drops the entry of {@code token} if it is still {@code entry}. */
  void remove(String token, Entry entry) {
    entries.remove(token, entry);
  }

  /** How many tokens are held. */
  long size() {
    return entries.mappingCount();
  }

  private void trim(long nowMillis) {
    if (!trimming.tryLock()) {
      return; // another put is trimming; this one's overshoot is bounded by the number of threads putting
    }
    try {
      if (entries.mappingCount() <= maximumSize) {
        return;
      }
      entries.values().removeIf(e -> e.acceptUntilMillis <= nowMillis);
      Iterator<Entry> it = entries.values().iterator();
      while (entries.mappingCount() > trimmedSize && it.hasNext()) {
        it.next();
        it.remove();
      }
    } finally {
      trimming.unlock();
    }
  }

  @Override
  public String toString() {
    return "VerifiedTokenCache[size=" + entries.mappingCount() + ", maximumSize=" + maximumSize + "]";
  }
}
