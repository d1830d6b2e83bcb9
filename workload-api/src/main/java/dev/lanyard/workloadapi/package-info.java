/**
 * Credentials and trust bundles from a SPIRE agent (or any SPIFFE Workload API server) over its Unix domain socket.
 *
 * <p>{@link dev.lanyard.workloadapi.WorkloadApiIdentity} connects to the agent at {@code SPIFFE_ENDPOINT_SOCKET} (or
 * the socket given), and keeps the workload's X.509-SVID and the trust bundles (its own trust domain's and the
 * federated ones) current from the Workload API's watch streams; JWT-SVIDs are fetched per audience and cached. They
 * are handed out as core's {@link dev.lanyard.credentials.X509SvidSource},
 * {@link dev.lanyard.credentials.JwtSvidSource} and {@link dev.lanyard.trust.BundleSource}, so the key and trust
 * managers, verifiers and adapters work with the agent as they do with the embedded authority. The gRPC and
 * java-spiffe types stay inside this package: SVIDs, keys and bundles are read by Lanyard's own code.
 */
@NullMarked
package dev.lanyard.workloadapi;

import org.jspecify.annotations.NullMarked;
