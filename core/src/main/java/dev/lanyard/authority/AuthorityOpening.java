package dev.lanyard.authority;

import dev.lanyard.audit.AuditSink;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an authority persisted in a directory, or creates one there, the way several processes sharing the directory
 * start (all at once too): under the directory's lock, exactly one creates it (first keys, then
 * {@code authority.json}) and the others wait and then open it. Either way the authority is maintained and then
 * watched for changes other processes make.
 *
 * <p>Thread-safe: stateless; the directory's lock orders creators and openers.
 */
final class AuthorityOpening {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private AuthorityOpening() {}

  /** The authority in {@code store}'s directory, maintained and watched. */
  static EmbeddedAuthority open(AuthorityStore store, Clock clock, @Nullable InventoryGate inventory,
      @Nullable AuditSink auditSink) {
    String version = store.metadataVersion();
    AuthorityStore.Snapshot snapshot = store.load();
    EmbeddedAuthority authority = new EmbeddedAuthority(snapshot.trustDomain, snapshot.settings, snapshot.upstream,
        clock, store, snapshot.sequence, snapshot.keys, inventory, auditSink);
    SharedDirectory directory = Objects.requireNonNull(authority.sharedDirectory());
    directory.readAt(version);
    authority.maintain();
    authority.syncRevocations();
    DirectoryWatcher.watch(authority);
    AuthorityState state = authority.state();
    LOG.info("embedded authority for {} opened from {}: sequence {}, JWT keys {}; changes by other processes are "
        + "picked up within {}", authority.trustDomain(), store.directory(), state.sequence,
        AuthorityState.keyIds(state.jwt), DirectoryWatcher.BOUND);
    return authority;
  }

  /**
   * Under the directory's lock: opens the authority there when {@code mayOpen} and it holds one, else claims the
   * directory and creates {@code created}'s authority in it (its first keys saved), then watches it.
   *
   * @throws AuthorityStoreException when the directory holds an authority and {@code mayOpen} is false, or holds
   *     foreign content
   */
  static EmbeddedAuthority createOrOpen(AuthorityStore store, boolean mayOpen, Clock clock,
      @Nullable InventoryGate inventory, @Nullable AuditSink auditSink, Supplier<EmbeddedAuthority> created) {
    return store.locked(() -> {
      if (mayOpen && store.holdsAuthority()) {
        return open(store, clock, inventory, auditSink);
      }
      store.claimLocked();
      EmbeddedAuthority authority = created.get();
      authority.maintain();
      DirectoryWatcher.watch(authority);
      LOG.info("embedded authority for {} created in {}: JWT keys {}; changes by other processes are picked up "
          + "within {}", authority.trustDomain(), store.directory(), AuthorityState.keyIds(authority.state().jwt),
          DirectoryWatcher.BOUND);
      return authority;
    });
  }
}
