/**
 * The workload's own credentials: where its JWT-SVIDs come from, cached and renewed.
 *
 * <p>A {@link dev.lanyard.credentials.JwtSvidMinter} mints (the embedded authority, later a SPIRE agent); a
 * {@link dev.lanyard.credentials.JwtSvidSource} hands a workload "a token for audience X with scopes S".
 * {@link dev.lanyard.credentials.CachingJwtSvidSource} caches one token per (subject, sorted audiences, sorted scopes),
 * renews it in the background at about half its lifetime, never hands one out close to its expiry, and re-mints at
 * once when the minter says a token is no longer usable (its key was tainted).
 */
@NullMarked
package dev.lanyard.credentials;

import org.jspecify.annotations.NullMarked;
