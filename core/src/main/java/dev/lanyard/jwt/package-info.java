/**
 * JWT-SVIDs: minting ({@link dev.lanyard.jwt.JwtSvid}) and strict verification
 * ({@link dev.lanyard.jwt.JwtSvidVerifier}).
 *
 * <p>Verification follows the SPIFFE JWT-SVID specification and RFC 8725 to the letter and refuses what lenient JOSE
 * libraries accept: only compact JWS of three canonical base64url parts, only the {@code alg}, {@code kid} and
 * {@code typ} headers, only the JWT-SVID algorithms with a key of the bundle of the subject's trust domain that fits
 * them, a required audience and expiry, a bounded clock skew and a maximum token lifetime. A verified token is a
 * {@link dev.lanyard.jwt.VerifiedJwtSvid}, which only a verifier creates; a rejection is a
 * {@link dev.lanyard.jwt.JwtSvidRejectedException} with a machine-readable reason. Verified tokens are cached by their
 * exact text until they expire, and revocation or a bundle change takes effect on cached tokens at once.
 */
@NullMarked
package dev.lanyard.jwt;

import org.jspecify.annotations.NullMarked;
