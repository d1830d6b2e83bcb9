package dev.lanyard.credentials;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Something that can mint JWT-SVIDs: the embedded authority, or a SPIRE agent through the Workload API.
 *
 * <p>Thread-safe: implementations must be, since caches mint from their loader threads.
 */
public interface JwtSvidMinter {
  /**
   * Mints a JWT-SVID for {@code subject}.
   *
   * @param audience at least one audience
   * @param scopes scopes to grant (may be empty)
   * @param ttl the lifetime wanted; the minter may shorten it (never lengthen it)
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
