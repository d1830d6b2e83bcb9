package dev.lanyard.cli;

import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.VerificationKey;
import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;

/**
 * How the CLI describes certificates: the names and DNS SANs its JSON output carries ({@code x509 issue},
 * {@code x509 verify}, {@code authority init}), and the labelled text of {@code x509 inspect}. Pure functions of the
 * certificate (and, for the text, of the time it is read at); nothing is verified here.
 */
final class CertificateDescriber {
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final String[] KEY_USAGE_NAMES = {"digitalSignature", "nonRepudiation", "keyEncipherment",
      "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
  private static final Map<String, String> EKU_NAMES = Map.of(
      "1.3.6.1.5.5.7.3.1", "serverAuth",
      "1.3.6.1.5.5.7.3.2", "clientAuth",
      "1.3.6.1.5.5.7.3.3", "codeSigning",
      "1.3.6.1.5.5.7.3.4", "emailProtection",
      "1.3.6.1.5.5.7.3.8", "timeStamping",
      "1.3.6.1.5.5.7.3.9", "OCSPSigning",
      "2.5.29.37.0", "anyExtendedKeyUsage");

  private CertificateDescriber() {}

  /** A distinguished name as the JSON output prints it: RFC 2253. */
  static String name(X500Principal principal) {
    return principal.getName(X500Principal.RFC2253);
  }

  /** The subject of {@code c}, RFC 2253. */
  static String subject(X509Certificate c) {
    return name(c.getSubjectX500Principal());
  }

  /** The issuer of {@code c}, RFC 2253. */
  static String issuer(X509Certificate c) {
    return name(c.getIssuerX500Principal());
  }

  /** The DNS SANs of {@code c}, in order; none when there are none or they cannot be parsed. */
  static List<Object> dnsNames(X509Certificate c) {
    List<Object> names = new ArrayList<>();
    try {
      Collection<List<?>> sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            names.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // callers describe certificates a verifier or issuer parsed already; nothing to add
    }
    return names;
  }

  /**
   * Writes the labelled description of {@code c} to {@code out}, one indented line per field, validity told relative
   * to {@code now}. Every value is {@linkplain #sanitize sanitized}: certificate fields are attacker-controlled.
   */
  static void describe(PrintWriter out, X509Certificate c, Instant now) {
    Set<String> critical = c.getCriticalExtensionOIDs() == null ? Set.of() : c.getCriticalExtensionOIDs();
    line(out, "subject", subject(c));
    line(out, "issuer", issuer(c)
        + (c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) ? " (self-issued)" : ""));
    line(out, "serial", Certificates.serialHex(c) + " (" + c.getSerialNumber().bitLength() + " bits)");
    Instant notBefore = c.getNotBefore().toInstant();
    Instant notAfter = c.getNotAfter().toInstant();
    line(out, "not before", notBefore + (now.isBefore(notBefore)
        ? " (not valid for another " + TimeText.human(Duration.between(now, notBefore)) + ")" : ""));
    line(out, "not after", notAfter + TimeText.untilOrAgo(notAfter, now));
    line(out, "lifetime", TimeText.human(Duration.between(notBefore, notAfter)));
    line(out, "SANs", subjectAlternativeNames(c));
    line(out, "basic constraints", basicConstraints(c, critical));
    line(out, "key usage", keyUsage(c, critical));
    line(out, "extended key usage", extendedKeyUsage(c, critical));
    line(out, "public key", publicKey(c.getPublicKey()));
    line(out, "signature algorithm", c.getSigAlgName());
    line(out, "SHA-256 fingerprint", fingerprint(c));
  }

  private static void line(PrintWriter out, String label, String value) {
    out.printf(Locale.ROOT, "  %-20s %s%n", label + ":", sanitize(value));
  }

  static String subjectAlternativeNames(X509Certificate c) {
    Collection<List<?>> sans;
    try {
      sans = c.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return "(cannot be parsed)";
    }
    if (sans == null || sans.isEmpty()) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (List<?> san : sans) {
      Object type = san.get(0);
      @Nullable Object value = san.size() > 1 ? san.get(1) : null;
      String prefix;
      switch (type instanceof Integer ? (Integer) type : -1) {
        case 1:
          prefix = "email:";
          break;
        case 2:
          prefix = "DNS:";
          break;
        case 4:
          prefix = "DirName:";
          break;
        case 6:
          prefix = "URI:";
          break;
        case 7:
          prefix = "IP:";
          break;
        case 8:
          prefix = "RID:";
          break;
        default:
          prefix = "other(" + type + ")";
          value = null;
      }
      names.add(prefix + (value instanceof String ? value : ""));
    }
    return String.join(", ", names);
  }

  static String basicConstraints(X509Certificate c, Set<String> critical) {
    if (c.getExtensionValue(BASIC_CONSTRAINTS) == null) {
      return "none";
    }
    int pathLength = c.getBasicConstraints();
    String value = pathLength < 0 ? "CA:FALSE"
        : "CA:TRUE" + (pathLength == Integer.MAX_VALUE ? "" : ", pathlen:" + pathLength);
    return value + criticality(BASIC_CONSTRAINTS, critical);
  }

  static String keyUsage(X509Certificate c, Set<String> critical) {
    boolean @Nullable [] usage = c.getKeyUsage();
    if (usage == null) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < usage.length; i++) {
      if (usage[i]) {
        names.add(i < KEY_USAGE_NAMES.length ? KEY_USAGE_NAMES[i] : "bit" + i);
      }
    }
    return (names.isEmpty() ? "(empty)" : String.join(", ", names)) + criticality(KEY_USAGE, critical);
  }

  static String extendedKeyUsage(X509Certificate c, Set<String> critical) {
    @Nullable List<String> usages;
    try {
      usages = c.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return "(cannot be parsed)";
    }
    if (usages == null) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (String oid : usages) {
      names.add(EKU_NAMES.getOrDefault(oid, oid));
    }
    return String.join(", ", names) + criticality(EXTENDED_KEY_USAGE, critical);
  }

  private static String criticality(String oid, Set<String> critical) {
    return critical.contains(oid) ? " (critical)" : " (not critical)";
  }

  static String publicKey(PublicKey key) {
    if (key instanceof ECPublicKey) {
      ECPublicKey ec = (ECPublicKey) key;
      return "EC " + VerificationKey.curveName(ec.getParams())
          .orElse(ec.getParams().getCurve().getField().getFieldSize() + "-bit curve");
    }
    if (key instanceof RSAPublicKey) {
      return "RSA " + ((RSAPublicKey) key).getModulus().bitLength() + " bits";
    }
    return key.getAlgorithm();
  }

  static String fingerprint(X509Certificate c) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return "(unavailable)";
    }
  }

  /** Printable text only: certificate fields are attacker-controlled and must not drive the terminal. */
  static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0);
      boolean bidi = (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
      sb.append(control || bidi ? '?' : c);
    }
    return sb.toString();
  }
}
