package dev.lanyard.authority;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.RevocationList;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Audits each revocation made on an authority's {@link RevocationList}, however it was made: through
 * {@link EmbeddedAuthority#revokeJwtSvid}, {@link EmbeddedAuthority#revokeSpiffeId} or on
 * {@link EmbeddedAuthority#revocations()} directly. Revocations this process only takes up from a shared directory
 * ({@link RevocationSync}), and the key revocation of {@link EmbeddedAuthority#revokeJwtKey} (audited as a key change
 * by {@link AuthorityKeys}), are made {@linkplain #quietly quietly}: the process that made them audits them.
 *
 * <p>Thread-safe: a revocation is quiet only on the thread that runs {@link #quietly}.
 */
final class RevocationAudit implements RevocationList.Listener {
  private final AuthorityAudit audit;
  private final Clock clock;
  private final Set<Thread> quiet = ConcurrentHashMap.newKeySet();

  RevocationAudit(AuthorityAudit audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
  }

  /** Runs {@code step}, whose revocations on this thread are not audited here. */
  <T> T quietly(Supplier<T> step) {
    Thread thread = Thread.currentThread();
    if (!quiet.add(thread)) {
      return step.get();
    }
    try {
      return step.get();
    } finally {
      quiet.remove(thread);
    }
  }

  private boolean audited() {
    return quiet.isEmpty() || !quiet.contains(Thread.currentThread());
  }

  @Override
  public void tokenRevoked(String tokenId, Instant expiresAt) {
    if (audited()) {
      audit.tokenRevoked(tokenId, expiresAt, clock.instant());
    }
  }

  @Override
  public void subjectRevoked(SpiffeId subject, Instant issuedBefore) {
    if (audited()) {
      audit.subjectRevoked(subject, issuedBefore, clock.instant());
    }
  }

  @Override
  public void keyRevoked(String keyId) {
    if (audited()) {
      audit.keyRevokedOnList(keyId, clock.instant());
    }
  }
}
