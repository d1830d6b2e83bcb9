package dev.lanyard.authority;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@link EmbeddedAuthority.Builder} collected, validated as a whole (the settings against each other, the
 * upstream CA against the clock), and the authority made from it: in memory, or created in (or opened from) a
 * directory through {@link AuthorityOpening}. An authority that enforces an inventory says so at INFO.
 *
 * <p>Thread-safe: immutable; each call makes a new authority.
 */
final class AuthorityCreation {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable UpstreamCa upstream;
  private final Clock clock;
  private final @Nullable Inventory inventory;
  private final @Nullable AuditSink auditSink;

  /** @throws IllegalArgumentException when the upstream CA's certificate is not valid at {@code clock}'s now */
  AuthorityCreation(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream, Clock clock,
      @Nullable Inventory inventory, @Nullable AuditSink auditSink) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.upstream = upstream;
    this.clock = clock;
    this.inventory = inventory;
    this.auditSink = auditSink;
    if (upstream != null) {
      checkValidNow(upstream.certificate(), clock.instant());
    }
  }

  private static void checkValidNow(X509Certificate upstreamCert, Instant now) {
    if (!now.isBefore(upstreamCert.getNotAfter().toInstant())
        || now.isBefore(upstreamCert.getNotBefore().toInstant())) {
      throw new IllegalArgumentException("the upstream CA certificate is not valid now (valid "
          + upstreamCert.getNotBefore().toInstant() + " to " + upstreamCert.getNotAfter().toInstant() + ")");
    }
  }

  /** A new authority with its first active JWT key and CA, kept in memory only. */
  EmbeddedAuthority inMemory() {
    EmbeddedAuthority authority = new EmbeddedAuthority(trustDomain, settings, upstream, clock, null, 0, List.of(),
        gate(), auditSink);
    authority.maintain();
    return logged(authority);
  }

  /**
   * A new authority created in {@code directory}, or, when {@code mayOpen} and the directory holds one already, that
   * one opened (with its own persisted settings).
   *
   * @throws AuthorityStoreException when the directory cannot be used
   */
  EmbeddedAuthority inDirectory(Path directory, boolean mayOpen) {
    InventoryGate gate = gate();
    AuthorityStore store = AuthorityStore.create(directory);
    return logged(AuthorityOpening.createOrOpen(store, mayOpen, clock, gate, auditSink,
        () -> new EmbeddedAuthority(trustDomain, settings, upstream, clock, store, 0, List.of(), gate, auditSink)));
  }

  private @Nullable InventoryGate gate() {
    Inventory listed = inventory;
    return listed == null ? null : new InventoryGate(listed);
  }

  /** {@code authority}, its inventory logged if it enforces one. */
  private EmbeddedAuthority logged(EmbeddedAuthority authority) {
    Inventory listed = inventory;
    if (listed != null) {
      LOG.info("embedded authority for {} enforces the identity inventory: {}", authority.trustDomain(), listed);
    }
    return authority;
  }
}
