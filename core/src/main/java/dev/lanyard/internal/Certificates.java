package dev.lanyard.internal;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * X.509 building blocks: CA and X.509-SVID certificates (built with BouncyCastle, signed by the JDK provider),
 * key generation, and strict PEM handling.
 *
 * <p>Thread-safe: static functions; the only shared state is a {@code SecureRandom}, which is thread-safe.
 */
public final class Certificates {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /** The kind of key a CA or an SVID holds. */
  public enum KeyType {
    /** EC P-256 (default). */
    EC_P256,
    /** RSA 2048, e = 65537. */
    RSA_2048
  }

  /** A fresh key pair. */
  public static KeyPair generateKeyPair(KeyType type) {
    try {
      if (type == KeyType.EC_P256) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
      }
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + type + " key", e);
    }
  }

  /** The key type of a public key (EC P-256 or RSA of at least 2048 bits), or null when unsupported. */
  public static @Nullable KeyType keyTypeOf(PublicKey key) {
    if (key instanceof ECPublicKey && "P-256".equals(VerificationKey.curveName(((ECPublicKey) key).getParams())
        .orElse(null))) {
      return KeyType.EC_P256;
    }
    if (key instanceof RSAPublicKey && ((RSAPublicKey) key).getModulus().bitLength() >= 2048) {
      return KeyType.RSA_2048;
    }
    return null;
  }

  /**
   * A CA certificate for {@code trustDomain}: CA:TRUE (critical), keyCertSign and cRLSign (critical), URI SAN
   * {@code spiffe://<trust domain>}, SKI and (when issued by another CA) AKI. Self-signed when {@code issuer} is null.
   */
  public static X509Certificate caCertificate(KeyPair subject, TrustDomain trustDomain,
      @Nullable X509Certificate issuer, @Nullable PrivateKey issuerKey, Instant notBefore, Instant notAfter) {
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "Lanyard").addRDN(BCStyle.OU, trustDomain.name())
        .addRDN(BCStyle.CN, "Lanyard CA " + Long.toHexString(RANDOM.nextLong() & 0xffffffffL)).build();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X500Name issuerName = issuer == null ? name : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, serial(),
          Date.from(notBefore), Date.from(notAfter), name, subject.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, trustDomain.idString())))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subject.getPublic()));
      if (issuer != null) {
        builder.addExtension(Extension.authorityKeyIdentifier, false,
            utils.createAuthorityKeyIdentifier(issuer.getPublicKey()));
      } else {
        builder.addExtension(Extension.authorityKeyIdentifier, false,
            utils.createAuthorityKeyIdentifier(subject.getPublic()));
      }
      return sign(builder, issuer == null ? subject.getPrivate() : Objects.requireNonNull(issuerKey, "issuerKey"));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a CA certificate", e);
    }
  }

  /**
   * An X.509-SVID leaf (SPIFFE X509-SVID profile): exactly one URI SAN (the SPIFFE ID), optional DNS SANs,
   * CA:FALSE (critical), key usage critical with digitalSignature (+ keyEncipherment for RSA keys), EKU serverAuth and
   * clientAuth, random 128-bit serial, SKI and AKI.
   */
  public static X509Certificate leafCertificate(PublicKey subjectKey, SpiffeId spiffeId, Collection<String> dnsNames,
      X509Certificate ca, PrivateKey caKey, Instant notBefore, Instant notAfter) {
    KeyType type = keyTypeOf(subjectKey);
    if (type == null) {
      throw new IllegalArgumentException("an X.509-SVID key must be EC P-256 or RSA of at least 2048 bits");
    }
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId.toString()));
      for (String dns : dnsNames) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, "Lanyard").addRDN(BCStyle.OU, spiffeId.trustDomain().name()).build();
      int usage = KeyUsage.digitalSignature | (type == KeyType.RSA_2048 ? KeyUsage.keyEncipherment : 0);
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), serial(), Date.from(notBefore),
          Date.from(notAfter), subject, subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca.getPublicKey()));
      return sign(builder, caKey);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build an X.509-SVID", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws CertificateException {
    try {
      String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
      ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new CertificateException("cannot sign", e);
    }
  }

  /** A random positive 128-bit serial number (RFC 5280 §4.1.2.2: at most 20 octets). */
  private static BigInteger serial() {
    return new BigInteger(128, RANDOM).setBit(127);
  }

  /** Parses one DER certificate. */
  public static X509Certificate parse(byte[] der) throws CertificateException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
  }

  /** Every CERTIFICATE block of a PEM text, in order. */
  public static List<X509Certificate> parsePem(String pem) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    for (byte[] der : pemBlocks(pem, "CERTIFICATE")) {
      certificates.add(parse(der));
    }
    return certificates;
  }

  /** A PKCS#8 PRIVATE KEY block of a PEM text (EC or RSA). */
  public static PrivateKey parsePrivateKeyPem(String pem) throws GeneralSecurityException {
    List<byte[]> blocks = pemBlocks(pem, "PRIVATE KEY");
    if (blocks.size() != 1) {
      throw new GeneralSecurityException("expected exactly one PKCS#8 PRIVATE KEY block");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(blocks.get(0));
    for (String algorithm : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next key type
      }
    }
    throw new GeneralSecurityException("the private key is neither EC nor RSA PKCS#8");
  }

  /**
   * The one private key of a PEM text: PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
   * ({@code RSA PRIVATE KEY}), EC or RSA, unencrypted. The messages never quote the text.
   */
  public static PrivateKey parseAnyPrivateKeyPem(String pem) throws GeneralSecurityException {
    List<byte[]> pkcs8 = pemBlocks(pem, "PRIVATE KEY");
    List<byte[]> sec1 = pemBlocks(pem, "EC PRIVATE KEY");
    List<byte[]> pkcs1 = pemBlocks(pem, "RSA PRIVATE KEY");
    int plain = pkcs8.size();
    if (plain + sec1.size() + pkcs1.size() != 1) {
      throw new GeneralSecurityException("expected exactly one PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA "
          + "PRIVATE KEY), found " + (plain + sec1.size() + pkcs1.size()));
    }
    if (plain == 1) {
      return parsePrivateKeyPem(pem);
    }
    try {
      org.bouncycastle.asn1.pkcs.PrivateKeyInfo info;
      if (sec1.size() == 1) {
        org.bouncycastle.asn1.sec.ECPrivateKey key = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(sec1.get(0));
        org.bouncycastle.asn1.ASN1Object curve = key.getParametersObject();
        if (curve == null) {
          throw new GeneralSecurityException("the EC private key names no curve");
        }
        info = new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
            org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey, curve), key);
      } else {
        info = new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
            org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.rsaEncryption, org.bouncycastle.asn1.DERNull.INSTANCE),
            org.bouncycastle.asn1.pkcs.RSAPrivateKey.getInstance(pkcs1.get(0)));
      }
      PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(info.getEncoded());
      return KeyFactory.getInstance(sec1.size() == 1 ? "EC" : "RSA").generatePrivate(spec);
    } catch (IOException | RuntimeException e) {
      throw new GeneralSecurityException("the private key is not a valid "
          + (sec1.size() == 1 ? "SEC1 EC" : "PKCS#1 RSA") + " key");
    }
  }

  /** PEM encoding of DER under {@code label}. */
  public static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  /** PEM of certificates, in order. */
  public static String pem(List<X509Certificate> certificates) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        sb.append(pem("CERTIFICATE", certificate.getEncoded()));
      } catch (CertificateException e) {
        throw new IllegalStateException("certificate cannot be encoded", e);
      }
    }
    return sb.toString();
  }

  /** The DER bodies of every PEM block with {@code label}; malformed base64 is an IllegalArgumentException. */
  public static List<byte[]> pemBlocks(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    List<byte[]> blocks = new ArrayList<>();
    int from = 0;
    while (true) {
      int start = text.indexOf(begin, from);
      if (start < 0) {
        return blocks;
      }
      // The END line is looked for after the BEGIN line: the two must not share their dashes.
      int stop = text.indexOf(end, start + begin.length());
      if (stop < 0) {
        throw new IllegalArgumentException("a PEM " + label + " block has no END line");
      }
      // Strict base64 once line breaks and blanks are gone: a stray character is an error, not skipped.
      blocks.add(Base64.getDecoder().decode(text.substring(start + begin.length(), stop).replaceAll("[\\s]", "")));
      from = stop + end.length();
    }
  }

  /**
   * True when {@code issuer}'s subject is {@code subject}'s issuer name and, when both carry them, the subject's
   * authority key identifier equals the issuer's subject key identifier. A cheap pre-check: no signature is verified.
   */
  public static boolean mayHaveIssued(X509Certificate issuer, X509Certificate subject) {
    if (!issuer.getSubjectX500Principal().equals(subject.getIssuerX500Principal())) {
      return false;
    }
    byte[] aki = keyIdentifier(extensionValue(subject, "2.5.29.35"), true);
    byte[] ski = keyIdentifier(extensionValue(issuer, "2.5.29.14"), false);
    return aki == null || ski == null || java.util.Arrays.equals(aki, ski);
  }

  /**
   * The DER extension value of {@code oid}, or null when the certificate does not have it. Looks at the extension
   * OID sets first: on JDK 17, asking the certificate for an extension it lacks throws and catches two exceptions
   * inside the JDK, which made path validation several times slower than PKIX itself.
   */
  public static byte @Nullable [] extensionValue(X509Certificate certificate, String oid) {
    java.util.Set<String> critical = certificate.getCriticalExtensionOIDs();
    java.util.Set<String> other = certificate.getNonCriticalExtensionOIDs();
    boolean present = (critical != null && critical.contains(oid)) || (other != null && other.contains(oid));
    return present ? certificate.getExtensionValue(oid) : null;
  }

  /** The key identifier of an AKI or SKI extension value, or null. */
  public static byte @Nullable [] keyIdentifier(byte @Nullable [] extension, boolean authority) {
    if (extension == null) {
      return null;
    }
    try {
      byte[] inner = org.bouncycastle.asn1.ASN1OctetString.getInstance(extension).getOctets();
      if (authority) {
        return org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(inner).getKeyIdentifier();
      }
      return org.bouncycastle.asn1.ASN1OctetString.getInstance(inner).getOctets();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The serial number as lowercase hex. */
  public static String serialHex(X509Certificate certificate) {
    return certificate.getSerialNumber().toString(16);
  }
}
