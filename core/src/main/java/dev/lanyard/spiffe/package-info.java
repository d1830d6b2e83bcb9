/**
 * SPIFFE identities: {@link dev.lanyard.spiffe.TrustDomain} and {@link dev.lanyard.spiffe.SpiffeId}.
 *
 * <p>Both are immutable values parsed strictly by hand against the SPIFFE-ID specification: scheme {@code spiffe},
 * a trust domain of lowercase {@code [a-z0-9._-]} of at most 255 bytes, path segments of {@code [a-zA-Z0-9._-]} with no
 * empty, {@code .} or {@code ..} segment and no trailing slash, no port, user info, query, fragment or
 * percent-encoding, and at most 2048 bytes in all. Parsing never depends on the default locale.
 */
@NullMarked
package dev.lanyard.spiffe;

import org.jspecify.annotations.NullMarked;
