package dev.lanyard.x509;

import static dev.lanyard.x509.CertificateFields.isEmpty;
import static dev.lanyard.x509.CertificateFields.isSignedByOwnKey;
import static dev.lanyard.x509.CertificateFields.malformed;
import static dev.lanyard.x509.CertificateFields.subjectAltNames;
import static dev.lanyard.x509.CertificateFields.which;

import dev.lanyard.internal.Certificates;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The RFC 5280 certificate profile that PKIX does not check, for every certificate of a path including the trust
 * anchor (version, serial number, key identifiers, extensions that must be critical, well-formed names, key types and
 * sizes), the anchor's own basic constraints, key usage, EKU and validity, and the key purposes CAs allow.
 *
 * <p>{@link SvidProfile} holds the SPIFFE rules of the leaf alone (one SPIFFE ID, not a CA, key usage and EKU of an
 * SVID); it runs before the trust domain's bundle is chosen and at {@link X509Svid#of}, while this profile runs on
 * each candidate path after PKIX, so that a failing signature or an expired certificate is what a rejection reports.
 */
final class CertificateProfile {
  /** Smallest RSA modulus accepted anywhere in a path, as for JWT-SVID keys. */
  static final int MIN_RSA_BITS = 2048;

  private static final String SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String POLICY_CONSTRAINTS = "2.5.29.36";
  private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
  private static final String INHIBIT_ANY_POLICY = "2.5.29.54";
  private static final String AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
  private static final Set<String> KNOWN_CRITICAL = Set.of(
      KEY_USAGE,
      BASIC_CONSTRAINTS,
      CertificateFields.SUBJECT_ALT_NAME,
      NameConstraintRules.NAME_CONSTRAINTS,
      "2.5.29.32", // certificate policies
      "2.5.29.33", // policy mappings
      POLICY_CONSTRAINTS,
      "2.5.29.37", // extended key usage
      INHIBIT_ANY_POLICY);

  private static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
  private static final String RSASSA_PSS = "1.2.840.113549.1.1.10";
  private static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
  private static final Set<String> EDDSA = Set.of("1.3.101.112", "1.3.101.113"); // Ed25519, Ed448
  private static final Set<String> NAMED_CURVES = Set.of(
      "1.2.840.10045.3.1.7", // P-256
      "1.3.132.0.34", // P-384
      "1.3.132.0.35"); // P-521

  /** Where a certificate sits: the rules for names differ. */
  enum Role {
    LEAF, INTERMEDIATE, ANCHOR
  }

  private CertificateProfile() {}

  /**
   * The whole profile of a path that PKIX has accepted, in order: each certificate from the leaf up, the anchor, then
   * the key purposes of the CAs.
   *
   * @param path leaf first, anchor excluded
   */
  static void checkPath(List<X509Certificate> path, X509Certificate anchor, Instant now)
      throws X509SvidRejectedException {
    for (int i = 0; i < path.size(); i++) {
      checkCertificate(path.get(i), i == 0 ? Role.LEAF : Role.INTERMEDIATE, which(i));
    }
    checkAnchor(anchor, now);
    checkPurposes(path);
  }

  /** The per-certificate rules that hold wherever the certificate sits in the path. */
  static void checkCertificate(X509Certificate certificate, Role role, String which)
      throws X509SvidRejectedException {
    if (certificate.getVersion() != 3) {
      throw malformed(which + " is an X.509 v" + certificate.getVersion() + " certificate (v3 is required)");
    }
    BigInteger serial = certificate.getSerialNumber();
    // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets.
    if (serial.signum() <= 0 || serial.toByteArray().length > 20) {
      throw malformed(which + " has a serial number that is not a positive integer of at most 20 octets");
    }
    if (isEmpty(certificate.getIssuerX500Principal())) {
      throw malformed(which + " has an empty issuer name");
    }
    checkKey(certificate, which);
    boolean ca = certificate.getBasicConstraints() != -1;
    checkKeyIdentifiers(certificate, ca, which);
    if (ca) {
      if (isEmpty(certificate.getSubjectX500Principal())) {
        throw malformed(which + " is a CA with an empty subject name");
      }
      requireCritical(certificate, BASIC_CONSTRAINTS, which, "basic constraints of a CA");
    }
    // RFC 5280 §4.2.1.11 and §4.2.1.14: conforming CAs MUST mark these critical.
    requireCritical(certificate, POLICY_CONSTRAINTS, which, "policy constraints");
    requireCritical(certificate, INHIBIT_ANY_POLICY, which, "inhibit anyPolicy");
    checkSubjectAltNames(certificate, role, which);
    checkAuthorityInfoAccess(certificate, which);
    NameConstraints constraints = NameConstraintRules.parse(certificate, which);
    if (constraints != null && !ca) {
      throw malformed(which + " has name constraints but is not a CA (RFC 5280 §4.2.1.10)");
    }
  }

