package dev.lanyard.credentials;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Something that can mint JWT-SVIDs: the embedded authority, or a SPIRE agent through the Workload API.
 *
 * <p>Thread-safe: implementations must be, since credential sources call them from request and renewal threads.
 */
public interface JwtSvidMinter {
  /**
   * Mints a JWT-SVID for {@code subject}.
   *
   * @param audience at least one audience
   * @param scopes scopes to grant (may be empty)
   * @param ttl the lifetime wanted, or null for the minter's default; the minter may shorten it (to its maximum, or
   *     to its signing key's remaining life) but never lengthens it, so callers schedule renewal from the returned
   *     token's {@link JwtSvid#expiresAt()}, not from {@code ttl}. A zero or negative TTL is refused.
   */
  JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes, @Nullable Duration ttl);

  /**
   * False when a token minted earlier should no longer be handed out even though it has not expired, e.g. because
   * its signing key was tainted. Caches ask on every hit, so this must be cheap.
   */
  default boolean isUsable(JwtSvid svid) {
    return true;
  }
}
