/**
 * JOSE vocabulary shared by the trust bundles and the JWT-SVID code: {@link dev.lanyard.jose.JwtAlgorithm}, the JWS
 * algorithms a JWT-SVID may be signed with. It depends on nothing else of Lanyard, so that {@code trust} (keys pinned
 * to an algorithm) and {@code jwt} (tokens signed with one) can both use it without depending on each other.
 */
package dev.lanyard.jose;
