package dev.lanyard.authority;

import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.RevocationList;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An authority's keys — the JWT signing keys and the X.509 CAs — and every change to them, manual or scheduled: one
 * {@link KeyLifecycle} per kind decides, {@link SigningKeyFactory} makes new keys, and each change is published as a
 * new {@link AuthorityState}.
 *
 * <p>With a {@link SharedDirectory}, a change is "take the directory's lock, re-read the latest state there, decide,
 * write, release": processes sharing the directory take turns and none overwrites another's change; a scheduled step
 * that another process already made is found done. Changes are persisted before they are published.
 *
 * <p>Each change this process makes is audited ({@link AuthorityAudit}) once it is published, after the locks are
 * released; a state re-read from the directory is adopted without events (the process that changed it audits it).
 *
 * <p>Thread-safe: changes are serialised on this object's lock; {@link #state()} is a volatile read.
 */
final class AuthorityKeys {
  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable UpstreamCa upstream;
  private final Clock clock;
  private final RevocationList revocations;
  private final RevocationAudit revocationAudit;
  private final SigningKeyFactory keyFactory;
  private final KeyLifecycle jwtLifecycle;
  private final KeyLifecycle caLifecycle;
  private final @Nullable SharedDirectory directory;
  private final AuthorityAudit audit;
  private final Object lock = new Object();
  /** Events of changes published under {@link #lock}, handed to the sink once it is released. */
  private final List<AuthorityEvent> pending = new ArrayList<>();
  private volatile AuthorityState state;
  private volatile Instant nextMaintenance = Instant.MIN;

