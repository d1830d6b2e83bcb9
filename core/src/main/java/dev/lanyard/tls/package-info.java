/**
 * Mutual TLS with SPIFFE identities: key and trust managers that always serve the current X.509-SVID and check
 * peers against the current bundle, and {@link dev.lanyard.tls.SpiffeTls} to make {@code SSLContext}s from them.
 *
 * <p>The trust manager replaces host-name verification with SPIFFE ID authorization: a peer is accepted when its
 * chain verifies as an X.509-SVID of a trusted trust domain and a {@link dev.lanyard.x509.PeerAuthorizer} accepts
 * its SPIFFE ID. A client can authorize each server by the host and port it connects to
 * ({@link dev.lanyard.tls.ServerAuthorizer}), so that a credential meant for one service only goes to that service's
 * SPIFFE ID. Rotation takes effect on the next handshake, with no restart.
 */
@NullMarked
package dev.lanyard.tls;

import org.jspecify.annotations.NullMarked;