  /**
   * The trust anchor's own rules: PKIX treats an anchor as a bare name and key and looks at nothing else, but a root
   * whose certificate says it is not a CA, may not sign certificates, has expired, restricts key purposes or carries
   * an extension we do not understand is not a root we should trust.
   */
  static void checkAnchor(X509Certificate anchor, Instant now) throws X509SvidRejectedException {
    Set<String> critical = anchor.getCriticalExtensionOIDs();
    if (critical != null) {
      for (String oid : critical) {
        if (!KNOWN_CRITICAL.contains(oid)) {
          throw new X509SvidRejectedException(Reason.UNKNOWN_CRITICAL_EXTENSION,
              "the root has an unknown critical extension " + oid);
        }
      }
    }
    if (anchor.getBasicConstraints() == -1) {
      throw new X509SvidRejectedException(Reason.NOT_A_CA, "the root is not a CA (no basic constraints CA:TRUE)");
    }
    boolean[] usage = anchor.getKeyUsage();
    if (usage != null && !(usage.length > 5 && usage[5])) {
      throw new X509SvidRejectedException(Reason.NOT_A_CA, "the root's key usage does not allow keyCertSign");
    }
    // CA/B Forum §7.1.2.1.2 forbids an EKU in a root; verifiers disagree on whether a CA's EKU restricts the
    // certificates below it, so Lanyard does not guess what one on a root would mean.
    if (SvidProfile.extendedKeyUsage(anchor) != null) {
      throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE, "the root has an extended key usage");
    }
    try {
      anchor.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new X509SvidRejectedException(Reason.EXPIRED, "the root expired at " + anchor.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new X509SvidRejectedException(Reason.NOT_YET_VALID,
          "the root is not valid before " + anchor.getNotBefore().toInstant());
    }
    checkCertificate(anchor, Role.ANCHOR, "the root");
  }

  /**
   * Every CA of the path that restricts key purposes must allow the leaf's: those in its EKU, or serverAuth and
   * clientAuth (what an SVID is used for) when it has none. PKIX ignores a CA's EKU; Lanyard does not let a CA
   * restricted to, say, code signing issue SVIDs.
   */
  static void checkPurposes(List<X509Certificate> path) throws X509SvidRejectedException {
    List<String> leafPurposes = SvidProfile.extendedKeyUsage(path.get(0));
    Collection<String> needed = leafPurposes != null ? leafPurposes
        : List.of(SvidProfile.SERVER_AUTH, SvidProfile.CLIENT_AUTH);
    for (int i = 1; i < path.size(); i++) {
      List<String> purposes = SvidProfile.extendedKeyUsage(path.get(i));
      if (purposes == null || purposes.contains(SvidProfile.ANY_EXTENDED_KEY_USAGE)) {
        continue;
      }
      if (purposes.isEmpty() || !purposes.containsAll(needed)) {
        throw new X509SvidRejectedException(Reason.BAD_EXTENDED_KEY_USAGE,
            which(i) + " restricts key purposes to " + purposes + ", which excludes the leaf's " + needed);
      }
    }
  }

