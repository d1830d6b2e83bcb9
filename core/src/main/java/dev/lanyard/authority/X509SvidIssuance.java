package dev.lanyard.authority;

import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.DnsNames;
import dev.lanyard.internal.Text;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Issuing X.509-SVIDs with a CA of the authority: DNS SAN checks, CSR handling, validity, the leaf certificate and its
 * chain, and the X509-SVID profile check of the result.
 *
 * <p>Thread-safe: stateless.
 */
final class X509SvidIssuance {
  private X509SvidIssuance() {}

  /**
   * Checks DNS SANs with the verifier's grammar ({@link DnsNames}), so that the authority never issues an SVID its own
   * verifier refuses.
   *
   * @throws IllegalArgumentException naming the first invalid name
   */
  static void checkDnsNames(Collection<String> dnsNames) {
    Objects.requireNonNull(dnsNames, "dnsNames");
    for (String dns : dnsNames) {
      if (!DnsNames.isDnsName(dns, true)) {
        throw new IllegalArgumentException("'" + (dns == null ? "null" : Text.printable(dns)) + "' is not a DNS name "
            + "(LDH labels of at most 63 characters, at most 253 in all, no trailing dot, not an IP address; a "
            + "wildcard only as '*.' followed by at least two labels)");
      }
    }
  }

  /**
   * The public key of a PKCS#10 certificate signing request whose signature verifies; the names it asks for are
   * ignored.
   *
   * @throws IllegalArgumentException when the CSR is malformed, its signature is wrong or its key is not EC P-256 or
   *     RSA of at least 2048 bits
   */
  static PublicKey csrPublicKey(byte[] csrDer) {
    Objects.requireNonNull(csrDer, "csrDer");
    try {
      return Csrs.verifiedPublicKey(csrDer);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid certificate signing request: " + e.getMessage());
    }
  }

  /**
   * Issues an X.509-SVID for {@code publicKey} with {@code ca}, valid from {@code now} less the backdate (not before
   * the CA's own notBefore) to {@code notAfter}.
   *
   * @param privateKey the SVID's private key when the authority made it, null for a CSR
   * @param notAfter the SVID's expiry, already capped at the CA's
   * @throws IllegalStateException when {@code notAfter} is not after {@code now} (the CA has expired)
   */
  static X509Svid issue(SigningKey ca, SpiffeId subject, PublicKey publicKey, @Nullable PrivateKey privateKey,
      Collection<String> dnsNames, Instant now, Instant notAfter) {
    if (!notAfter.isAfter(now)) {
      throw new IllegalStateException("the active CA has expired (at " + ca.notAfter
          + "); configure a valid upstream CA");
    }
    Instant notBefore = now.minus(SigningKeyFactory.BACKDATE);
    Instant caNotBefore = ca.certificate().getNotBefore().toInstant();
    if (notBefore.isBefore(caNotBefore)) {
      notBefore = caNotBefore;
    }
    X509Certificate leaf = Certificates.leafCertificate(publicKey, subject, dnsNames, ca.certificate(),
        ca.keyPair.getPrivate(), notBefore, notAfter);
    // Leaf, then intermediates up to but not including the root the bundle publishes.
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf);
    chain.addAll(ca.chain.subList(0, ca.chain.size() - 1));
    try {
      // Every SVID is checked against the X509-SVID profile before it is handed out (as SPIRE does). Its signature
      // is not re-verified: the CA key just made it, and on JDK 17 a verification would double the cost of issuing.
      return X509Svid.of(chain, privateKey);
    } catch (X509SvidRejectedException e) {
      throw new IllegalStateException("issued an X.509-SVID that fails its own profile check: " + e.getMessage(), e);
    }
  }

  /** True when {@code ca} may have issued {@code svid} (by name and key identifier, no signature check). */
  static boolean mayHaveIssued(SigningKey ca, X509Svid svid) {
    return Certificates.mayHaveIssued(ca.certificate(), svid.leaf());
  }
}
