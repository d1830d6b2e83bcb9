package dev.lanyard.authority;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.RevocationList;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an authority's {@link RevocationList} and its directory's {@code revocations.json} in step: revocations made
 * in this process (through the list or a key revocation) are written there, revocations written there by other
 * processes are added here. Revocations are only ever added, so the two are merged; token ids past their expiry are
 * dropped from the file. Revocations taken up from the file are added {@linkplain RevocationAudit#quietly quietly}:
 * the process that made them audited them.
 *
 * <p>Thread-safe: a sync is serialised on this object and then on the directory's lock.
 */
final class RevocationSync {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final AuthorityStore store;
  private final RevocationList revocations;
  private final Clock clock;
  private final RevocationAudit audit;
  /** The modification time and size of {@code revocations.json} as last read or written; null before or absent. */
  private volatile @Nullable String diskVersion;
  /** {@link RevocationList#version()} when the list and the directory last agreed. */
  private volatile long persistedVersion;

  /** @param audit whose {@linkplain RevocationAudit#quietly quiet} mode the revocations taken up are added in */
  RevocationSync(AuthorityStore store, RevocationList revocations, Clock clock, RevocationAudit audit) {
    this.store = store;
    this.revocations = revocations;
    this.clock = clock;
    this.audit = audit;
  }

  /**
   * Merges the list and the file when either changed since they last agreed: a stat of the file and a look at the
   * list's version when nothing did.
   */
  void sync() {
    if (revocations.version() == persistedVersion && Objects.equals(store.revocationsVersion(), diskVersion)) {
      return;
    }
    synchronized (this) {
      store.locked(() -> {
        syncLocked();
        return null;
      });
    }
  }

  /** Holds this object's monitor and the directory's lock. */
  private void syncLocked() {
    String diskVersionNow = store.revocationsVersion();
    AuthorityStore.Revocations disk = store.loadRevocations();
    Instant now = clock.instant();
    int added = audit.quietly(() -> takeUp(disk, now));
    long version = revocations.version();
    Map<String, Instant> mergedTokens = new LinkedHashMap<>();
    revocations.revokedTokens().forEach((id, until) -> {
      if (until.isAfter(now)) {
        mergedTokens.put(id, until);
      }
    });
    Map<String, Instant> mergedSubjects = new LinkedHashMap<>();
    revocations.revokedSubjects().forEach((id, before) -> mergedSubjects.put(id.toString(), before));
    Set<String> mergedKeys = revocations.revokedKeys();
    if (!mergedTokens.equals(disk.tokens) || !mergedSubjects.equals(disk.subjects) || !mergedKeys.equals(disk.keys)) {
      store.saveRevocations(new AuthorityStore.Revocations(mergedTokens, mergedSubjects, mergedKeys));
      diskVersionNow = store.revocationsVersion();
      LOG.info("embedded authority in {}: revocations written ({} token ids, {} subjects, {} keys)",
          store.directory(), mergedTokens.size(), mergedSubjects.size(), mergedKeys.size());
    }
    if (added > 0) {
      LOG.info("embedded authority in {}: {} revocations by another process taken up", store.directory(), added);
    }
    diskVersion = diskVersionNow;
    persistedVersion = version;
  }

  /**
   * Adds the revocations in {@code disk} this list lacks (other processes made them; they audited them): the number
   * added.
   */
  private int takeUp(AuthorityStore.Revocations disk, Instant now) {
    Map<String, Instant> tokens = revocations.revokedTokens();
    Map<SpiffeId, Instant> subjects = revocations.revokedSubjects();
    int added = 0;
    for (Map.Entry<String, Instant> e : disk.tokens.entrySet()) {
      if (e.getValue().isAfter(now) && !tokens.containsKey(e.getKey())) {
        revocations.revokeToken(e.getKey(), e.getValue());
        added++;
      }
    }
    for (Map.Entry<String, Instant> e : disk.subjects.entrySet()) {
      SpiffeId subject = SpiffeId.parse(e.getKey());
      Instant before = subjects.get(subject);
      if (before == null || before.isBefore(e.getValue())) {
        revocations.revokeSubject(subject, e.getValue());
        added++;
      }
    }
    for (String keyId : disk.keys) {
      if (!revocations.isKeyRevoked(keyId)) {
        revocations.revokeKey(keyId);
        added++;
      }
    }
    return added;
  }
}
