package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.credentials.JwtSvidMinter;
import dev.lanyard.credentials.X509SvidIssuer;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.DnsNames;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.internal.Text;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-JVM authority for one trust domain: it mints JWT-SVIDs, issues X.509-SVIDs and publishes the trust bundle
 * (JWT keys and X.509 roots).
 *
 * <p>Key lifecycle (like SPIRE's), for JWT signing keys and X.509 CAs alike: the authority keeps one ACTIVE key of
 * each kind. When it has lived half its lifetime a next one is PREPARED and published in the bundle; at five sixths
 * it is activated and the old one RETIRED. A retired key stays in the bundle until the last credential it signed has
 * expired (its retirement plus the maximum credential TTL, capped at its own expiry, plus a 5 minute grace for clock
 * skew). Credential expiry is capped at the signing key's expiry. Tainting stops a key signing at once (credential
 * caches renew what it signed); revoking removes a non-active key from the bundle, and for JWT keys revokes its tokens
 * in every verifier that shares {@link #revocations()}.
 *
 * <p>The CA is self-signed, or an intermediate under an upstream CA (its key and certificate chain, the way SPIRE's
 * disk upstream authority works); then the bundle's root is the upstream root. CA certificates are CA:TRUE (critical),
 * keyCertSign and cRLSign (critical), with the URI SAN {@code spiffe://<trust domain>}.
 *
 * <p>Minting and issuing take no lock: they read an immutable snapshot. Key changes are serialised and, when the
 * authority has a directory, persisted before they are published.
 */
public final class EmbeddedAuthority implements JwtSvidMinter, X509SvidIssuer {
  /** Grace a retired key stays published after its last credential's expiry, for verifiers' clock skew. */
  static final Duration RETIREMENT_GRACE = Duration.ofMinutes(5);
  /** How far an X.509-SVID's notBefore is backdated, for peers whose clocks are a little behind. */
  static final Duration BACKDATE = Duration.ofSeconds(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Settings that persist with the authority. */
  static final class Settings {
    final JwtAlgorithm jwtAlgorithm;
    final Duration jwtKeyLifetime;
    final Duration defaultJwtSvidTtl;
    final Duration maxJwtSvidTtl;
    final Duration bundleRefreshHint;
    final String jwtIssuer;
    final Certificates.KeyType caKeyType;
    final Duration caLifetime;
    final Duration defaultX509SvidTtl;
    final Duration maxX509SvidTtl;

    Settings(JwtAlgorithm jwtAlgorithm, Duration jwtKeyLifetime, Duration defaultJwtSvidTtl,
        Duration maxJwtSvidTtl, Duration bundleRefreshHint, String jwtIssuer, Certificates.KeyType caKeyType,
        Duration caLifetime, Duration defaultX509SvidTtl, Duration maxX509SvidTtl) {
      this.jwtAlgorithm = jwtAlgorithm;
      this.jwtKeyLifetime = jwtKeyLifetime;
      this.defaultJwtSvidTtl = defaultJwtSvidTtl;
      this.maxJwtSvidTtl = maxJwtSvidTtl;
      this.bundleRefreshHint = bundleRefreshHint;
      this.jwtIssuer = jwtIssuer;
      this.caKeyType = caKeyType;
      this.caLifetime = caLifetime;
      this.defaultX509SvidTtl = defaultX509SvidTtl;
      this.maxX509SvidTtl = maxX509SvidTtl;
      validate();
    }

    private void validate() {
      if (jwtAlgorithm != JwtAlgorithm.ES256 && jwtAlgorithm != JwtAlgorithm.ES384
          && jwtAlgorithm != JwtAlgorithm.RS256 && jwtAlgorithm != JwtAlgorithm.PS256) {
        throw new IllegalArgumentException("the embedded authority signs with ES256, ES384, RS256 or PS256");
      }
      Objects.requireNonNull(caKeyType, "caKeyType");
      checkTtls("JWT", jwtKeyLifetime, defaultJwtSvidTtl, maxJwtSvidTtl);
      checkTtls("X.509", caLifetime, defaultX509SvidTtl, maxX509SvidTtl);
      positive(bundleRefreshHint, "bundle refresh hint");
    }

    private static void checkTtls(String what, Duration keyLifetime, Duration defaultTtl, Duration maxTtl) {
      positive(defaultTtl, "default " + what + "-SVID TTL");
      positive(maxTtl, "maximum " + what + "-SVID TTL");
      if (defaultTtl.compareTo(maxTtl) > 0) {
        throw new IllegalArgumentException("default " + what + "-SVID TTL " + defaultTtl + " exceeds the maximum "
            + maxTtl);
      }
      if (keyLifetime.compareTo(maxTtl.multipliedBy(6)) < 0) {
        throw new IllegalArgumentException(what + " key lifetime must be at least six times the maximum " + what
            + "-SVID TTL (" + maxTtl.multipliedBy(6) + "), so that rotation never cuts credentials short");
      }
    }

    Duration lifetime(Kind kind) {
      return kind == Kind.JWT ? jwtKeyLifetime : caLifetime;
    }

    Duration maxTtl(Kind kind) {
      return kind == Kind.JWT ? maxJwtSvidTtl : maxX509SvidTtl;
    }
  }

  /** The upstream CA an intermediate CA is signed by: its key and its chain (its own certificate first). */
  static final class Upstream {
    final PrivateKey key;
    final List<X509Certificate> chain;

    Upstream(PrivateKey key, List<X509Certificate> chain) {
      this.key = key;
      this.chain = List.copyOf(chain);
    }
  }

  /** An immutable snapshot of the keys and the bundle they make. */
  private static final class State {
    final List<SigningKey> keys;
    final long sequence;
    final SigningKey activeJwt;
    final SigningKey preparedJwt;
    final SigningKey activeCa;
    final SigningKey preparedCa;
    final TrustBundle bundle;
    final Optional<TrustBundle> bundleOptional;

    State(TrustDomain trustDomain, List<SigningKey> keys, long sequence, Duration refreshHint) {
      this.keys = List.copyOf(keys);
      this.sequence = sequence;
      this.activeJwt = find(keys, Kind.JWT, KeyState.ACTIVE);
      this.preparedJwt = find(keys, Kind.JWT, KeyState.PREPARED);
      this.activeCa = find(keys, Kind.X509_CA, KeyState.ACTIVE);
      this.preparedCa = find(keys, Kind.X509_CA, KeyState.PREPARED);
      TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain).sequence(sequence).refreshHint(refreshHint);
      for (SigningKey key : keys) {
        if (key.kind == Kind.JWT) {
          builder.addJwtKey(key.publicKey);
        } else {
          builder.addX509Authority(key.root());
        }
      }
      this.bundle = builder.build();
      this.bundleOptional = Optional.of(bundle);
    }

    private static SigningKey find(List<SigningKey> keys, Kind kind, KeyState state) {
      for (SigningKey key : keys) {
        if (key.kind == kind && key.state() == state) {
          return key;
        }
      }
      return null;
    }

    SigningKey active(Kind kind) {
      return kind == Kind.JWT ? activeJwt : activeCa;
    }

    SigningKey prepared(Kind kind) {
      return kind == Kind.JWT ? preparedJwt : preparedCa;
    }

    SigningKey find(Kind kind, String keyId) {
      for (SigningKey key : keys) {
        if (key.kind == kind && key.keyId.equals(keyId)) {
          return key;
        }
      }
      return null;
    }
  }

  private final TrustDomain trustDomain;
  private final Settings settings;
  private final Upstream upstream;
  private final Clock clock;
  private final AuthorityStore store;
  private final RevocationList revocations;
  private final Object lock = new Object();
  private volatile State state;
  private volatile Instant nextMaintenance;
  private final BundleSource bundleSource = td -> {
    if (!trustDomain().equals(td)) {
      return Optional.empty();
    }
    maintainIfDue();
    return state.bundleOptional;
  };

  private EmbeddedAuthority(TrustDomain trustDomain, Settings settings, Upstream upstream, Clock clock,
      AuthorityStore store, long sequence, List<SigningKey> keys) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.upstream = upstream;
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
   * <p>On POSIX file systems the directory, {@code keys/}, {@code authority.json} and every key file read must be
   * owned by the current user and not writable by group or others, and key files not readable by them either;
   * elsewhere (Windows) owner and modes are not checked.
   *
   * @throws AuthorityStoreException when the directory is missing, foreign or corrupt, or another user owns or may
   *     write (for key files, read) a part of it: the message names the path, its mode and the fix
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
    EmbeddedAuthority authority = new EmbeddedAuthority(snapshot.trustDomain, snapshot.settings, snapshot.upstream,
        clock, store, snapshot.sequence, snapshot.keys);
    authority.maintain();
    return authority;
  }

  /** The trust domain this authority issues for. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The current trust bundle: JWT keys and X.509 roots, prepared, active and retired. */
  public TrustBundle bundle() {
    maintainIfDue();
    return state.bundle;
  }

  /**
   * A live bundle source (always the same instance): this authority's current bundle, for its own trust domain only.
   */
  public BundleSource bundleSource() {
    return bundleSource;
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

  /** The default X.509-SVID lifetime. */
  public Duration defaultX509SvidTtl() {
    return settings.defaultX509SvidTtl;
  }

  /** The longest X.509-SVID lifetime this authority issues. */
  public Duration maxX509SvidTtl() {
    return settings.maxX509SvidTtl;
  }

  /** The directory the authority persists to, if any. */
  public Optional<Path> directory() {
    return store == null ? Optional.empty() : Optional.of(store.directory());
  }

  /** The JWT signing keys, oldest first: metadata only. */
  public List<AuthorityKey> jwtKeys() {
    List<AuthorityKey> keys = new ArrayList<>();
    for (SigningKey key : state.keys) {
      if (key.kind == Kind.JWT) {
        keys.add(key.describe());
      }
    }
    return List.copyOf(keys);
  }

  /** The X.509 CAs, oldest first: metadata and certificates only. */
  public List<AuthorityCa> x509Cas() {
    List<AuthorityCa> cas = new ArrayList<>();
    for (SigningKey key : state.keys) {
      if (key.kind == Kind.X509_CA) {
        cas.add(key.describeCa());
      }
    }
    return List.copyOf(cas);
  }

  // ---------------------------------------------------------------------------------------------------- JWT-SVIDs

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
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(scopes, "scopes");
    checkSubject(subject, "JWT-SVID");
    Duration lifetime = checkTtl(ttl, settings.defaultJwtSvidTtl, settings.maxJwtSvidTtl, "JWT-SVID");
    maintainIfDue();
    SigningKey key = state.activeJwt;
    Instant now = clock.instant();
    Instant expiry = capped(now.plus(lifetime), key);
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
    SigningKey key = state.find(Kind.JWT, svid.keyId());
    return key != null && !key.tainted;
  }

  /** Prepares the next JWT signing key and publishes it, or returns the one already prepared. */
  public AuthorityKey prepareJwtKey() {
    return prepare(Kind.JWT).describe();
  }

  /**
   * Activates the prepared JWT key (prepare it first so that it is published before it signs) and retires the
   * active one.
   *
   * @throws IllegalStateException when no key is prepared
   */
  public AuthorityKey activateJwtKey() {
    return activate(Kind.JWT).describe();
  }

  /** One step of a manual JWT key rotation: activates the prepared key if there is one, otherwise prepares one. */
  public AuthorityKey rotateJwtKey() {
    return rotate(Kind.JWT).describe();
  }

  /**
   * Taints a JWT key: it signs nothing more and credential caches re-mint the tokens it signed. A tainted active key
   * is replaced at once by the prepared key, or by a fresh one. Its tokens stay valid until they expire unless it is
   * also revoked.
   *
   * @throws IllegalArgumentException when the authority has no such key
   */
  public AuthorityKey taintJwtKey(String keyId) {
    return taint(Kind.JWT, keyId).describe();
  }

  /**
   * Revokes a JWT key that is no longer active (taint or rotate it first): it leaves the bundle, and every verifier
   * sharing {@link #revocations()} rejects its tokens, cached or not, once this returns.
   *
   * @throws IllegalArgumentException when the authority has no such key
   * @throws IllegalStateException when the key is the active one
   */
  public void revokeJwtKey(String keyId) {
    revoke(Kind.JWT, keyId);
  }

  // ------------------------------------------------------------------------------------------------- X.509-SVIDs

  /** Issues an X.509-SVID with a fresh EC P-256 key and the default TTL. */
  public X509Svid issueX509Svid(SpiffeId subject) {
    return issueX509Svid(subject, null, List.of());
  }

  @Override
  public X509Svid issue(SpiffeId subject, Duration ttl) {
    return issueX509Svid(subject, ttl, List.of());
  }

  /**
   * Issues an X.509-SVID with a fresh EC P-256 key.
   *
   * @param ttl lifetime, or null for the default (1 h); capped at the CA's expiry
   * @param dnsNames DNS SANs to add (optional): LDH names, either case, without trailing dot, not IP addresses; a
   *     wildcard only as the whole leftmost label with at least two labels after it ({@code *.example.org})
   * @throws IllegalArgumentException when the subject is not a workload of this trust domain, the TTL is out of
   *     range or a DNS name is invalid (the message names it)
   */
  public X509Svid issueX509Svid(SpiffeId subject, Duration ttl, Collection<String> dnsNames) {
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);
    return issueFor(subject, pair.getPublic(), pair.getPrivate(), ttl, dnsNames);
  }

  /**
   * Issues an X.509-SVID for the key in a PKCS#10 certificate signing request, so that the workload keeps its private
   * key. The CSR's signature is checked and only its public key is used: the names it asks for are ignored in favour
   * of {@code subject} and {@code dnsNames}. The returned SVID holds no private key.
   *
   * @throws IllegalArgumentException when the CSR is malformed, its signature is wrong or its key is not EC P-256 or
   *     RSA of at least 2048 bits, or as for {@link #issueX509Svid(SpiffeId, Duration, Collection)}
   */
  public X509Svid issueX509SvidForCsr(byte[] csrDer, SpiffeId subject, Duration ttl, Collection<String> dnsNames) {
    Objects.requireNonNull(csrDer, "csrDer");
    PublicKey key;
    try {
      key = Csrs.verifiedPublicKey(csrDer);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid certificate signing request: " + e.getMessage());
    }
    return issueFor(subject, key, null, ttl, dnsNames);
  }

  private X509Svid issueFor(SpiffeId subject, PublicKey publicKey, PrivateKey privateKey, Duration ttl,
      Collection<String> dnsNames) {
    Objects.requireNonNull(dnsNames, "dnsNames");
    checkSubject(subject, "X.509-SVID");
    for (String dns : dnsNames) {
      // The verifier's grammar (DnsNames), so that the authority never issues an SVID its own verifier refuses.
      if (!DnsNames.isDnsName(dns, true)) {
        throw new IllegalArgumentException("'" + (dns == null ? "null" : Text.printable(dns)) + "' is not a DNS name "
            + "(LDH labels of at most 63 characters, at most 253 in all, no trailing dot, not an IP address; a "
            + "wildcard only as '*.' followed by at least two labels)");
      }
    }
    Duration lifetime = checkTtl(ttl, settings.defaultX509SvidTtl, settings.maxX509SvidTtl, "X.509-SVID");
    maintainIfDue();
    SigningKey ca = state.activeCa;
    Instant now = clock.instant();
    Instant notBefore = now.minus(BACKDATE);
    Instant caNotBefore = ca.certificate().getNotBefore().toInstant();
    if (notBefore.isBefore(caNotBefore)) {
      notBefore = caNotBefore;
    }
    Instant notAfter = capped(now.plus(lifetime), ca);
    if (!notAfter.isAfter(now)) {
      throw new IllegalStateException("the active CA has expired (at " + ca.notAfter
          + "); configure a valid upstream CA");
    }
    X509Certificate leaf = Certificates.leafCertificate(publicKey, subject, dnsNames, ca.certificate(),
        ca.keyPair.getPrivate(), notBefore, notAfter);
    // Leaf, then intermediates up to but not including the root the bundle publishes.
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf);
    chain.addAll(ca.chain.subList(0, ca.chain.size() - 1));
    try {
      // Every SVID is checked against the X509-SVID profile before it is handed out (as SPIRE does). Its signature
      // is not re-verified: the CA key just made it, and on JDK 17 a verification would double the cost of issuing.
      return X509Svid.of(chain, privateKey);
    } catch (X509SvidRejectedException e) {
      throw new IllegalStateException("issued an X.509-SVID that fails its own profile check: " + e.getMessage(), e);
    }
  }

  /** False once the SVID's CA was tainted, revoked or dropped. */
  @Override
  public boolean isUsable(X509Svid svid) {
    // Called on every handshake through the SVID source: match by name and key identifier, no signature check.
    for (SigningKey key : state.keys) {
      if (key.kind == Kind.X509_CA && Certificates.mayHaveIssued(key.certificate(), svid.leaf())) {
        return !key.tainted;
      }
    }
    return false;
  }

  /** Prepares the next X.509 CA and publishes its root, or returns the one already prepared. */
  public AuthorityCa prepareX509Ca() {
    return prepare(Kind.X509_CA).describeCa();
  }

  /** Activates the prepared CA and retires the active one. @throws IllegalStateException when none is prepared */
  public AuthorityCa activateX509Ca() {
    return activate(Kind.X509_CA).describeCa();
  }

  /** One step of a manual CA rotation: activates the prepared CA if there is one, otherwise prepares one. */
  public AuthorityCa rotateX509Ca() {
    return rotate(Kind.X509_CA).describeCa();
  }

  /** Taints a CA: it issues nothing more and SVID sources renew what it issued. */
  public AuthorityCa taintX509Ca(String id) {
    return taint(Kind.X509_CA, id).describeCa();
  }

  /** Removes a CA that is no longer active from the bundle: its SVIDs stop verifying. */
  public void revokeX509Ca(String id) {
    revoke(Kind.X509_CA, id);
  }

  // --------------------------------------------------------------------------------------------------- lifecycle

  private SigningKey prepare(Kind kind) {
    synchronized (lock) {
      State s = state;
      if (s.prepared(kind) != null) {
        return s.prepared(kind);
      }
      SigningKey key = newKey(kind, clock.instant());
      List<SigningKey> keys = new ArrayList<>(s.keys);
      keys.add(key);
      publish(keys, s.sequence + 1);
      return key;
    }
  }

  private SigningKey activate(Kind kind) {
    synchronized (lock) {
      State s = state;
      SigningKey prepared = s.prepared(kind);
      if (prepared == null) {
        throw new IllegalStateException("no prepared key to activate; prepare one first");
      }
      Instant now = clock.instant();
      List<SigningKey> keys = new ArrayList<>(s.keys);
      SigningKey active = s.active(kind);
      if (active != null) {
        keys.set(keys.indexOf(active), active.retire(now));
      }
      SigningKey activated = prepared.activate(now);
      keys.set(keys.indexOf(prepared), activated);
      publish(keys, s.sequence + 1);
      return activated;
    }
  }

  private SigningKey rotate(Kind kind) {
    synchronized (lock) {
      return state.prepared(kind) != null ? activate(kind) : prepare(kind);
    }
  }

  private SigningKey taint(Kind kind, String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    synchronized (lock) {
      State s = state;
      SigningKey key = s.find(kind, keyId);
      if (key == null) {
        throw new IllegalArgumentException("no key " + keyId);
      }
      if (key.tainted) {
        return key;
      }
      Instant now = clock.instant();
      List<SigningKey> keys = new ArrayList<>(s.keys);
      SigningKey tainted = key.taint();
      if (key.state() != KeyState.RETIRED) {
        tainted = tainted.retire(now);
      }
      keys.set(keys.indexOf(key), tainted);
      if (key == s.active(kind)) {
        SigningKey prepared = s.prepared(kind);
        if (prepared != null) {
          keys.set(keys.indexOf(prepared), prepared.activate(now));
        } else {
          keys.add(newKey(kind, now).activate(now));
        }
      }
      publish(keys, s.sequence + 1);
      return state.find(kind, keyId);
    }
  }

  private void revoke(Kind kind, String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    synchronized (lock) {
      State s = state;
      SigningKey key = s.find(kind, keyId);
      if (key == null) {
        throw new IllegalArgumentException("no key " + keyId);
      }
      if (key == s.active(kind)) {
        throw new IllegalStateException("key " + keyId + " is active; taint it (or rotate) before revoking it");
      }
      if (kind == Kind.X509_CA && upstream != null) {
        throw new IllegalStateException("the bundle's root is the upstream CA, so removing intermediate " + keyId
            + " would not stop its SVIDs verifying; revoke it at the upstream CA, or taint it and let them expire");
      }
      if (kind == Kind.JWT) {
        revocations.revokeKey(keyId);
      }
      List<SigningKey> keys = new ArrayList<>(s.keys);
      keys.remove(key);
      publish(keys, s.sequence + 1);
    }
  }

  /**
   * Applies the time-driven lifecycle now, for JWT keys and CAs: creates the first key, prepares, activates, and drops
   * retired keys whose last credential has expired. Called automatically (cheaply) on minting and bundle reads.
   */
  public void maintain() {
    synchronized (lock) {
      Instant now = clock.instant();
      State s = state;
      List<SigningKey> keys = new ArrayList<>(s.keys);
      boolean changed = maintain(Kind.JWT, s, keys, now);
      changed |= maintain(Kind.X509_CA, s, keys, now);
      if (changed) {
        publish(keys, s.sequence + 1);
      }
      nextMaintenance = now.plus(Duration.ofMinutes(1).compareTo(settings.jwtKeyLifetime.dividedBy(24)) < 0
          ? Duration.ofMinutes(1) : settings.jwtKeyLifetime.dividedBy(24));
    }
  }

  private boolean maintain(Kind kind, State s, List<SigningKey> keys, Instant now) {
    Duration maxTtl = settings.maxTtl(kind);
    boolean changed = keys.removeIf(k -> k.kind == kind && k.state() == KeyState.RETIRED
        && !now.isBefore(k.removableAt(maxTtl, RETIREMENT_GRACE)));
    SigningKey active = s.active(kind);
    SigningKey prepared = s.prepared(kind);
    if (prepared != null && !now.isBefore(prepared.notAfter.minus(maxTtl))) {
      keys.remove(prepared);
      prepared = null;
      changed = true;
    }
    Duration life = settings.lifetime(kind);
    if (active != null && now.isBefore(active.notAfter) && !now.isBefore(longestPossibleNotAfter(kind, now)
        .minus(maxTtl))) {
      // A new key could live no longer than this one (an upstream CA about to expire caps them all): keep issuing
      // with the current one, capped at its expiry, rather than churning out unpublished keys every minute.
      return changed;
    }
    if (active == null || !now.isBefore(active.notAfter.minus(maxTtl))) {
      // No usable active key: activate the prepared one, or a fresh one (first start, or a long pause).
      if (active != null) {
        keys.set(keys.indexOf(active), active.retire(now));
      }
      if (prepared != null) {
        keys.set(keys.indexOf(prepared), prepared.activate(now));
      } else {
        keys.add(newKey(kind, now).activate(now));
      }
      return true;
    }
    // The schedule follows the active key's own life (from its creation, when it was published), not its
    // activation: a key prepared at half its predecessor's life would otherwise reach "prepare the next one" at the
    // very moment it stops being usable, and its successor would sign unpublished.
    Instant born = active.createdAt;
    if (prepared == null && !now.isBefore(born.plus(life.dividedBy(2)))) {
      keys.add(newKey(kind, now));
      return true;
    }
    if (prepared != null && !now.isBefore(born.plus(life.multipliedBy(5).dividedBy(6)))) {
      keys.set(keys.indexOf(active), active.retire(now));
      keys.set(keys.indexOf(prepared), prepared.activate(now));
      return true;
    }
    return changed;
  }

  private void maintainIfDue() {
    if (!clock.instant().isBefore(nextMaintenance)) {
      maintain();
    }
  }

  /** The latest notAfter a key of this kind made now could have. */
  private Instant longestPossibleNotAfter(Kind kind, Instant now) {
    Instant end = now.plus(settings.lifetime(kind));
    if (kind == Kind.X509_CA && upstream != null) {
      Instant upstreamEnd = upstream.chain.get(0).getNotAfter().toInstant();
      if (upstreamEnd.isBefore(end)) {
        end = upstreamEnd;
      }
    }
    return end;
  }

  private SigningKey newKey(Kind kind, Instant now) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    String keyId = Base64Url.encode(id);
    if (kind == Kind.JWT) {
      return SigningKey.jwt(keyId, settings.jwtAlgorithm, JwsSigning.generateKeyPair(settings.jwtAlgorithm), now,
          now.plus(settings.jwtKeyLifetime), null, null, false);
    }
    KeyPair pair = Certificates.generateKeyPair(settings.caKeyType);
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = now.plus(settings.caLifetime);
    List<X509Certificate> chain = new ArrayList<>();
    if (upstream == null) {
      chain.add(Certificates.caCertificate(pair, trustDomain, null, null, notBefore, notAfter));
    } else {
      X509Certificate upstreamCert = upstream.chain.get(0);
      Instant upstreamEnd = upstreamCert.getNotAfter().toInstant();
      if (notAfter.isAfter(upstreamEnd)) {
        notAfter = upstreamEnd;
      }
      chain.add(Certificates.caCertificate(pair, trustDomain, upstreamCert, upstream.key, notBefore, notAfter));
      chain.addAll(upstream.chain);
    }
    return SigningKey.ca(keyId, settings.caKeyType, pair, chain, now, null, null, false);
  }

  private static Instant capped(Instant expiry, SigningKey key) {
    return expiry.isAfter(key.notAfter) ? key.notAfter : expiry;
  }

  private void checkSubject(SpiffeId subject, String what) {
    Objects.requireNonNull(subject, "subject");
    if (!subject.isMemberOf(trustDomain)) {
      throw new IllegalArgumentException(subject + " is not in trust domain " + trustDomain);
    }
    if (subject.isTrustDomainId()) {
      throw new IllegalArgumentException("a " + what + " subject needs a workload path, not the trust domain's ID");
    }
  }

  private static Duration checkTtl(Duration ttl, Duration defaultTtl, Duration maxTtl, String what) {
    Duration lifetime = ttl == null ? defaultTtl : ttl;
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException(what + " TTL must be between 1s and " + maxTtl.toSeconds() + "s");
    }
    return lifetime;
  }

  /** Persists (when the authority has a directory) and then publishes a new key set. Holds {@link #lock}. */
  private void publish(List<SigningKey> keys, long sequence) {
    State next = new State(trustDomain, keys, sequence, settings.bundleRefreshHint);
    if (store != null) {
      store.save(new AuthorityStore.Snapshot(trustDomain, settings, upstream, sequence, next.keys));
    }
    state = next;
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "EmbeddedAuthority[" + trustDomain + ", " + settings.jwtAlgorithm + ", keys=" + jwtKeys() + ", cas="
        + x509Cas() + "]";
  }

  /**
   * Builds a new {@link EmbeddedAuthority}. Defaults: ES256 JWT keys living 24 h, JWT-SVID TTL 5 min (at most 1 h),
   * an EC P-256 self-signed CA living 7 days, X.509-SVID TTL 1 h (at most 24 h), bundle refresh hint 5 min, the
   * system clock, no persistence.
   */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private JwtAlgorithm jwtAlgorithm = JwtAlgorithm.ES256;
    private Duration jwtKeyLifetime = Duration.ofHours(24);
    private Duration defaultJwtSvidTtl = Duration.ofMinutes(5);
    private Duration maxJwtSvidTtl = Duration.ofHours(1);
    private Duration bundleRefreshHint = Duration.ofMinutes(5);
    private String jwtIssuer;
    private Certificates.KeyType caKeyType = Certificates.KeyType.EC_P256;
    private Duration caLifetime = Duration.ofDays(7);
    private Duration defaultX509SvidTtl = Duration.ofHours(1);
    private Duration maxX509SvidTtl = Duration.ofHours(24);
    private Upstream upstream;
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

    /** Lifetime of each JWT signing key; at least six times the maximum JWT-SVID TTL (default 24 h). */
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

    /** RSA (2048-bit) CA keys instead of EC P-256. */
    public Builder rsaCa() {
      this.caKeyType = Certificates.KeyType.RSA_2048;
      return this;
    }

    /** Lifetime of each CA; at least six times the maximum X.509-SVID TTL (default 7 days). */
    public Builder caLifetime(Duration lifetime) {
      this.caLifetime = Objects.requireNonNull(lifetime, "lifetime");
      return this;
    }

    /** Lifetime of an X.509-SVID when none is asked for (default 1 h). */
    public Builder defaultX509SvidTtl(Duration ttl) {
      this.defaultX509SvidTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Longest X.509-SVID lifetime issued (default 24 h). */
    public Builder maxX509SvidTtl(Duration ttl) {
      this.maxX509SvidTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * Make the CA an intermediate under an upstream CA, given as its private key and its certificate chain (its
     * own certificate first, its root last). The bundle then publishes the upstream root.
     *
     * @throws IllegalArgumentException when the key does not belong to the first certificate or that certificate
     *     is not a CA allowed to sign certificates
     */
    public Builder upstreamCa(PrivateKey key, List<X509Certificate> chain) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(chain, "chain");
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("the upstream chain is empty");
      }
      Csrs.checkUpstream(key, chain.get(0));
      this.upstream = new Upstream(key, chain);
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Persist the authority in {@code directory}, which must be empty or absent; reopen it later with
     * {@link EmbeddedAuthority#open(Path)}. An absent directory is created with mode 0700 atomically; an existing one
     * must belong to the current user and not be writable by group or others (on POSIX file systems), and is
     * tightened to 0700. Checked in {@link #build()}.
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Creates the authority with its first active JWT key and CA (and persists it, with a directory).
     *
     * @throws IllegalArgumentException when the settings contradict each other
     * @throws AuthorityStoreException when the directory cannot be used
     */
    public EmbeddedAuthority build() {
      Settings settings = new Settings(jwtAlgorithm, jwtKeyLifetime, defaultJwtSvidTtl, maxJwtSvidTtl,
          bundleRefreshHint, jwtIssuer, caKeyType, caLifetime, defaultX509SvidTtl, maxX509SvidTtl);
      if (upstream != null) {
        X509Certificate upstreamCert = upstream.chain.get(0);
        Instant now = clock.instant();
        if (!now.isBefore(upstreamCert.getNotAfter().toInstant())
            || now.isBefore(upstreamCert.getNotBefore().toInstant())) {
          throw new IllegalArgumentException("the upstream CA certificate is not valid now (valid "
              + upstreamCert.getNotBefore().toInstant() + " to " + upstreamCert.getNotAfter().toInstant() + ")");
        }
      }
      AuthorityStore store = directory == null ? null : AuthorityStore.create(directory);
      EmbeddedAuthority authority = new EmbeddedAuthority(trustDomain, settings, upstream, clock, store, 0,
          List.of());
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