  AuthorityKeys(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream, Clock clock,
      RevocationList revocations, RevocationAudit revocationAudit, @Nullable SharedDirectory directory,
      AuthorityAudit audit, AuthorityState initial) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.upstream = upstream;
    this.clock = clock;
    this.revocations = revocations;
    this.revocationAudit = revocationAudit;
    this.directory = directory;
    this.audit = audit;
    this.keyFactory = new SigningKeyFactory(trustDomain, settings, upstream);
    this.jwtLifecycle = new KeyLifecycle(settings.jwtKeyLifetime, settings.maxJwtSvidTtl,
        EmbeddedAuthority.RETIREMENT_GRACE);
    this.caLifecycle = new KeyLifecycle(settings.caLifetime, settings.maxX509SvidTtl,
        EmbeddedAuthority.RETIREMENT_GRACE);
    this.state = initial;
  }

  /** The keys as last published, without maintenance. */
  AuthorityState state() {
    return state;
  }

  /** The keys after any maintenance that is due. */
  AuthorityState current() {
    maintainIfDue();
    return state;
  }

  private KeyLifecycle lifecycle(Kind kind) {
    return kind == Kind.JWT ? jwtLifecycle : caLifecycle;
  }

  /**
   * Runs a key change: with a directory, under its lock and on the latest state there (another process may have
   * changed it), so that processes take turns and none overwrites another's change.
   */
  private <T> T change(Supplier<T> step) {
    T result;
    List<AuthorityEvent> events;
    synchronized (lock) {
      try {
        SharedDirectory d = directory;
        if (d == null) {
          result = step.get();
        } else {
          result = d.locked(() -> {
            state = d.latestLocked(state);
            return step.get();
          });
        }
      } finally {
        events = drainPending();
      }
    }
    audit.emit(events);
    return result;
  }

  /** The events of the changes just published, for the sink. Holds {@link #lock}. */
  private List<AuthorityEvent> drainPending() {
    if (pending.isEmpty()) {
      return List.of();
    }
    List<AuthorityEvent> events = List.copyOf(pending);
    pending.clear();
    return events;
  }

  SigningKey prepare(Kind kind) {
    return change(() -> {
      KeyRing<SigningKey> next = lifecycle(kind).prepare(state.ring(kind), clock.instant(), keyFactory.of(kind));
      publishIfChanged(kind, next);
      return Objects.requireNonNull(next.prepared());
    });
  }

  SigningKey activate(Kind kind) {
    return change(() -> {
      KeyRing<SigningKey> next = lifecycle(kind).activate(state.ring(kind), clock.instant());
      publishIfChanged(kind, next);
      return Objects.requireNonNull(next.active());
    });
  }

  SigningKey rotate(Kind kind) {
    return change(() -> {
      KeyRing<SigningKey> next = lifecycle(kind).rotate(state.ring(kind), clock.instant(), keyFactory.of(kind));
      publishIfChanged(kind, next);
      return Objects.requireNonNull(next.prepared() != null ? next.prepared() : next.active());
    });
  }

  SigningKey taint(Kind kind, String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    return change(() -> {
      KeyRing<SigningKey> next = lifecycle(kind).taint(state.ring(kind), keyId, clock.instant(),
          keyFactory.of(kind));
      publishIfChanged(kind, next);
      return Objects.requireNonNull(next.find(keyId));
    });
  }

  void revoke(Kind kind, String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    change(() -> {
      KeyRing<SigningKey> next = lifecycle(kind).revoke(state.ring(kind), keyId);
      if (kind == Kind.X509_CA && upstream != null) {
        throw new IllegalStateException("the bundle's root is the upstream CA, so removing intermediate " + keyId
            + " would not stop its SVIDs verifying; revoke it at the upstream CA, or taint it and let them expire");
      }
      if (kind == Kind.JWT) {
        // Audited below as the key change (REVOKED with the key id), not again as a revocation on the list.
        revocationAudit.quietly(() -> {
          revocations.revokeKey(keyId);
          return null;
        });
      }
      publishIfChanged(kind, next, keyId);
      return null;
    });
  }

  void maintainIfDue() {
    if (!clock.instant().isBefore(nextMaintenance)) {
      maintain();
    }
  }

  /**
   * Applies the time-driven lifecycle now, for JWT keys and CAs. A dry run first decides cheaply whether anything is
   * due; only then, with a directory, the lock is taken and the step decided again on the latest state there.
   */
  void maintain() {
    List<AuthorityEvent> events;
    synchronized (lock) {
      try {
        Instant now = clock.instant();
        if (maintainStep(now, false)) {
          SharedDirectory d = directory;
          if (d == null) {
            maintainStep(now, true);
          } else {
            d.locked(() -> {
              state = d.latestLocked(state);
              return maintainStep(now, true);
            });
          }
        }
        nextMaintenance = now.plus(settings.maintenanceInterval());
      } finally {
        events = drainPending();
      }
    }
    audit.emit(events);
  }

  /** Whether the lifecycle changes the current state at {@code now}; with {@code apply}, publishes the change. */
  private boolean maintainStep(Instant now, boolean apply) {
    AuthorityState s = state;
    KeyRing<SigningKey> jwt;
    KeyRing<SigningKey> cas;
    try {
      jwt = jwtLifecycle.maintain(s.jwt, now, keyFactory.newestNotAfter(Kind.JWT, now),
          apply ? keyFactory.of(Kind.JWT) : KeyLifecycle.noKey());
      cas = caLifecycle.maintain(s.cas, now, keyFactory.newestNotAfter(Kind.X509_CA, now),
          apply ? keyFactory.of(Kind.X509_CA) : KeyLifecycle.noKey());
    } catch (KeyLifecycle.WouldMakeKey e) {
      return true;
    }
    boolean changed = jwt != s.jwt || cas != s.cas;
    if (changed && apply) {
      publish(jwt, cas, now, null);
    }
    return changed;
  }

  /**
   * Re-reads the directory when {@code authority.json} changed since this process last read or wrote it (another
   * process rotated, tainted, revoked or added keys). Cheap (one stat) when nothing changed.
   */
  void reloadIfChanged() {
    SharedDirectory d = directory;
    if (d == null || !d.changedElsewhere()) {
      return;
    }
    synchronized (lock) {
      d.locked(() -> {
        state = d.latestLocked(state);
        return null;
      });
    }
  }

  private void publishIfChanged(Kind kind, KeyRing<SigningKey> next) {
    publishIfChanged(kind, next, null);
  }

  private void publishIfChanged(Kind kind, KeyRing<SigningKey> next, @Nullable String revokedKeyId) {
    AuthorityState s = state;
    if (next != s.ring(kind)) {
      publish(kind == Kind.JWT ? next : s.jwt, kind == Kind.X509_CA ? next : s.cas, clock.instant(), revokedKeyId);
    }
  }

  /**
   * Persists (when the authority has a directory) and then publishes new key rings, and queues the events of the
   * change for the audit sink. Holds {@link #lock}.
   */
  private void publish(KeyRing<SigningKey> jwt, KeyRing<SigningKey> cas, Instant now,
      @Nullable String revokedKeyId) {
    AuthorityState before = state;
    AuthorityState next = new AuthorityState(trustDomain, jwt, cas, before.sequence + 1, settings.bundleRefreshHint);
    SharedDirectory d = directory;
    if (d != null) {
      d.save(next);
    }
    state = next;
    pending.addAll(audit.changesIfAudited(Kind.JWT, before.jwt, jwt, now, revokedKeyId));
    pending.addAll(audit.changesIfAudited(Kind.X509_CA, before.cas, cas, now, revokedKeyId));
  }
}
