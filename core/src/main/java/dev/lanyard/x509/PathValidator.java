package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.DnsNames;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * RFC 5280 path validation with bounded path building, plus the checks PKIX leaves out.
 *
 * <p>Paths are built only from the presented intermediates (never fetched), depth-first from the leaf by issuer name
 * (and key identifiers when both are present), within a budget of candidate evaluations and full validations, so
 * that pathological chains answer fast. Each complete candidate path goes through, in order: the name-constraint
 * rules the JDK gets wrong or does not bound (well-formed and critical constraints, a budget on the quadratic
 * matching, name forms nobody can match, wildcard names); the JDK's PKIX validator at the given instant (signatures,
 * validity, basic constraints, key usage, path length, name matching, unknown critical extensions); then the RFC 5280
 * certificate profile that PKIX does not check, for every certificate including the trust anchor (version, serial
 * number, key identifiers, extensions that must be critical, well-formed names, key types and sizes), the anchor's
 * own basic constraints, key usage, EKU and validity, and the key purposes CAs allow.
 *
 * <p>Name constraints are enforced wherever they appear, the trust anchor included, or the path is rejected: the JDK
 * refuses a trust anchor that carries name constraints, so a self-signed root is handed to it as the first
 * certificate of the path (under an anchor made of its name and key), where its constraints, validity, basic
 * constraints and key usage are processed like those of any CA. A trust anchor that is not self-signed cannot be put
 * there; if it has name constraints the path is rejected.
 */
final class PathValidator {
  /** Most certificates in one path, anchor excluded. */
  static final int MAX_DEPTH = 8;
  /** Most issuer candidates examined while building. */
  static final int MAX_CANDIDATES = 64;
  /** Most candidate paths fully validated. */
  static final int MAX_VALIDATIONS = 4;
  /** Most signature checks of candidate issuers while building. */
  static final int MAX_SIGNATURE_CHECKS = 32;
  /**
   * Most (name, constraint) pairs one path may need compared. Checking names against constraints is quadratic
   * (x509-limbo's nc-dos chains ask for millions of comparisons); an SVID chain needs a handful.
   */
  static final int MAX_NAME_CONSTRAINT_CHECKS = 1 << 16;
  /** Smallest RSA modulus accepted anywhere in a path, as for JWT-SVID keys. */
  static final int MIN_RSA_BITS = 2048;

