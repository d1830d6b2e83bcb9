package dev.lanyard.credentials;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JwtSvidSource} that caches minted tokens per (subject, sorted audiences, sorted scopes).
 *
 * <p>A cached token is renewed in the background once it has lived about half its lifetime (50 % ± 10 % jitter, so
 * that a fleet does not renew in step), and is never handed out in the last fifth of its life (at most the last
 * {@code minimumRemaining}, 30 s by default): then the caller waits for a fresh one. A token whose signing key the
 * minter no longer considers usable (tainted) is re-minted at once. Loading is per key (no global lock) and the
 * cache is bounded. A failed background renewal keeps the current token and is retried on the next fetch.
 *
 * <p>Thread-safe: the tokens live in a concurrent (Caffeine) cache that loads each key once, however many threads ask;
 * the settings are final.
 */
public final class CachingJwtSvidSource implements JwtSvidSource {
  private static final Logger LOG = LoggerFactory.getLogger(CachingJwtSvidSource.class);

  private final JwtSvidMinter minter;
  private final SpiffeId subject;
  private final @Nullable Duration ttl;
  private final Duration minimumRemaining;
  private final Clock clock;
  private final Executor executor;
  private final Cache<Key, Entry> cache;
  private final Function<Key, Entry> mintEntry = this::mint;

