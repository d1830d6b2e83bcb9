/**
 * Trust bundles and revocation: what a verifier trusts, per trust domain.
 *
 * <p>A {@link dev.lanyard.trust.TrustBundle} is an immutable set of JWT signing keys and X.509 roots for one trust
 * domain, read from and written as a SPIFFE bundle (a JWK Set with {@code use} of {@code jwt-svid} or
 * {@code x509-svid}). Import follows the SPIFFE bundle spec: a key that cannot be used safely is skipped and reported,
 * never used; only a document that is not a JWK Set is refused as a whole. A {@link dev.lanyard.trust.BundleSource}
 * hands out the current bundle of a trust domain; a {@link dev.lanyard.trust.RevocationList} withdraws trust from
 * single tokens, subjects or keys at once.
 */
@NullMarked
package dev.lanyard.trust;

import org.jspecify.annotations.NullMarked;
