package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * What the path checks read from a certificate, parsed one way for all of them: the subject alternative names, names
 * as strings and octets, whether the certificate is signed by its own key, and how rejection messages name a
 * certificate by its place in the path.
 */
final class CertificateFields {
  static final String SUBJECT_ALT_NAME = "2.5.29.17";

  private CertificateFields() {}

  /** The subject alternative names of a certificate, none when it has no SAN extension. */
  static GeneralName[] subjectAltNames(X509Certificate certificate, String which) throws X509SvidRejectedException {
    byte[] extension = Certificates.extensionValue(certificate, SUBJECT_ALT_NAME);
    if (extension == null) {
      return new GeneralName[0];
    }
    try {
      GeneralName[] names = GeneralNames.getInstance(
          ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets())).getNames();
      if (names.length == 0) {
        throw malformed(which + " has an empty subject alternative name");
      }
      return names;
    } catch (IOException | RuntimeException e) {
      throw malformed(which + " has a subject alternative name that cannot be parsed");
    }
  }

  /**
   * The certificate's signature verifies with its own key. RFC 5280 calls that self-signed only when the issuer name
   * is the subject name too, but a root that names some other issuer and signs itself is still just its own key.
   */
  static boolean isSignedByOwnKey(X509Certificate certificate) {
    try {
      certificate.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** An empty distinguished name (an empty SEQUENCE). */
  static boolean isEmpty(X500Principal name) {
    return name.getEncoded().length <= 2;
  }

  /** The value of a name of a string form (DNS name, rfc822Name, URI). */
  static String string(GeneralName name) {
    return ((ASN1String) name.getName()).getString();
  }

  /** The value of a name of an octet-string form (IP address, or address and mask in a constraint). */
  static byte[] octets(GeneralName name) {
    return ASN1OctetString.getInstance(name.getName()).getOctets();
  }

  /** How messages name the certificate at {@code index} of the path (0 is the leaf). */
  static String which(int index) {
    return index == 0 ? "the leaf" : "intermediate " + index;
  }

  static X509SvidRejectedException malformed(String message) {
    return new X509SvidRejectedException(Reason.MALFORMED, message);
  }
}
