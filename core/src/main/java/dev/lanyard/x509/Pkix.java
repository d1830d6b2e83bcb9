package dev.lanyard.x509;

import static dev.lanyard.x509.CertificateFields.which;

import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * The JDK's PKIX validator over one candidate path at a given instant (signatures, validity, basic constraints, key
 * usage, path length, name matching, unknown critical extensions; revocation off), its failures mapped to
 * {@link Reason}s.
 *
 * <p>The JDK refuses a trust anchor that carries name constraints, so a self-signed root is handed to it as the last
 * certificate of the path, under an anchor made of its name and key, where its constraints, validity, basic
 * constraints and key usage are processed like those of any CA.
 */
final class Pkix {
  private Pkix() {}

  /**
   * Validates {@code path} (leaf first, anchor excluded) up to {@code anchor} at {@code now}.
   *
   * @param anchorSelfSigned whether {@code anchor} is signed by its own key, so that it can go into the path
   */
  static void validate(List<X509Certificate> path, X509Certificate anchor, boolean anchorSelfSigned, Instant now)
      throws X509SvidRejectedException {
    try {
      List<X509Certificate> certificates = path;
      TrustAnchor trustAnchor;
      if (anchorSelfSigned) {
        // The JDK refuses a TrustAnchor with name constraints. As the top of the path, under an anchor made of the
        // name it says it was issued by and its own key, the root is processed like any CA: its name constraints
        // bind the rest of the path, and its validity, basic constraints and key usage are checked.
        certificates = new ArrayList<>(path);
        certificates.add(anchor);
        trustAnchor = new TrustAnchor(anchor.getIssuerX500Principal(), anchor.getPublicKey(), null);
      } else {
        trustAnchor = new TrustAnchor(anchor, null);
      }
      PKIXParameters parameters = new PKIXParameters(Set.of(trustAnchor));
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(now));
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(certificates);
      CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
    } catch (CertPathValidatorException e) {
      throw new X509SvidRejectedException(reasonOf(e), describe(e, path.size()));
    } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException | CertificateException
        | RuntimeException e) {
      // RuntimeException: the JDK throws UnsupportedOperationException for some name forms, among others.
      throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, "path validation failed: " + e.getMessage());
    }
  }

  /** The rejection reason for a PKIX failure; {@link Reason#UNTRUSTED_CHAIN} for any reason not mapped. */
  static Reason reasonOf(CertPathValidatorException e) {
    CertPathValidatorException.Reason reason = e.getReason();
    if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
      return Reason.EXPIRED;
    }
    if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
      return Reason.NOT_YET_VALID;
    }
    if (reason == PKIXReason.NOT_CA_CERT || reason == PKIXReason.INVALID_KEY_USAGE) {
      return Reason.NOT_A_CA;
    }
    if (reason == PKIXReason.PATH_TOO_LONG) {
      return Reason.PATH_LENGTH_EXCEEDED;
    }
    if (reason == PKIXReason.INVALID_NAME) {
      return Reason.NAME_CONSTRAINT_VIOLATION;
    }
    if (reason == PKIXReason.UNRECOGNIZED_CRIT_EXT) {
      return Reason.UNKNOWN_CRITICAL_EXTENSION;
    }
    return Reason.UNTRUSTED_CHAIN;
  }

  /** The JDK's message and which certificate it is about: index {@code pathSize} is the root, when it was added. */
  static String describe(CertPathValidatorException e, int pathSize) {
    String message = e.getMessage();
    int index = e.getIndex();
    String at = index < 0 ? "" : " (" + (index == pathSize ? "the root" : which(index)) + ")";
    return (message == null ? "path validation failed" : message) + at;
  }
}