  private static final String SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String NAME_CONSTRAINTS = "2.5.29.30";
  private static final String POLICY_CONSTRAINTS = "2.5.29.36";
  private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
  private static final String INHIBIT_ANY_POLICY = "2.5.29.54";
  private static final String AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
  private static final Set<String> KNOWN_CRITICAL = Set.of(
      KEY_USAGE,
      BASIC_CONSTRAINTS,
      SUBJECT_ALT_NAME,
      NAME_CONSTRAINTS,
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
  /** Name forms neither Lanyard nor the JDK can match against a constraint. */
  private static final Set<Integer> UNMATCHABLE_NAME_FORMS = Set.of(GeneralName.otherName, GeneralName.x400Address,
      GeneralName.ediPartyName, GeneralName.registeredID);
  private static final String DOT_ATOM_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

  private PathValidator() {}

  /** Where a certificate sits: the rules for names differ. */
  private enum Role {
    LEAF, INTERMEDIATE, ANCHOR
  }

  /** A validated path (leaf first, anchor excluded) and its anchor. */
  static final class Result {
    final List<X509Certificate> path;
    final X509Certificate anchor;

    Result(List<X509Certificate> path, X509Certificate anchor) {
      this.path = path;
      this.anchor = anchor;
    }
  }

  private static final class Search {
    final List<X509Certificate> intermediates;
    final List<X509Certificate> anchors;
    final Instant now;
    int candidates;
    int validations;
    int signatureChecks;
    X509SvidRejectedException firstFailure;
    Result result;

    Search(List<X509Certificate> intermediates, List<X509Certificate> anchors, Instant now) {
      this.intermediates = intermediates;
      this.anchors = anchors;
      this.now = now;
    }
  }

  /**
   * Builds and validates a path from {@code leaf} through some of {@code intermediates} to one of {@code anchors}.
   *
   * @throws X509SvidRejectedException with the most telling reason when no path validates
   */
  static Result validate(X509Certificate leaf, List<X509Certificate> intermediates, List<X509Certificate> anchors,
      Instant now) throws X509SvidRejectedException {
    if (anchors.isEmpty()) {
      throw new X509SvidRejectedException(Reason.UNTRUSTED_TRUST_DOMAIN, "the bundle has no X.509 roots");
    }
    for (X509Certificate anchor : anchors) {
      if (anchor.equals(leaf)) {
        throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, "the leaf is itself a root of the bundle");
      }
    }
    Search search = new Search(intermediates, anchors, now);
    List<X509Certificate> path = new ArrayList<>();
    path.add(leaf);
    extend(search, path);
    if (search.result != null) {
      return search.result;
    }
    if (search.firstFailure != null) {
      throw search.firstFailure;
    }
    if (search.candidates >= MAX_CANDIDATES) {
      throw new X509SvidRejectedException(Reason.CHAIN_TOO_LONG, "path building exceeded its budget");
    }
    throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, "no path from the leaf to a root of the bundle");
  }

  /** Depth-first search; stops at the first validated path or when the budget runs out. */
  private static void extend(Search search, List<X509Certificate> path) {
    X509Certificate tip = path.get(path.size() - 1);
    for (X509Certificate anchor : search.anchors) {
      if (search.result != null || exhausted(search)) {
        return;
      }
      if (Certificates.mayHaveIssued(anchor, tip)) {
        search.candidates++;
        tryPath(search, path, anchor);
      }
    }
    if (path.size() >= MAX_DEPTH) {
      return;
    }
    for (X509Certificate candidate : search.intermediates) {
      if (search.result != null || exhausted(search)) {
        return;
      }
      if (path.contains(candidate) || search.anchors.contains(candidate) || !Certificates.mayHaveIssued(candidate, tip)) {
        continue;
      }
      search.candidates++;
      // Names and key identifiers can be copied; the signature cannot. Checking it before going deeper keeps
      // impostor intermediates from using up the few full validations while the real issuer waits behind them.
      if (!signedBy(search, tip, candidate)) {
        continue;
      }
      path.add(candidate);
      extend(search, path);
      path.remove(path.size() - 1);
    }
  }

  private static boolean exhausted(Search search) {
    return search.candidates >= MAX_CANDIDATES || search.validations >= MAX_VALIDATIONS
        || search.signatureChecks >= MAX_SIGNATURE_CHECKS;
  }

  /** True when {@code issuer}'s key verifies {@code subject}'s signature; counts against the budget. */
  private static boolean signedBy(Search search, X509Certificate subject, X509Certificate issuer) {
    search.signatureChecks++;
    try {
      subject.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static void tryPath(Search search, List<X509Certificate> path, X509Certificate anchor) {
    search.validations++;
    try {
      boolean anchorSelfSigned = isSignedByOwnKey(anchor);
      // Name constraints first: they bound the JDK's quadratic matching. Then PKIX, whose failures (a signature that
      // does not verify, an expired certificate) say more than a profile violation of the same path would.
      checkNameConstraints(path, anchor, anchorSelfSigned);
      pkix(path, anchor, anchorSelfSigned, search.now);
      for (int i = 0; i < path.size(); i++) {
        checkCertificate(path.get(i), i == 0 ? Role.LEAF : Role.INTERMEDIATE, which(i));
      }
      checkAnchor(anchor, search.now);
      checkPurposes(path);
      search.result = new Result(List.copyOf(path), anchor);
    } catch (X509SvidRejectedException e) {
      if (search.firstFailure == null || search.firstFailure.reason() == Reason.UNTRUSTED_CHAIN) {
        search.firstFailure = e;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The certificate profile: what RFC 5280 requires of a certificate and PKIX does not check.

  /** The per-certificate rules that hold wherever the certificate sits in the path. */
  private static void checkCertificate(X509Certificate certificate, Role role, String which)
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
    NameConstraints constraints = nameConstraints(certificate, which);
    if (constraints != null && !ca) {
      throw malformed(which + " has name constraints but is not a CA (RFC 5280 §4.2.1.10)");
    }
  }

  /**
   * The trust anchor's own rules: PKIX treats an anchor as a bare name and key and looks at nothing else, but a root
   * whose certificate says it is not a CA, may not sign certificates, has expired, restricts key purposes or carries
   * an extension we do not understand is not a root we should trust.
   */
  private static void checkAnchor(X509Certificate anchor, Instant now) throws X509SvidRejectedException {
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
   * Subject alternative names must parse and be well-formed (RFC 5280 §4.2.1.6): a DNS name in preferred name
   * syntax ({@link DnsNames}, the grammar the authority issues with; a leaf may have a "*" leftmost label), a 4- or
   * 16-octet IP address, an addr-spec mailbox. A certificate with an empty subject must have a critical SAN.
   * Malformed names are refused rather than matched against name constraints, where each implementation would read
   * them differently.
   */
  private static void checkSubjectAltNames(X509Certificate certificate, Role role, String which)
      throws X509SvidRejectedException {
    GeneralName[] names = subjectAltNames(certificate, which);
    if (isEmpty(certificate.getSubjectX500Principal())) {
      Set<String> critical = certificate.getCriticalExtensionOIDs();
      if (names.length == 0 || critical == null || !critical.contains(SUBJECT_ALT_NAME)) {
        throw malformed(which + " has an empty subject and no critical subject alternative name");
      }
    }
    for (GeneralName name : names) {
      boolean valid;
      switch (name.getTagNo()) {
        case GeneralName.dNSName:
          valid = DnsNames.isDnsName(string(name), role == Role.LEAF);
          break;
        case GeneralName.iPAddress:
          int length = octets(name).length;
          valid = length == 4 || length == 16;
          break;
        case GeneralName.rfc822Name:
          valid = isMailbox(string(name));
          break;
        default:
          valid = true;
      }
      if (!valid) {
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

  /**
   * Every CA of the path that restricts key purposes must allow the leaf's: those in its EKU, or serverAuth and
   * clientAuth (what an SVID is used for) when it has none. PKIX ignores a CA's EKU; Lanyard does not let a CA
   * restricted to, say, code signing issue SVIDs.
   */
  private static void checkPurposes(List<X509Certificate> path) throws X509SvidRejectedException {
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

  // ---------------------------------------------------------------------------------------------------------------
  // Name constraints: the JDK matches names against constraints; these are the rules it misses.

  /**
   * The name-constraint rules the JDK's matching leaves out, over the constraints of every CA above each certificate
   * (the anchor's included): a bounded amount of work, no name of a form nobody can match under a constraint on that
   * form (RFC 5280 §4.2.1.10: process the constraint or reject), and wildcard DNS names of the leaf judged by every
   * name they can stand for, not as the literal string "*.example.com".
   */
  private static void checkNameConstraints(List<X509Certificate> path, X509Certificate anchor,
      boolean anchorSelfSigned) throws X509SvidRejectedException {
    List<NameConstraints> above = new ArrayList<>();
    long constraintsAbove = 0;
    long checks = 0;
    NameConstraints anchorConstraints = nameConstraints(anchor, "the root");
    if (anchorConstraints != null && !anchorSelfSigned) {
      // Only a root signed by its own key can be handed to the JDK as the top of the path (see pkix).
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          "the root has name constraints but is not self-signed, so they cannot be enforced");
    }
    if (anchorConstraints != null) {
      above.add(anchorConstraints);
      constraintsAbove += count(anchorConstraints);
    }
    for (int i = path.size() - 1; i >= 0; i--) {
      X509Certificate certificate = path.get(i);
      String which = which(i);
      // RFC 5280 §6.1.3 (b)-(c): self-issued intermediates are exempt, the last certificate never is.
      boolean constrained = i == 0 || !certificate.getSubjectX500Principal()
          .equals(certificate.getIssuerX500Principal());
      if (constrained && constraintsAbove > 0) {
        GeneralName[] names = subjectAltNames(certificate, which);
        checks += (names.length + subjectAttributes(certificate)) * constraintsAbove;
        if (checks > MAX_NAME_CONSTRAINT_CHECKS) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION, "checking the names of the path "
              + "against its name constraints needs more than " + MAX_NAME_CONSTRAINT_CHECKS + " comparisons");
        }
        for (GeneralName name : names) {
          for (NameConstraints constraints : above) {
            checkName(name, constraints, which);
          }
        }
      }
      NameConstraints constraints = nameConstraints(certificate, which);
      if (constraints != null) {
        above.add(constraints);
        constraintsAbove += count(constraints);
      }
    }
  }

  private static void checkName(GeneralName name, NameConstraints constraints, String which)
      throws X509SvidRejectedException {
    int form = name.getTagNo();
    if (UNMATCHABLE_NAME_FORMS.contains(form)
        && (hasForm(constraints.getPermittedSubtrees(), form) || hasForm(constraints.getExcludedSubtrees(), form))) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has a name of a form whose name constraints cannot be processed: " + name);
    }
    if (form != GeneralName.dNSName || !string(name).startsWith("*.")) {
      return;
    }
    // "*.example.com" stands for every "<label>.example.com": it must be permitted, and not excluded, as a whole.
    String base = string(name).substring(2).toLowerCase(Locale.ROOT);
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    if (excluded != null) {
      for (GeneralSubtree subtree : excluded) {
        if (subtree.getBase().getTagNo() != GeneralName.dNSName) {
          continue;
        }
        String constraint = string(subtree.getBase()).toLowerCase(Locale.ROOT);
        if (within(base, constraint) || isOneLabelBelow(constraint, base)) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
              which + "'s wildcard " + name + " can match a name excluded by " + constraint);
        }
      }
    }
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    if (hasForm(permitted, GeneralName.dNSName)) {
      for (GeneralSubtree subtree : permitted) {
        if (subtree.getBase().getTagNo() == GeneralName.dNSName
            && within(base, string(subtree.getBase()).toLowerCase(Locale.ROOT))) {
          return;
        }
      }
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + "'s wildcard " + name + " can match names outside the permitted DNS subtrees");
    }
  }

  /** True when DNS name {@code name} is {@code constraint} or below it (an empty constraint holds every name). */
  private static boolean within(String name, String constraint) {
    return constraint.isEmpty() || name.equals(constraint) || name.endsWith("." + constraint);
  }

  /** True when {@code name} is exactly one label below {@code parent}. */
  private static boolean isOneLabelBelow(String name, String parent) {
    if (!name.endsWith("." + parent)) {
      return false;
    }
    String label = name.substring(0, name.length() - parent.length() - 1);
    return !label.isEmpty() && label.indexOf('.') < 0;
  }

  /**
   * The name constraints of a certificate, or null: critical (RFC 5280 §4.2.1.10, no exception for legacy clients),
   * with at least one subtree, minimum 0 and no maximum, and a well-formed base: a DNS name without wildcard or
   * leading period, an address and a contiguous mask, a mailbox or (dot-)host for email, a (dot-)host for URIs.
   */
  private static NameConstraints nameConstraints(X509Certificate certificate, String which)
      throws X509SvidRejectedException {
    byte[] extension = Certificates.extensionValue(certificate, NAME_CONSTRAINTS);
    if (extension == null) {
      return null;
    }
    Set<String> critical = certificate.getCriticalExtensionOIDs();
    if (critical == null || !critical.contains(NAME_CONSTRAINTS)) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints that are not critical");
    }
    NameConstraints constraints;
    try {
      constraints = NameConstraints.getInstance(
          ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets()));
    } catch (IOException | RuntimeException e) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints that cannot be parsed");
    }
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    // One of the two must be present, and a GeneralSubtrees is SIZE (1..MAX).
    if (permitted == null && excluded == null || permitted != null && permitted.length == 0
        || excluded != null && excluded.length == 0) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints with an empty list of subtrees");
    }
    for (GeneralSubtree[] subtrees : new GeneralSubtree[][] {permitted, excluded}) {
      if (subtrees == null) {
        continue;
      }
      for (GeneralSubtree subtree : subtrees) {
        if (subtree.getMinimum().signum() != 0 || subtree.getMaximum() != null || !isValidBase(subtree.getBase())) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
              which + " has a malformed name constraint " + subtree.getBase());
        }
      }
    }
    return constraints;
  }

  private static boolean isValidBase(GeneralName base) {
    try {
      switch (base.getTagNo()) {
        case GeneralName.dNSName:
          String dns = string(base);
          return dns.isEmpty() || DnsNames.isDnsName(dns, false);
        case GeneralName.iPAddress:
          return isAddressAndMask(octets(base));
        case GeneralName.rfc822Name:
          String email = string(base);
          return email.indexOf('@') >= 0 ? isMailbox(email) : isHostOrDomain(email);
        case GeneralName.uniformResourceIdentifier:
          return isHostOrDomain(string(base));
        default:
          return true;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean isAddressAndMask(byte[] octets) {
    if (octets.length != 8 && octets.length != 32) {
      return false;
    }
    boolean zeroSeen = false;
    for (int i = octets.length / 2; i < octets.length; i++) {
      for (int bit = 7; bit >= 0; bit--) {
        boolean one = (octets[i] >> bit & 1) == 1;
        if (one && zeroSeen) {
          return false;
        }
        zeroSeen |= !one;
      }
    }
    return true;
  }

  private static boolean isHostOrDomain(String value) {
    return DnsNames.isDnsName(value.startsWith(".") ? value.substring(1) : value, false);
  }

  private static long count(NameConstraints constraints) {
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    return (permitted == null ? 0 : permitted.length) + (excluded == null ? 0 : excluded.length);
  }

  private static boolean hasForm(GeneralSubtree[] subtrees, int form) {
    if (subtrees != null) {
      for (GeneralSubtree subtree : subtrees) {
        if (subtree.getBase().getTagNo() == form) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Name syntax.

  /** An RFC 5322 addr-spec with a dot-atom local part (no quoted strings) and a DNS domain. */
  static boolean isMailbox(String mailbox) {
    int at = mailbox.indexOf('@');
    if (at <= 0 || at != mailbox.lastIndexOf('@') || at > 64) {
      return false;
    }
    String local = mailbox.substring(0, at);
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      return false;
    }
    for (int i = 0; i < local.length(); i++) {
      char c = local.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
          || DOT_ATOM_SPECIALS.indexOf(c) >= 0)) {
        return false;
      }
    }
    return DnsNames.isDnsName(mailbox.substring(at + 1), false);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // PKIX.

  private static void pkix(List<X509Certificate> path, X509Certificate anchor, boolean anchorSelfSigned,
      Instant now) throws X509SvidRejectedException {
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

  private static Reason reasonOf(CertPathValidatorException e) {
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
  private static String describe(CertPathValidatorException e, int pathSize) {
    String message = e.getMessage();
    int index = e.getIndex();
    String at = index < 0 ? "" : " (" + (index == pathSize ? "the root" : which(index)) + ")";
    return (message == null ? "path validation failed" : message) + at;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers.

  /**
   * The certificate's signature verifies with its own key. RFC 5280 calls that self-signed only when the issuer name
   * is the subject name too, but a root that names some other issuer and signs itself is still just its own key.
   */
  private static boolean isSignedByOwnKey(X509Certificate certificate) {
    try {
      certificate.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
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

  private static GeneralName[] subjectAltNames(X509Certificate certificate, String which)
      throws X509SvidRejectedException {
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

  private static long subjectAttributes(X509Certificate certificate) {
    long attributes = 0;
    for (RDN rdn : X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs()) {
      attributes += rdn.size();
    }
    return attributes;
  }

  private static boolean isEmpty(X500Principal name) {
    return name.getEncoded().length <= 2;
  }

  private static String string(GeneralName name) {
    return ((ASN1String) name.getName()).getString();
  }

  private static byte[] octets(GeneralName name) {
    return ASN1OctetString.getInstance(name.getName()).getOctets();
  }

  /** How messages name the certificate at {@code index} of the path (0 is the leaf). */
  private static String which(int index) {
    return index == 0 ? "the leaf" : "intermediate " + index;
  }

  private static X509SvidRejectedException malformed(String message) {
    return new X509SvidRejectedException(Reason.MALFORMED, message);
  }
}
