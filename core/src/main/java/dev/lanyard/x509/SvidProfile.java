package dev.lanyard.x509;

import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The SPIFFE X509-SVID rules for a leaf certificate, shared by the verifier (for presented chains) and the issuer
 * (every SVID is checked before it is handed out).
 */
final class SvidProfile {
  static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final int URI = 6;

  private SvidProfile() {}

  /** Checks the leaf and returns its SPIFFE ID. */
  static SpiffeId checkLeaf(X509Certificate leaf) throws X509SvidRejectedException {
    if (leaf.getBasicConstraints() != -1) {
      throw new X509SvidRejectedException(Reason.NOT_A_LEAF, "the leaf is a CA (basic constraints CA:TRUE)");
    }
    SpiffeId id = spiffeId(leaf);
    checkEndEntity(leaf);
    checkLeafUsage(leaf);
    return id;
  }

  /**
   * The rules for any end-entity certificate, whatever names it carries: not a CA, no certificate or CRL signing,
   * and an extended key usage (when present) that is non-empty, non-critical and lists its purposes explicitly.
   *
   * <p>RFC 5280 lets a CA sit in the leaf position; the X509-SVID profile does not (a leaf that can sign
   * certificates could mint SVIDs for any workload). An empty EKU names no purpose (RFC 5280 §4.2.1.12 requires at
   * least one). anyExtendedKeyUsage and a critical EKU are refused as in the CA/B Forum profile (§7.1.2.7.6,
   * §7.1.2.7.10): SVID issuers write explicit, non-critical purposes, and an "any purpose" leaf would pass every
   * purpose check there is.
   */
  static void checkEndEntity(X509Certificate leaf) throws X509SvidRejectedException {
    if (leaf.getBasicConstraints() != -1) {
      throw new X509SvidRejectedException(Reason.NOT_A_LEAF, "the leaf is a CA (basic constraints CA:TRUE)");
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage != null && ((usage.length > 5 && usage[5]) || (usage.length > 6 && usage[6]))) {
      throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "a leaf may not have keyCertSign or cRLSign");
    }
    List<String> eku = extendedKeyUsage(leaf);
    if (eku == null) {
      return;
    }
    if (eku.isEmpty()) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE, "the leaf's extended key usage is empty");
    }
    Set<String> critical = leaf.getCriticalExtensionOIDs();
    if (critical != null && critical.contains(EXTENDED_KEY_USAGE)) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE,
          "the leaf's extended key usage is critical");
    }
    if (eku.contains(ANY_EXTENDED_KEY_USAGE)) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE,
          "the leaf's extended key usage includes anyExtendedKeyUsage");
    }
  }

  /** A leaf without EKU may be used for any purpose (RFC 5280 §4.2.1.12); with one, it must list {@code purpose}. */
  static void checkPurpose(X509Certificate leaf, String purpose) throws X509SvidRejectedException {
    List<String> eku = extendedKeyUsage(leaf);
    if (eku != null && !eku.contains(purpose)) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE,
          "the leaf's extended key usage does not include " + purposeName(purpose));
    }
  }

  /** The EKU purposes of a certificate, or null when it has no EKU extension. */
  static List<String> extendedKeyUsage(X509Certificate certificate) throws X509SvidRejectedException {
    try {
      return certificate.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new X509SvidRejectedException(Reason.MALFORMED, "the extended key usage cannot be parsed");
    }
  }

  private static String purposeName(String purpose) {
    switch (purpose) {
      case SERVER_AUTH:
        return "serverAuth";
      case CLIENT_AUTH:
        return "clientAuth";
      default:
        return purpose;
    }
  }

  /** The single URI SAN of a certificate as a workload SPIFFE ID. */
  static SpiffeId spiffeId(X509Certificate certificate) throws X509SvidRejectedException {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new X509SvidRejectedException(Reason.MALFORMED, "the subject alternative names cannot be parsed");
    }
    String uri = null;
    int uris = 0;
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() >= 2 && Integer.valueOf(URI).equals(name.get(0))) {
          uris++;
          uri = String.valueOf(name.get(1));
        }
      }
    }
    if (uri == null) {
      throw new X509SvidRejectedException(Reason.MISSING_SPIFFE_ID, "the certificate has no URI SAN");
    }
    if (uris > 1) {
      throw new X509SvidRejectedException(Reason.MULTIPLE_URI_SANS,
          "the certificate has " + uris + " URI SANs (exactly one is allowed)");
    }
    if (!uri.startsWith("spiffe://")) {
      throw new X509SvidRejectedException(Reason.INVALID_SPIFFE_ID, "the URI SAN does not have the spiffe scheme");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(uri);
    } catch (InvalidSpiffeIdException e) {
      throw new X509SvidRejectedException(Reason.INVALID_SPIFFE_ID, "the URI SAN is not a SPIFFE ID: "
          + e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw new X509SvidRejectedException(Reason.INVALID_SPIFFE_ID,
          "the SPIFFE ID has no path (a leaf names a workload, not the trust domain)");
    }
    return id;
  }

  /**
   * Key usage present, critical, digitalSignature, no keyCertSign/cRLSign; EKU (if any) server and client auth. Run
   * after {@link #checkEndEntity}, which has refused a malformed EKU already.
   */
  static void checkLeafUsage(X509Certificate leaf) throws X509SvidRejectedException {
    boolean[] usage = leaf.getKeyUsage();
    Set<String> critical = leaf.getCriticalExtensionOIDs();
    if (usage == null) {
      throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "the leaf has no key usage");
    }
    if (critical == null || !critical.contains(KEY_USAGE)) {
      throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "the leaf's key usage is not critical");
    }
    if (!usage[0]) {
      throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "the leaf's key usage lacks digitalSignature");
    }
    if ((usage.length > 5 && usage[5]) || (usage.length > 6 && usage[6])) {
      throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "a leaf may not have keyCertSign or cRLSign");
    }
    List<String> eku = extendedKeyUsage(leaf);
    if (eku != null && !(eku.contains(SERVER_AUTH) && eku.contains(CLIENT_AUTH))) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE,
          "the leaf's extended key usage must include both serverAuth and clientAuth");
    }
  }
}
