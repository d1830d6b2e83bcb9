/**
 * Kubernetes service-account tokens (and other OIDC ID-token-shaped JWTs) as caller credentials: a verifier for
 * issuers on an explicit allow-list ({@link dev.lanyard.oidc.OidcTokenVerifier}). For each allowed issuer it reads
 * OIDC discovery ({@code <issuer>/.well-known/openid-configuration}, whose {@code issuer} must equal the configured one
 * exactly), then the {@code jwks_uri} key set, and checks the signature (RS256 or ES256), the exact {@code iss}, the
 * audience, {@code exp}/{@code nbf}/{@code iat} with clock skew and a maximum token lifetime. The subject
 * {@code system:serviceaccount:<namespace>:<name>} maps to a SPIFFE ID (by default
 * {@code spiffe://<trust domain>/ns/<namespace>/sa/<name>}) so that the same policy applies. A verified token is a
 * {@link dev.lanyard.oidc.VerifiedOidcToken}; a rejection is a {@link dev.lanyard.jwt.JwtSvidRejectedException} with
 * a machine-readable reason, as for JWT-SVIDs.
 */
@NullMarked
package dev.lanyard.oidc;

import org.jspecify.annotations.NullMarked;
