package dev.lanyard.authority;

import dev.lanyard.spiffe.TrustDomain;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authority's link to the directory it persists in, which other processes may share: it notices when another
 * process changed {@code authority.json} (a stat), re-reads it under the directory's lock, and writes this process's
 * changes, remembering what it last read or wrote so that it does not re-read its own writes.
 *
 * <p>Thread-safe: the version it remembers is volatile; reading and writing go through {@link AuthorityStore}, whose
 * writers take turns on the directory's lock.
 */
final class SharedDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final AuthorityStore store;
  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable UpstreamCa upstream;
  /** The modification time and size of {@code authority.json} as last read or written; null before. */
  private volatile @Nullable String diskVersion;

  SharedDirectory(AuthorityStore store, TrustDomain trustDomain, AuthoritySettings settings,
      @Nullable UpstreamCa upstream) {
    this.store = store;
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.upstream = upstream;
  }

  Path directory() {
    return store.directory();
  }

  AuthorityStore store() {
    return store;
  }

  /** Records that this process read {@code authority.json} when it had {@code version}. */
  void readAt(@Nullable String version) {
    diskVersion = version;
  }

  /** Runs {@code action} holding the directory's lock (see {@link AuthorityStore#locked}). */
  <T> T locked(Supplier<T> action) {
    return store.locked(action);
  }

  /** True when {@code authority.json} changed since this process last read or wrote it: one stat. */
  boolean changedElsewhere() {
    String version = store.metadataVersion();
    return version != null && !version.equals(diskVersion);
  }

  /**
   * The latest state in the directory: {@code current} when {@code authority.json} is unchanged since this process
   * last read or wrote it (or not written yet: the authority is being created), else the state read there. Call it
   * holding the directory's lock.
   *
   * @throws AuthorityStoreException when the directory now holds another trust domain's authority, or is corrupt
   */
  AuthorityState latestLocked(AuthorityState current) {
    String version = store.metadataVersion();
    if (version == null || version.equals(diskVersion)) {
      return current;
    }
    AuthorityStore.Snapshot snapshot = store.load();
    diskVersion = version;
    if (snapshot.sequence == current.sequence) {
      LOG.debug("embedded authority in {} unchanged (sequence {})", store.directory(), current.sequence);
      return current;
    }
    if (!snapshot.trustDomain.equals(trustDomain)) {
      throw new AuthorityStoreException(store.directory() + " now holds an authority for " + snapshot.trustDomain
          + ", not " + trustDomain + "; keeping the keys read before");
    }
    AuthorityState next = AuthorityState.of(trustDomain, snapshot.keys, snapshot.sequence,
        settings.bundleRefreshHint);
    LOG.info("embedded authority in {} reloaded after a change by another process: sequence {} -> {}, JWT keys {}, "
        + "CAs {}", store.directory(), current.sequence, snapshot.sequence, AuthorityState.keyIds(next.jwt),
        AuthorityState.keyIds(next.cas));
    return next;
  }

  /** Persists {@code next} (under the directory's lock) and remembers the version written. */
  void save(AuthorityState next) {
    store.save(new AuthorityStore.Snapshot(trustDomain, settings, upstream, next.sequence, next.keys()));
    diskVersion = store.metadataVersion();
  }
}