  /** RSA of at least 2048 bits (a whole number of bytes), EC on a named NIST curve, or EdDSA. */
  private static void checkKey(X509Certificate certificate, String which) throws X509SvidRejectedException {
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded());
    } catch (RuntimeException e) {
      throw malformed(which + " has a public key that cannot be parsed");
    }
    String algorithm = info.getAlgorithm().getAlgorithm().getId();
    if (RSA_ENCRYPTION.equals(algorithm) || RSASSA_PSS.equals(algorithm)) {
      if (!(certificate.getPublicKey() instanceof RSAPublicKey)) {
        throw malformed(which + " has an RSA key that cannot be parsed");
      }
      int bits = ((RSAPublicKey) certificate.getPublicKey()).getModulus().bitLength();
      if (bits < MIN_RSA_BITS || bits % 8 != 0) {
        throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, which + " has an RSA key of " + bits
            + " bits (at least " + MIN_RSA_BITS + ", a multiple of 8, is required)");
      }
      return;
    }
    if (EC_PUBLIC_KEY.equals(algorithm)) {
      ASN1Encodable parameters = info.getAlgorithm().getParameters();
      if (!(parameters instanceof ASN1ObjectIdentifier)) {
        throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN,
            which + " has an EC key with explicit curve parameters (a named curve is required)");
      }
      if (!NAMED_CURVES.contains(((ASN1ObjectIdentifier) parameters).getId())) {
        throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN,
            which + " has an EC key on curve " + parameters + " (P-256, P-384 or P-521 is required)");
      }
      return;
    }
    if (!EDDSA.contains(algorithm)) {
      throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN,
          which + " has a key of type " + algorithm + " (RSA, EC or EdDSA is required)");
    }
  }

  /**
   * RFC 5280 §4.2.1.1-2: every CA names its own key, and every certificate names its issuer's key, except a
   * self-signed one, whose authority key identifier can only point at itself (and then carries nothing else: CA/B
   * Forum §7.1.2.1.3). A signature is checked only when the identifiers say the certificate may be self-signed.
   */
  private static void checkKeyIdentifiers(X509Certificate certificate, boolean ca, String which)
      throws X509SvidRejectedException {
    byte[] ski = Certificates.keyIdentifier(Certificates.extensionValue(certificate, SUBJECT_KEY_IDENTIFIER), false);
    if (Certificates.extensionValue(certificate, SUBJECT_KEY_IDENTIFIER) != null && ski == null) {
      throw malformed(which + " has a subject key identifier that cannot be parsed");
    }
    if (ca && ski == null) {
      throw malformed(which + " is a CA without a subject key identifier");
    }
    byte[] extension = Certificates.extensionValue(certificate, AUTHORITY_KEY_IDENTIFIER);
    if (extension == null) {
      if (!isSignedByOwnKey(certificate)) {
        throw malformed(which + " has no authority key identifier");
      }
      return;
    }
    AuthorityKeyIdentifier aki;
    try {
      aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets());
    } catch (RuntimeException e) {
      throw malformed(which + " has an authority key identifier that cannot be parsed");
    }
    if (aki.getKeyIdentifierObject() == null) {
      throw malformed(which + " has an authority key identifier without keyIdentifier");
    }
    boolean claimsSelfSigned = certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
        || Arrays.equals(aki.getKeyIdentifier(), ski);
    if (claimsSelfSigned && isSignedByOwnKey(certificate)
        && (aki.getAuthorityCertIssuer() != null || aki.getAuthorityCertSerialNumber() != null
            || !Arrays.equals(aki.getKeyIdentifier(), ski))) {
      throw malformed(which + " is self-signed, so its authority key identifier may only repeat its own key "
          + "identifier");
    }
  }

  /**
   * Subject alternative names must parse and be well-formed ({@link NameSyntax#isSubjectAltName}: a leaf may have a
   * "*" leftmost label). A certificate with an empty subject must have a critical SAN. Malformed names are refused
   * rather than matched against name constraints, where each implementation would read them differently.
   */
  private static void checkSubjectAltNames(X509Certificate certificate, Role role, String which)
      throws X509SvidRejectedException {
    GeneralName[] names = subjectAltNames(certificate, which);
    if (isEmpty(certificate.getSubjectX500Principal())) {
      Set<String> critical = certificate.getCriticalExtensionOIDs();
      if (names.length == 0 || critical == null || !critical.contains(CertificateFields.SUBJECT_ALT_NAME)) {
        throw malformed(which + " has an empty subject and no critical subject alternative name");
      }
    }
    for (GeneralName name : names) {
      if (!NameSyntax.isSubjectAltName(name, role == Role.LEAF)) {
        throw malformed(which + " has a malformed subject alternative name " + name);
      }
    }
  }

  /** CA/B Forum §7.1.2.7.7 and RFC 5280 §4.2.2.1: at least one access description. */
  private static void checkAuthorityInfoAccess(X509Certificate certificate, String which)
      throws X509SvidRejectedException {
    byte[] extension = Certificates.extensionValue(certificate, AUTHORITY_INFO_ACCESS);
    if (extension == null) {
      return;
    }
    try {
      AuthorityInformationAccess access = AuthorityInformationAccess.getInstance(
          ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets()));
      if (access.getAccessDescriptions().length == 0) {
        throw malformed(which + " has an empty authority information access");
      }
    } catch (IOException | RuntimeException e) {
      throw malformed(which + " has an authority information access that cannot be parsed");
    }
  }

  private static void requireCritical(X509Certificate certificate, String oid, String which, String what)
      throws X509SvidRejectedException {
    if (Certificates.extensionValue(certificate, oid) == null) {
      return;
    }
    Set<String> critical = certificate.getCriticalExtensionOIDs();
    if (critical == null || !critical.contains(oid)) {
      throw malformed(which + " has " + what + " that are not marked critical");
    }
  }
}
