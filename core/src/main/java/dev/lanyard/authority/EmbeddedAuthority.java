package dev.lanyard.authority;

import dev.lanyard.credentials.JwtSvidMinter;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.jwt.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-JVM authority for one trust domain that mints JWT-SVIDs and publishes their trust bundle.
 *
 * <p>Key lifecycle (like SPIRE's): the authority keeps one ACTIVE signing key. When the active key has lived half
 * its lifetime a next key is PREPARED and published in the bundle; at five sixths it is activated and the old key
 * RETIRED. A retired key stays in the bundle until the last token it signed has expired (its retirement plus the
 * maximum token TTL, capped at its own expiry, plus a 5 minute grace for clock skew). Token expiry is capped at the
 * signing key's expiry. {@link #taintJwtKey(String)} stops a key signing at once (credential caches re-mint tokens it
 * signed); {@link #revokeJwtKey(String)} removes a non-active key from the bundle and revokes its tokens in every
 * verifier that shares {@link #revocations()}.
 *
 * <p>Minting takes no lock: it reads an immutable snapshot. Key changes are serialised and, when the authority has
 * a directory, persisted before they are published.
 */
public final class EmbeddedAuthority implements JwtSvidMinter {
  /** Grace a retired key stays published after its last token's expiry, for verifiers' clock skew. */
  static final Duration RETIREMENT_GRACE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Settings that persist with the authority. */
  static final class Settings {
    final JwtAlgorithm jwtAlgorithm;
    final Duration jwtKeyLifetime;
    final Duration defaultJwtSvidTtl;
    final Duration maxJwtSvidTtl;
    final Duration bundleRefreshHint;
    final String jwtIssuer;

    Settings(JwtAlgorithm jwtAlgorithm, Duration jwtKeyLifetime, Duration defaultJwtSvidTtl,
        Duration maxJwtSvidTtl, Duration bundleRefreshHint, String jwtIssuer) {
      this.jwtAlgorithm = jwtAlgorithm;
      this.jwtKeyLifetime = jwtKeyLifetime;
      this.defaultJwtSvidTtl = defaultJwtSvidTtl;
      this.maxJwtSvidTtl = maxJwtSvidTtl;
      this.bundleRefreshHint = bundleRefreshHint;
      this.jwtIssuer = jwtIssuer;
      validate();
    }

    private void validate() {
      if (jwtAlgorithm != JwtAlgorithm.ES256 && jwtAlgorithm != JwtAlgorithm.ES384
          && jwtAlgorithm != JwtAlgorithm.RS256 && jwtAlgorithm != JwtAlgorithm.PS256) {
        throw new IllegalArgumentException("the embedded authority signs with ES256, ES384, RS256 or PS256");
      }
      positive(defaultJwtSvidTtl, "default JWT-SVID TTL");
      positive(maxJwtSvidTtl, "maximum JWT-SVID TTL");
      positive(bundleRefreshHint, "bundle refresh hint");
      if (defaultJwtSvidTtl.compareTo(maxJwtSvidTtl) > 0) {
        throw new IllegalArgumentException("default JWT-SVID TTL " + defaultJwtSvidTtl
            + " exceeds the maximum " + maxJwtSvidTtl);
      }
      if (jwtKeyLifetime.compareTo(maxJwtSvidTtl.multipliedBy(6)) < 0) {
        throw new IllegalArgumentException("JWT key lifetime must be at least six times the maximum JWT-SVID TTL ("
            + maxJwtSvidTtl.multipliedBy(6) + "), so that rotation never cuts tokens short");
      }
    }
  }

  /** An immutable snapshot of the keys and the bundle they make. */
  private static final class State {
    final List<SigningKey> keys;
    final long sequence;
    final SigningKey active;
    final SigningKey prepared;
    final TrustBundle bundle;
    final Optional<TrustBundle> bundleOptional;

    State(TrustDomain trustDomain, List<SigningKey> keys, long sequence, Duration refreshHint) {
      this.keys = List.copyOf(keys);
      this.sequence = sequence;
      SigningKey a = null;
      SigningKey p = null;
      TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain).sequence(sequence).refreshHint(refreshHint);
      for (SigningKey key : keys) {
        if (key.state() == KeyState.ACTIVE) {
          a = key;
        } else if (key.state() == KeyState.PREPARED) {
          p = key;
        }
        builder.addJwtKey(key.publicKey);
      }
      this.active = a;
      this.prepared = p;
      this.bundle = builder.build();
      this.bundleOptional = Optional.of(bundle);
    }

    SigningKey find(String keyId) {
      for (SigningKey key : keys) {
        if (key.keyId.equals(keyId)) {
          return key;
        }
      }
      return null;
    }
  }

  private final TrustDomain trustDomain;
  private final Settings settings;
  private final Clock clock;
  private final AuthorityStore store;
  private final RevocationList revocations;
  private final Object lock = new Object();
  private volatile State state;
  private volatile Instant nextMaintenance;

  private EmbeddedAuthority(TrustDomain trustDomain, Settings settings, Clock clock, AuthorityStore store,
      long sequence, List<SigningKey> keys) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.clock = clock;
    this.store = store;
    this.revocations = new RevocationList(clock, settings.maxJwtSvidTtl.plus(RETIREMENT_GRACE));
    this.state = new State(trustDomain, keys, sequence, settings.bundleRefreshHint);
    this.nextMaintenance = Instant.MIN;
  }

  /** A builder for a new authority of {@code trustDomain}. */
  public static Builder newBuilder(TrustDomain trustDomain) {
    return new Builder(Objects.requireNonNull(trustDomain, "trustDomain"));
  }

  /**
   * Opens the authority persisted in {@code directory} (by {@link Builder#directory(Path)} or
   * {@code lanyard authority init}), on the system clock.
   *
   * @throws AuthorityStoreException when the directory is missing, foreign or corrupt
   */
  public static EmbeddedAuthority open(Path directory) {
    return open(directory, Clock.systemUTC());
  }

  /** Opens a persisted authority on {@code clock}. */
  public static EmbeddedAuthority open(Path directory, Clock clock) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(clock, "clock");
    AuthorityStore store = AuthorityStore.existing(directory);
    AuthorityStore.Snapshot snapshot = store.load();
    EmbeddedAuthority authority = new EmbeddedAuthority(snapshot.trustDomain, snapshot.settings, clock, store,
        snapshot.sequence, snapshot.keys);
    authority.maintain();
    return authority;
  }

  /** The trust domain this authority issues for. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The current trust bundle (JWT keys: prepared, active and retired ones). */
  public TrustBundle bundle() {
    maintainIfDue();
    return state.bundle;
  }

  /** A live bundle source: always this authority's current bundle, for its own trust domain only. */
  public BundleSource bundleSource() {
    return td -> {
      if (!trustDomain.equals(td)) {
        return Optional.empty();
      }
      maintainIfDue();
      return state.bundleOptional;
    };
  }

  /** The revocations of this authority; build verifiers with it so that revocation reaches them at once. */
  public RevocationList revocations() {
    return revocations;
  }

  /** The JWT signing algorithm. */
  public JwtAlgorithm jwtAlgorithm() {
    return settings.jwtAlgorithm;
  }

  /** The default JWT-SVID lifetime. */
  public Duration defaultJwtSvidTtl() {
    return settings.defaultJwtSvidTtl;
  }

  /** The longest JWT-SVID lifetime this authority mints. */
  public Duration maxJwtSvidTtl() {
    return settings.maxJwtSvidTtl;
  }

  /** The directory the authority persists to, if any. */
  public Optional<Path> directory() {
    return store == null ? Optional.empty() : Optional.of(store.directory());
  }

  /** The signing keys, oldest first: metadata only. */
  public List<AuthorityKey> jwtKeys() {
    List<AuthorityKey> keys = new ArrayList<>();
    for (SigningKey key : state.keys) {
      keys.add(key.describe());
    }
    return List.copyOf(keys);
  }

  /** Mints a JWT-SVID for {@code subject} with the default TTL. */
  public JwtSvid mintJwtSvid(SpiffeId subject, String audience, String... scopes) {
    return mint(subject, List.of(audience), List.of(scopes), null);
  }

  /**
   * Mints a JWT-SVID.
   *
   * @param ttl lifetime, or null for the default; at most the maximum TTL. Capped at the signing key's expiry.
   * @throws IllegalArgumentException when the subject is not a workload of this trust domain, or the TTL is out of
   *     range, or an audience or scope is invalid
   */
  @Override
  public JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes, Duration ttl) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(scopes, "scopes");
    if (!subject.isMemberOf(trustDomain)) {
      throw new IllegalArgumentException(subject + " is not in trust domain " + trustDomain);
    }
    if (subject.isTrustDomainId()) {
      throw new IllegalArgumentException("a JWT-SVID subject needs a workload path, not the trust domain's own ID");
    }
    Duration lifetime = ttl == null ? settings.defaultJwtSvidTtl : ttl;
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(settings.maxJwtSvidTtl) > 0) {
      throw new IllegalArgumentException("JWT-SVID TTL must be between 1s and " + settings.maxJwtSvidTtl.toSeconds()
          + "s");
    }
    maintainIfDue();
    SigningKey key = state.active;
    Instant now = clock.instant();
    Instant expiry = now.plus(lifetime);
    if (expiry.isAfter(key.notAfter)) {
      expiry = key.notAfter;
    }
    if (!expiry.isAfter(now.plusSeconds(1))) {
      throw new IllegalStateException("the active signing key expires too soon to mint; rotate the authority");
    }
    JwtSvid.Builder builder = JwtSvid.newBuilder().subject(subject).audience(audience).scopes(scopes)
        .validity(now, expiry);
    if (settings.jwtIssuer != null) {
      builder.issuer(settings.jwtIssuer);
    }
    return builder.sign(key.algorithm, key.keyId, key.keyPair.getPrivate());
  }

  /** False once the token's signing key was tainted, revoked or dropped. */
  @Override
  public boolean isUsable(JwtSvid svid) {
    SigningKey key = state.find(svid.keyId());
    return key != null && !key.tainted;
  }

  /**
   * Prepares the next signing key and publishes it in the bundle, or returns the one already prepared.
   */
  public AuthorityKey prepareJwtKey() {
    synchronized (lock) {
      State s = state;
      if (s.prepared != null) {
        return s.prepared.describe();
      }
      SigningKey key = newKey(clock.instant());
      List<SigningKey> keys = new ArrayList<>(s.keys);
      keys.add(key);
      publish(keys, s.sequence + 1);
      return key.describe();
    }
  }

  /**
   * Activates the prepared key (which must exist: prepare it first so that it is published before it signs) and
   * retires the active one.
   *
   * @throws IllegalStateException when no key is prepared
   */
  public AuthorityKey activateJwtKey() {
    synchronized (lock) {
      State s = state;
      if (s.prepared == null) {
        throw new IllegalStateException("no prepared key to activate; prepare one first");
      }
      Instant now = clock.instant();
      publish(replace(s.keys, s.active, s.active == null ? null : s.active.retire(now), s.prepared,
          s.prepared.activate(now)), s.sequence + 1);
      return state.active.describe();
    }
  }

  /**
   * One step of a manual rotation: activates the prepared key if there is one, otherwise prepares one.
   *
   * @return the key that was activated or prepared
   */
  public AuthorityKey rotateJwtKey() {
    synchronized (lock) {
      return state.prepared != null ? activateJwtKey() : prepareJwtKey();
    }
  }

  /**
   * Taints a key: it signs nothing more and credential caches re-mint the tokens it signed. A tainted active key is
   * replaced at once by the prepared key, or by a fresh one if none is prepared. Its tokens stay valid until they
   * expire unless it is also revoked.
   *
   * @throws IllegalArgumentException when the authority has no such key
   */
  public AuthorityKey taintJwtKey(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    synchronized (lock) {
      State s = state;
      SigningKey key = s.find(keyId);
      if (key == null) {
        throw new IllegalArgumentException("no key " + keyId);
      }
      Instant now = clock.instant();
      List<SigningKey> keys = new ArrayList<>(s.keys);
      SigningKey tainted = key.taint();
      if (key.state() != KeyState.RETIRED) {
        tainted = tainted.retire(now);
      }
      keys.set(keys.indexOf(key), tainted);
      if (key == s.active) {
        SigningKey next = s.prepared != null ? s.prepared : newKey(now);
        if (next == s.prepared) {
          keys.set(keys.indexOf(next), next.activate(now));
        } else {
          keys.add(next.activate(now));
        }
      }
      publish(keys, s.sequence + 1);
      return state.find(keyId).describe();
    }
  }

  /**
   * Revokes a key that is no longer active (taint or rotate it first): it leaves the bundle, and every verifier
   * sharing {@link #revocations()} rejects its tokens, cached or not, once this returns.
   *
   * @throws IllegalArgumentException when the authority has no such key
   * @throws IllegalStateException when the key is the active one
   */
  public void revokeJwtKey(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    synchronized (lock) {
      State s = state;
      SigningKey key = s.find(keyId);
      if (key == null) {
        throw new IllegalArgumentException("no key " + keyId);
      }
      if (key == s.active) {
        throw new IllegalStateException("key " + keyId + " is active; taint it (or rotate) before revoking it");
      }
      revocations.revokeKey(keyId);
      List<SigningKey> keys = new ArrayList<>(s.keys);
      keys.remove(key);
      publish(keys, s.sequence + 1);
    }
  }

  /**
   * Applies the time-driven lifecycle now: creates the first key, prepares, activates, and drops retired keys whose
   * last token has expired. Called automatically (cheaply) on minting and bundle reads.
   */
  public void maintain() {
    synchronized (lock) {
      Instant now = clock.instant();
      State s = state;
      List<SigningKey> keys = new ArrayList<>(s.keys);
      boolean changed = keys.removeIf(k -> k.state() == KeyState.RETIRED
          && !now.isBefore(k.removableAt(settings.maxJwtSvidTtl, RETIREMENT_GRACE)));
      SigningKey active = s.active;
      SigningKey prepared = s.prepared;
      if (prepared != null && !now.isBefore(prepared.notAfter)) {
        keys.remove(prepared);
        prepared = null;
        changed = true;
      }
      Duration life = settings.jwtKeyLifetime;
      if (active == null || !now.isBefore(active.notAfter.minus(settings.maxJwtSvidTtl))) {
        // No usable active key: activate the prepared one, or a fresh one (first start, or a long pause).
        SigningKey next = prepared != null ? prepared : newKey(now);
        if (active != null) {
          keys.set(keys.indexOf(active), active.retire(now));
        }
        if (next == prepared) {
          keys.set(keys.indexOf(prepared), prepared.activate(now));
        } else {
          keys.add(next.activate(now));
        }
        changed = true;
      } else {
        Instant activeSince = active.activatedAt;
        if (prepared == null && !now.isBefore(activeSince.plus(life.dividedBy(2)))) {
          keys.add(newKey(now));
          changed = true;
        } else if (prepared != null && !now.isBefore(activeSince.plus(life.multipliedBy(5).dividedBy(6)))) {
          keys.set(keys.indexOf(active), active.retire(now));
          keys.set(keys.indexOf(prepared), prepared.activate(now));
          changed = true;
        }
      }
      if (changed) {
        publish(keys, s.sequence + 1);
      }
      nextMaintenance = now.plus(nextMaintenanceDelay());
    }
  }

  private Duration nextMaintenanceDelay() {
    Duration delay = settings.jwtKeyLifetime.dividedBy(24);
    return delay.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : delay;
  }

  private void maintainIfDue() {
    if (!clock.instant().isBefore(nextMaintenance)) {
      maintain();
    }
  }

  private SigningKey newKey(Instant now) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return new SigningKey(Base64Url.encode(id), settings.jwtAlgorithm,
        JwsSigning.generateKeyPair(settings.jwtAlgorithm), now, now.plus(settings.jwtKeyLifetime), null, null, false);
  }

  private static List<SigningKey> replace(List<SigningKey> keys, SigningKey a, SigningKey newA, SigningKey b,
      SigningKey newB) {
    List<SigningKey> copy = new ArrayList<>(keys);
    if (a != null) {
      copy.set(copy.indexOf(a), newA);
    }
    copy.set(copy.indexOf(b), newB);
    return copy;
  }

  /** Persists (when the authority has a directory) and then publishes a new key set. Holds {@link #lock}. */
  private void publish(List<SigningKey> keys, long sequence) {
    State next = new State(trustDomain, keys, sequence, settings.bundleRefreshHint);
    if (store != null) {
      store.save(new AuthorityStore.Snapshot(trustDomain, settings, sequence, next.keys));
    }
    state = next;
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "EmbeddedAuthority[" + trustDomain + ", " + settings.jwtAlgorithm + ", keys=" + jwtKeys() + "]";
  }

  /**
   * Builds a new {@link EmbeddedAuthority}. Defaults: ES256, key lifetime 24 h, JWT-SVID TTL 5 min (at most 1 h),
   * bundle refresh hint 5 min, the system clock, no persistence.
   */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private JwtAlgorithm jwtAlgorithm = JwtAlgorithm.ES256;
    private Duration jwtKeyLifetime = Duration.ofHours(24);
    private Duration defaultJwtSvidTtl = Duration.ofMinutes(5);
    private Duration maxJwtSvidTtl = Duration.ofHours(1);
    private Duration bundleRefreshHint = Duration.ofMinutes(5);
    private String jwtIssuer;
    private Clock clock = Clock.systemUTC();
    private Path directory;

    private Builder(TrustDomain trustDomain) {
      this.trustDomain = trustDomain;
    }

    /** ES256 (default), ES384, RS256 (2048-bit) or PS256 (2048-bit). */
    public Builder jwtAlgorithm(JwtAlgorithm jwtAlgorithm) {
      this.jwtAlgorithm = Objects.requireNonNull(jwtAlgorithm, "jwtAlgorithm");
      return this;
    }

    /** Lifetime of each signing key; at least six times the maximum JWT-SVID TTL (default 24 h). */
    public Builder jwtKeyLifetime(Duration lifetime) {
      this.jwtKeyLifetime = Objects.requireNonNull(lifetime, "lifetime");
      return this;
    }

    /** Lifetime of a JWT-SVID when none is asked for (default 5 min). */
    public Builder defaultJwtSvidTtl(Duration ttl) {
      this.defaultJwtSvidTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Longest JWT-SVID lifetime minted (default 1 h). */
    public Builder maxJwtSvidTtl(Duration ttl) {
      this.maxJwtSvidTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** The refresh hint published in the bundle (default 5 min). */
    public Builder bundleRefreshHint(Duration hint) {
      this.bundleRefreshHint = Objects.requireNonNull(hint, "hint");
      return this;
    }

    /** An {@code iss} claim for minted tokens (none by default). */
    public Builder jwtIssuer(String issuer) {
      this.jwtIssuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Persist the authority in {@code directory}, which must be empty or absent; reopen it later with
     * {@link EmbeddedAuthority#open(Path)}.
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Creates the authority with its first active key (and persists it, with a directory).
     *
     * @throws IllegalArgumentException when the settings contradict each other
     * @throws AuthorityStoreException when the directory cannot be used
     */
    public EmbeddedAuthority build() {
      Settings settings = new Settings(jwtAlgorithm, jwtKeyLifetime, defaultJwtSvidTtl, maxJwtSvidTtl,
          bundleRefreshHint, jwtIssuer);
      AuthorityStore store = directory == null ? null : AuthorityStore.create(directory);
      EmbeddedAuthority authority = new EmbeddedAuthority(trustDomain, settings, clock, store, 0, List.of());
      authority.maintain();
      return authority;
    }
  }

  static void positive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