  private CachingJwtSvidSource(Builder b) {
    this.minter = b.minter;
    this.subject = b.subject;
    this.ttl = b.ttl;
    this.minimumRemaining = b.minimumRemaining;
    this.clock = b.clock;
    this.executor = b.executor;
    this.cache = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfter(new Expiry<Key, Entry>() {
          @Override
          public long expireAfterCreate(Key key, Entry value, long currentTime) {
            return Math.max(0, Duration.between(clock.instant(), value.handOutUntil).toNanos());
          }

          @Override
          public long expireAfterUpdate(Key key, Entry value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
          }

          @Override
          public long expireAfterRead(Key key, Entry value, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
  }

  /** A builder for a source of tokens for {@code subject} minted by {@code minter}. */
  public static Builder newBuilder(JwtSvidMinter minter, SpiffeId subject) {
    return new Builder(Objects.requireNonNull(minter, "minter"), Objects.requireNonNull(subject, "subject"));
  }

  /** Cache key: subject, sorted audiences, sorted scopes. */
  private static final class Key {
    final SpiffeId subject;
    final List<String> audiences;
    final List<String> scopes;
    final int hash;

    Key(SpiffeId subject, List<String> audiences, List<String> scopes) {
      this.subject = subject;
      this.audiences = audiences;
      this.scopes = scopes;
      this.hash = (31 * subject.hashCode() + audiences.hashCode()) * 31 + scopes.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return hash == k.hash && subject.equals(k.subject) && audiences.equals(k.audiences) && scopes.equals(k.scopes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private static final class Entry {
    final JwtSvid svid;
    final Instant renewAt;
    final Instant handOutUntil;
    final AtomicBoolean renewing = new AtomicBoolean();

    Entry(JwtSvid svid, Instant renewAt, Instant handOutUntil) {
      this.svid = svid;
      this.renewAt = renewAt;
      this.handOutUntil = handOutUntil;
    }
  }

  @Override
  public SpiffeId spiffeId() {
    return subject;
  }

  @Override
  public JwtSvid fetch(String audience, String... scopes) {
    Objects.requireNonNull(audience, "audience");
    return fetch(new Key(subject, List.of(audience), sorted(Arrays.asList(scopes), "scope")));
  }

  @Override
  public JwtSvid fetch(Collection<String> audiences, Collection<String> scopes) {
    return fetch(new Key(subject, sorted(audiences, "audience"), sorted(scopes, "scope")));
  }

  private JwtSvid fetch(Key key) {
    Entry entry = cache.getIfPresent(key);
    if (entry == null) {
      entry = cache.get(key, mintEntry);
    }
    Instant now = clock.instant();
    if (!now.isBefore(entry.handOutUntil) || !minter.isUsable(entry.svid)) {
      Entry stale = entry;
      entry = cache.asMap().compute(key, (k, current) ->
          current == null || current == stale || !isFresh(current, clock.instant()) ? mint(k) : current);
    } else if (!now.isBefore(entry.renewAt) && entry.renewing.compareAndSet(false, true)) {
      renewInBackground(key, entry);
    }
    return entry.svid;
  }

  private boolean isFresh(Entry entry, Instant now) {
    return now.isBefore(entry.handOutUntil) && minter.isUsable(entry.svid);
  }

  private void renewInBackground(Key key, Entry entry) {
    try {
      executor.execute(() -> {
        try {
          cache.asMap().computeIfPresent(key, (k, current) -> current == entry ? mint(k) : current);
        } catch (RuntimeException e) {
          LOG.warn("renewing the JWT-SVID of {} for {} failed; keeping the current one until it is due: {}",
              subject, key.audiences, e.toString());
        } finally {
          entry.renewing.set(false);
        }
      });
    } catch (RuntimeException e) {
      entry.renewing.set(false);
      LOG.warn("could not schedule JWT-SVID renewal: {}", e.toString());
    }
  }

  private Entry mint(Key key) {
    JwtSvid svid = minter.mint(key.subject, key.audiences, key.scopes, ttl);
    Duration life = svid.lifetime();
    double fraction = 0.5 + ThreadLocalRandom.current().nextDouble(-0.1, 0.1);
    Instant renewAt = svid.issuedAt().plusMillis((long) (life.toMillis() * fraction));
    Duration margin = life.dividedBy(5);
    if (margin.compareTo(minimumRemaining) > 0) {
      margin = minimumRemaining;
    }
    return new Entry(svid, renewAt, svid.expiresAt().minus(margin));
  }

  private static List<String> sorted(Collection<String> values, String what) {
    Objects.requireNonNull(values, what);
    if (values.isEmpty()) {
      return List.of();
    }
    if (values.size() == 1) {
      return List.of(values.iterator().next());
    }
    TreeSet<String> set = new TreeSet<>();
    for (String v : values) {
      set.add(Objects.requireNonNull(v, what));
    }
    return List.copyOf(new ArrayList<>(set));
  }

  /** The number of cached tokens (for metrics). */
  public long cachedTokenCount() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  @Override
  public String toString() {
    return "CachingJwtSvidSource[" + subject + ", cached=" + cache.estimatedSize() + "]";
  }

  /** Builds a {@link CachingJwtSvidSource}. */
  public static final class Builder {
    private final JwtSvidMinter minter;
    private final SpiffeId subject;
    private @Nullable Duration ttl;
    private Duration minimumRemaining = Duration.ofSeconds(30);
    private long maximumSize = 1000;
    private Clock clock = Clock.systemUTC();
    private Executor executor = ForkJoinPool.commonPool();

    private Builder(JwtSvidMinter minter, SpiffeId subject) {
      this.minter = minter;
      this.subject = subject;
    }

    /** Lifetime to ask the minter for (its default when not set). */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive");
      }
      this.ttl = ttl;
      return this;
    }

    /** A token is not handed out once less than this (or a fifth of its life) remains (default 30 s). */
    public Builder minimumRemaining(Duration minimumRemaining) {
      Objects.requireNonNull(minimumRemaining, "minimumRemaining");
      if (minimumRemaining.isNegative()) {
        throw new IllegalArgumentException("minimumRemaining must not be negative");
      }
      this.minimumRemaining = minimumRemaining;
      return this;
    }

    /** Most tokens kept (default 1000). */
    public Builder maximumSize(long maximumSize) {
      if (maximumSize <= 0) {
        throw new IllegalArgumentException("maximumSize must be positive");
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Runs background renewals (the common pool by default). */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The source. */
    public CachingJwtSvidSource build() {
      return new CachingJwtSvidSource(this);
    }
  }

  /** The token currently cached for these audiences and scopes, without minting. For diagnostics. */
  public Optional<JwtSvid> peek(Collection<String> audiences, Collection<String> scopes) {
    Entry entry = cache.getIfPresent(new Key(subject, sorted(audiences, "audience"), sorted(scopes, "scope")));
    return entry == null ? Optional.empty() : Optional.of(entry.svid);
  }
}
