package dev.lanyard.authority;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.credentials.JwtSvidMinter;
import dev.lanyard.credentials.X509SvidIssuer;
import dev.lanyard.internal.Certificates;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An in-JVM authority for one trust domain: it mints JWT-SVIDs, issues X.509-SVIDs and publishes the trust bundle
 * (JWT keys and X.509 roots).
 *
 * <p>Key lifecycle (like SPIRE's), for JWT signing keys and X.509 CAs alike: the authority keeps one ACTIVE key of
 * each kind. When it has lived half its lifetime a next one is PREPARED and published in the bundle; at five sixths
 * it is activated and the old one RETIRED. A retired key stays in the bundle until the last credential it signed has
 * expired (its retirement plus the maximum credential TTL, capped at its own expiry, plus a 5 minute grace for clock
 * skew). A TTL asked for beyond the maximum is shortened to it, and credential expiry is capped at the signing
 * key's expiry (both logged at DEBUG), as {@link JwtSvidMinter} and {@link X509SvidIssuer} allow. Tainting stops a key
 * signing at once (credential caches renew what it signed); revoking removes a non-active key from the bundle, and
 * for JWT keys revokes its tokens in every verifier that shares {@link #revocations()}.
 *
 * <p>The CA is self-signed, or an intermediate under an upstream CA (its key and certificate chain, the way SPIRE's
 * disk upstream authority works); then the bundle's root is the upstream root. CA certificates are CA:TRUE (critical),
 * keyCertSign and cRLSign (critical), with the URI SAN {@code spiffe://<trust domain>}.
 *
 * <p>One directory may be shared by several processes on a host ({@link Builder#buildOrOpen()}): exactly one
 * creates it, the others wait on its lock and open it. Every key change, manual or scheduled, takes the directory's
 * lock, re-reads the latest state there, decides and writes, so processes take turns and a scheduled step is done by
 * one of them. An authority opened from (or created in) a directory re-checks it every second and re-reads it when
 * another process changed it: rotation, taint, revocation and new keys made elsewhere are served by {@link #bundle()}
 * and {@link #bundleSource()}, and used for signing, within 2 s. Revocations ({@link #revocations()}) are kept in
 * {@code revocations.json} there, written within a second of being made and taken up by the other processes within
 * 2 s more. A retired key stays published for the maximum TTL plus 5 minutes, far longer than another process may
 * keep signing with it, so one process's rotation never breaks another's tokens.
 *
 * <p>Thread-safe. Minting and issuing take no lock: they read an immutable snapshot. Key changes are serialised and,
 * when the authority has a directory, persisted before they are published.
 *
 * <p>This class is the facade; the parts are package-private: {@code AuthoritySettings} (validated settings and TTL
 * rules), {@code AuthorityCreation} (the builder's settings validated as a whole, and the authority made from them),
 * {@code IssuanceRules} (subject, TTL and expiry of a request, the identity inventory), {@code JwtSvidRequests} and
 * {@code X509SvidRequests} (minting and issuing), {@code X509SvidIssuance} (leaf certificates), {@code AuthorityKeys}
 * (the current keys and every change to them), {@code KeyLifecycle} (the key transitions, one set of rules for both
 * kinds, a pure function of keys and time), {@code SigningKeyFactory} (new keys and CAs), {@code AuthorityAudit} and
 * {@code RevocationAudit} (the audit events), {@code AuthorityOpening} (open or create in a directory),
 * {@code SharedDirectory} and {@code RevocationSync} (a directory shared with other processes) and
 * {@code AuthorityStore} (persistence).
 */
public final class EmbeddedAuthority implements JwtSvidMinter, X509SvidIssuer {
  /** Grace a retired key stays published after its last credential's expiry, for verifiers' clock skew. */
  static final Duration RETIREMENT_GRACE = Duration.ofMinutes(5);

  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final RevocationList revocations;
  private final @Nullable SharedDirectory directory;
  private final @Nullable RevocationSync revocationSync;
  private final AuthorityKeys keys;
  private final JwtSvidRequests jwt;
  private final X509SvidRequests x509;
  private final BundleSource bundleSource = new BundleSource() {
    @Override
    public Optional<TrustBundle> bundleFor(TrustDomain td) {
      if (!trustDomain().equals(td)) {
        return Optional.empty();
      }
      return keys.current().bundleOptional;
    }

    @Override
    public void requestRefresh(TrustDomain td) {
      if (trustDomain().equals(td)) {
        DirectoryWatcher.checkSoon(EmbeddedAuthority.this);
      }
    }
  };

  EmbeddedAuthority(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream, Clock clock,
      @Nullable AuthorityStore store, long sequence, List<SigningKey> keys, @Nullable InventoryGate inventory,
      @Nullable AuditSink auditSink) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    AuthorityAudit audit = new AuthorityAudit(trustDomain, auditSink);
    RevocationAudit revocationAudit = new RevocationAudit(audit, clock);
    this.revocations = new RevocationList(clock, settings.maxJwtSvidTtl.plus(RETIREMENT_GRACE), revocationAudit);
    IssuanceRules rules = new IssuanceRules(trustDomain, settings, inventory);
    this.directory = store == null ? null : new SharedDirectory(store, trustDomain, settings, upstream);
    this.revocationSync = store == null ? null : new RevocationSync(store, revocations, clock, revocationAudit);
    this.keys = new AuthorityKeys(trustDomain, settings, upstream, clock, revocations, revocationAudit, directory,
        audit, AuthorityState.of(trustDomain, keys, sequence, settings.bundleRefreshHint));
    this.jwt = new JwtSvidRequests(rules, this.keys, clock, audit, settings.jwtIssuer);
    this.x509 = new X509SvidRequests(rules, this.keys, clock, audit);
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
    return AuthorityOpening.open(store, clock, null, null);
  }

  /**
   * Opens a persisted authority on {@code clock} that records its issuance and key changes to {@code auditSink}, as
   * {@link Builder#auditSink(AuditSink)} does (the maintenance done on opening included).
   */
  public static EmbeddedAuthority open(Path directory, Clock clock, AuditSink auditSink) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(auditSink, "auditSink");
    AuthorityStore store = AuthorityStore.existing(directory);
    return AuthorityOpening.open(store, clock, null, auditSink);
  }

  /** The trust domain this authority issues for. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The current trust bundle: JWT keys and X.509 roots, prepared, active and retired. */
  public TrustBundle bundle() {
    return keys.current().bundle;
  }

  /**
   * A live bundle source (always the same instance): this authority's current bundle, for its own trust domain only.
   */
  public BundleSource bundleSource() {
    return bundleSource;
  }

  /**
   * The revocations of this authority; build verifiers with it so that revocation reaches them at once. Each
   * revocation made on it in this process is audited (an {@code AuthorityEvent} {@code REVOKED}, when the authority
   * has an {@linkplain Builder#auditSink audit sink}) like {@link #revokeJwtSvid} and {@link #revokeSpiffeId}; those
   * taken up from a shared directory, made by another process, are not audited again here.
   */
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
    SharedDirectory d = directory;
    return d == null ? Optional.empty() : Optional.of(d.directory());
  }

  /** The JWT signing keys, oldest first: metadata only. */
  public List<AuthorityKey> jwtKeys() {
    List<AuthorityKey> described = new ArrayList<>();
    for (SigningKey key : keys.state().jwt.keys()) {
      described.add(key.describe());
    }
    return List.copyOf(described);
  }

  /** The X.509 CAs, oldest first: metadata and certificates only. */
  public List<AuthorityCa> x509Cas() {
    List<AuthorityCa> cas = new ArrayList<>();
    for (SigningKey key : keys.state().cas.keys()) {
      cas.add(key.describeCa());
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
   * @param ttl lifetime, or null for the default; a longer one than the maximum TTL is shortened to it (see
   *     {@link JwtSvidMinter#mint}). Capped at the signing key's expiry: read the token's expiry, not the TTL asked
   *     for.
   * @throws IllegalArgumentException when the subject is not a workload of this trust domain, or the TTL is shorter
   *     than 1 s (zero, negative), or an audience or scope is invalid, or the {@linkplain Builder#inventory identity
   *     inventory} does not list the subject (recorded first as {@code ISSUANCE_REFUSED})
   */
  @Override
  public JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes,
      @Nullable Duration ttl) {
    return jwt.mint(subject, audience, scopes, ttl);
  }

  /**
   * Revokes the JWT-SVID with token id ({@code jti}) {@code tokenId}, remembered until {@code expiresAt}: as
   * {@link RevocationList#revokeToken(String, Instant) revocations().revokeToken}, and audited once.
   */
  public void revokeJwtSvid(String tokenId, Instant expiresAt) {
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    revocations.revokeToken(tokenId, expiresAt);
  }

  /**
   * Revokes every JWT-SVID of {@code subject} issued before {@code issuedBefore}: as
   * {@link RevocationList#revokeSubject revocations().revokeSubject}, and audited once.
   */
  public void revokeSpiffeId(SpiffeId subject, Instant issuedBefore) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(issuedBefore, "issuedBefore");
    revocations.revokeSubject(subject, issuedBefore);
  }

  /** False once the token's signing key was tainted, revoked or dropped. */
  @Override
  public boolean isUsable(JwtSvid svid) {
    return jwt.isUsable(svid);
  }

  /** Prepares the next JWT signing key and publishes it, or returns the one already prepared. */
  public AuthorityKey prepareJwtKey() {
    return keys.prepare(Kind.JWT).describe();
  }

  /**
   * Activates the prepared JWT key (prepare it first so that it is published before it signs) and retires the
   * active one.
   *
   * @throws IllegalStateException when no key is prepared
   */
  public AuthorityKey activateJwtKey() {
    return keys.activate(Kind.JWT).describe();
  }

  /** One step of a manual JWT key rotation: activates the prepared key if there is one, otherwise prepares one. */
  public AuthorityKey rotateJwtKey() {
    return keys.rotate(Kind.JWT).describe();
  }

  /**
   * Taints a JWT key: it signs nothing more and credential caches re-mint the tokens it signed. A tainted active key
   * is replaced at once by the prepared key, or by a fresh one. Its tokens stay valid until they expire unless it is
   * also revoked.
   *
   * @throws IllegalArgumentException when the authority has no such key
   */
  public AuthorityKey taintJwtKey(String keyId) {
    return keys.taint(Kind.JWT, keyId).describe();
  }

  /**
   * Revokes a JWT key that is no longer active (taint or rotate it first): it leaves the bundle, and every verifier
   * sharing {@link #revocations()} rejects its tokens, cached or not, once this returns.
   *
   * @throws IllegalArgumentException when the authority has no such key
   * @throws IllegalStateException when the key is the active one
   */
  public void revokeJwtKey(String keyId) {
    keys.revoke(Kind.JWT, keyId);
  }

  // ------------------------------------------------------------------------------------------------- X.509-SVIDs

  /** Issues an X.509-SVID with a fresh EC P-256 key and the default TTL. */
  public X509Svid issueX509Svid(SpiffeId subject) {
    return issueX509Svid(subject, null, List.of());
  }

  /**
   * Issues an X.509-SVID with a fresh EC P-256 key: as {@link #issueX509Svid(SpiffeId, Duration, Collection)} without
   * DNS names.
   */
  @Override
  public X509Svid issue(SpiffeId subject, @Nullable Duration ttl) {
    return issueX509Svid(subject, ttl, List.of());
  }

  /**
   * Issues an X.509-SVID with a fresh EC P-256 key.
   *
   * @param ttl lifetime, or null for the default (1 h); a longer one than the maximum TTL is shortened to it (see
   *     {@link X509SvidIssuer#issue}). Capped at the CA's expiry: read the SVID's expiry, not the TTL asked for.
   * @param dnsNames DNS SANs to add (optional): LDH names, either case, without trailing dot, not IP addresses; a
   *     wildcard only as the whole leftmost label with at least two labels after it ({@code *.example.org})
   * @throws IllegalArgumentException when the subject is not a workload of this trust domain, the TTL is shorter
   *     than 1 s (zero, negative), a DNS name is invalid (the message names it) or the
   *     {@linkplain Builder#inventory identity inventory} does not list the subject (recorded first as
   *     {@code ISSUANCE_REFUSED})
   */
  public X509Svid issueX509Svid(SpiffeId subject, @Nullable Duration ttl, Collection<String> dnsNames) {
    return x509.issue(subject, ttl, dnsNames);
  }

  /**
   * Issues an X.509-SVID for the key in a PKCS#10 certificate signing request, so that the workload keeps its private
   * key. The CSR's signature is checked and only its public key is used: the names it asks for are ignored in favour
   * of {@code subject} and {@code dnsNames}. The returned SVID holds no private key.
   *
   * @throws IllegalArgumentException when the CSR is malformed, its signature is wrong or its key is not EC P-256 or
   *     RSA of at least 2048 bits, or as for {@link #issueX509Svid(SpiffeId, Duration, Collection)}
   */
  public X509Svid issueX509SvidForCsr(byte[] csrDer, SpiffeId subject, @Nullable Duration ttl,
      Collection<String> dnsNames) {
    return x509.issueForCsr(csrDer, subject, ttl, dnsNames);
  }

  /** False once the SVID's CA was tainted, revoked or dropped. */
  @Override
  public boolean isUsable(X509Svid svid) {
    return x509.isUsable(svid);
  }

  /** Prepares the next X.509 CA and publishes its root, or returns the one already prepared. */
  public AuthorityCa prepareX509Ca() {
    return keys.prepare(Kind.X509_CA).describeCa();
  }

  /** Activates the prepared CA and retires the active one. @throws IllegalStateException when none is prepared */
  public AuthorityCa activateX509Ca() {
    return keys.activate(Kind.X509_CA).describeCa();
  }

  /** One step of a manual CA rotation: activates the prepared CA if there is one, otherwise prepares one. */
  public AuthorityCa rotateX509Ca() {
    return keys.rotate(Kind.X509_CA).describeCa();
  }

  /** Taints a CA: it issues nothing more and SVID sources renew what it issued. */
  public AuthorityCa taintX509Ca(String id) {
    return keys.taint(Kind.X509_CA, id).describeCa();
  }

  /** Removes a CA that is no longer active from the bundle: its SVIDs stop verifying. */
  public void revokeX509Ca(String id) {
    keys.revoke(Kind.X509_CA, id);
  }


  /** The authority's shared directory link, if it has a directory. */
  @Nullable SharedDirectory sharedDirectory() {
    return directory;
  }

  /** The keys as last published. */
  AuthorityState state() {
    return keys.state();
  }


  /**
   * Applies the time-driven lifecycle now, for JWT keys and CAs: creates the first key, prepares, activates, and drops
   * retired keys whose last credential has expired. Called automatically (cheaply) on minting and bundle reads.
   *
   * <p>With a directory shared by several processes, only one performs a step at a time: when a step is due, this
   * takes the directory's lock, re-reads the latest state there, decides again and writes; a process that lost the
   * race finds the step done and changes nothing.
   */
  public void maintain() {
    keys.maintain();
  }

  /**
   * Takes up changes other processes made in the directory: revocations in {@code revocations.json} (and writes this
   * process's), and keys when {@code authority.json} changed since this process last read or wrote it. Called by the
   * directory watcher about every second; cheap (two stats) when nothing changed.
   */
  void reloadIfChanged() {
    RevocationSync sync = revocationSync;
    if (sync == null) {
      return;
    }
    sync.sync();
    keys.reloadIfChanged();
  }

  /** Merges revocations with the directory now (when the authority has one). */
  void syncRevocations() {
    RevocationSync sync = revocationSync;
    if (sync != null) {
      sync.sync();
    }
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
    private JwtAlgorithm jwtAlgorithm = AuthoritySettings.DEFAULT_JWT_ALGORITHM;
    private Duration jwtKeyLifetime = AuthoritySettings.DEFAULT_JWT_KEY_LIFETIME;
    private Duration defaultJwtSvidTtl = AuthoritySettings.DEFAULT_JWT_SVID_TTL;
    private Duration maxJwtSvidTtl = AuthoritySettings.DEFAULT_MAX_JWT_SVID_TTL;
    private Duration bundleRefreshHint = AuthoritySettings.DEFAULT_BUNDLE_REFRESH_HINT;
    private @Nullable String jwtIssuer;
    private Certificates.KeyType caKeyType = AuthoritySettings.DEFAULT_CA_KEY_TYPE;
    private Duration caLifetime = AuthoritySettings.DEFAULT_CA_LIFETIME;
    private Duration defaultX509SvidTtl = AuthoritySettings.DEFAULT_X509_SVID_TTL;
    private Duration maxX509SvidTtl = AuthoritySettings.DEFAULT_MAX_X509_SVID_TTL;
    private @Nullable UpstreamCa upstream;
    private Clock clock = Clock.systemUTC();
    private @Nullable Path directory;
    private @Nullable Inventory inventory;
    private @Nullable AuditSink auditSink;

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
      this.upstream = new UpstreamCa(key, chain);
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
     * Enforce an identity inventory (none by default; not persisted, so pass it to every process): JWT-SVIDs and
     * X.509-SVIDs (CSR ones too) are refused with an {@link IllegalArgumentException} for a subject not listed in it,
     * and their TTL is shortened to the listed maximum (the entry's {@code maxTtl} or the inventory's, whichever is
     * shorter), as a TTL over the authority's maximum is. With an {@linkplain #auditSink audit sink} each refusal is
     * recorded ({@code ISSUANCE_REFUSED}, the reason as its detail) and each shortening said in the event's detail.
     */
    public Builder inventory(Inventory inventory) {
      this.inventory = Objects.requireNonNull(inventory, "inventory");
      return this;
    }

    /**
     * Record what the authority issues and changes to {@code sink} (none by default), as
     * {@link AuditSink#recordAuthority} events on the thread that minted, issued or changed keys: each JWT-SVID minted
     * (subject, audience, scopes, the TTL granted after every cap, key id, token id; never the token), each X.509-SVID
     * issued (subject, TTL, CA id, serial in hex), each JWT key and CA prepared, activated, tainted and retired (left
     * the bundle), by a manual call or by scheduled maintenance, each revocation made in this process, through this
     * authority ({@link EmbeddedAuthority#revokeJwtKey}, {@link EmbeddedAuthority#revokeX509Ca},
     * {@link EmbeddedAuthority#revokeJwtSvid}, {@link EmbeddedAuthority#revokeSpiffeId}) or on
     * {@link EmbeddedAuthority#revocations()} directly, once each, and each credential the
     * {@linkplain #inventory identity inventory} refuses ({@code ISSUANCE_REFUSED}, before the request fails); an
     * event of a credential whose TTL was shortened (the authority's or the inventory's maximum, the signing key's
     * expiry) says so in its detail. With a directory shared by several processes, each process audits its own
     * changes: changes and revocations another process made, re-read from the directory, are not recorded again. Key
     * events are recorded after the change is persisted and the locks are released. A sink that throws is logged at
     * WARN and ignored: issuance never fails for its audit. {@link AuditSink#slf4j()} logs them on
     * {@code lanyard.audit}.
     */
    public Builder auditSink(AuditSink sink) {
      this.auditSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Creates the authority with its first active JWT key and CA (and persists it, with a directory).
     *
     * @throws IllegalArgumentException when the settings contradict each other
     * @throws AuthorityStoreException when the directory cannot be used
     */
    public EmbeddedAuthority build() {
      Path dir = directory;
      AuthorityCreation creation = creation();
      return dir == null ? creation.inMemory() : creation.inDirectory(dir, false);
    }

    /** The settings, validated as a whole. @throws IllegalArgumentException when they contradict each other */
    private AuthorityCreation creation() {
      return new AuthorityCreation(trustDomain, new AuthoritySettings(jwtAlgorithm, jwtKeyLifetime,
          defaultJwtSvidTtl, maxJwtSvidTtl, bundleRefreshHint, jwtIssuer, caKeyType, caLifetime, defaultX509SvidTtl,
          maxX509SvidTtl), upstream, clock, inventory, auditSink);
    }

    /**
     * Opens the authority in the {@linkplain #directory(Path) directory}, or creates it there when it holds none: the
     * way several processes that share one directory start, all at once too. Creation holds the directory's lock
     * from first key to {@code authority.json}, so exactly one process creates the authority and the others wait and
     * then open it. An authority opened this way keeps its own persisted settings (and trust domain: check
     * {@link EmbeddedAuthority#trustDomain()}); this builder's settings apply only to one it creates.
     *
     * @throws IllegalStateException when no directory was set
     * @throws IllegalArgumentException when the settings contradict each other
     * @throws AuthorityStoreException when the directory cannot be used (foreign content, wrong owner or mode,
     *     corrupt)
     */
    public EmbeddedAuthority buildOrOpen() {
      Path dir = directory;
      if (dir == null) {
        throw new IllegalStateException("buildOrOpen() needs a directory(...)");
      }
      return creation().inDirectory(dir, true);
    }
  }
}
