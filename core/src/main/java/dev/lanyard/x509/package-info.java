/**
 * X.509-SVIDs: verification of certificate chains against trust bundles, peer authorization, and the rotating
 * key and trust managers that give services mutual TLS with their SPIFFE identities.
 *
 * <p>{@link dev.lanyard.x509.X509SvidVerifier} runs RFC 5280 path validation over the presented chain (bounded path
 * building, intermediates from the chain only) and then the SPIFFE rules PKIX alone does not enforce: a leaf that is
 * not a CA, exactly one URI SAN holding a SPIFFE ID with a path, critical key usage with digitalSignature and without
 * keyCertSign/cRLSign, serverAuth and clientAuth in any EKU, unknown critical extensions refused on every certificate
 * including the trust anchor, and name constraints of the trust anchor enforced. A rejection is an
 * {@link dev.lanyard.x509.X509SvidRejectedException} with a reason.
 *
 * <p>Inside, one package-private class per job: {@code SvidProfile} (the SPIFFE rules of the leaf),
 * {@code PathBuilder} (bounded path building), and for each candidate path, in this order, {@code NameConstraintRules}
 * (what the JDK's name-constraint matching misses), {@code Pkix} (the JDK's validator, failures mapped to reasons) and
 * {@code CertificateProfile} (the RFC 5280 profile PKIX does not check), coordinated by {@code PathValidator}.
 * {@code NameSyntax} judges names with the one DNS grammar the authority issues with ({@code internal.DnsNames}).
 */
@NullMarked
package dev.lanyard.x509;

import org.jspecify.annotations.NullMarked;
