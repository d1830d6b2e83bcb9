package dev.lanyard.x509;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds test certificates with BouncyCastle, one extension at a time, so that each test can break exactly one rule.
 * Defaults are profile-conformant: {@link #ca(String)} is CA:TRUE (critical), keyCertSign|cRLSign (critical), SKI;
 * {@link #leaf(String)} is an X509-SVID (CA:FALSE critical, digitalSignature critical, EKU serverAuth+clientAuth, one
 * URI SAN, SKI). Issued certificates carry an AKI unless {@link Spec#noKeyIdentifiers()} is called.
 */
public final class TestCertificates {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Instant now;

  /** Certificates valid around {@code now} by default (CAs: 1 day before to 30 days after; leaves: 1 hour either way). */
  public TestCertificates(Instant now) {
    this.now = now;
  }

  /** The reference instant. */
  public Instant now() {
    return now;
  }

  /** A certificate and its key pair. */
  public static final class Issued {
    public final X509Certificate certificate;
    public final KeyPair keyPair;

    Issued(X509Certificate certificate, KeyPair keyPair) {
      this.certificate = certificate;
      this.keyPair = keyPair;
    }

    @Override
    public String toString() {
      return certificate.getSubjectX500Principal().getName();
    }
  }

  /** A fresh EC P-256 key pair. */
  public static KeyPair ecKey() {
    return generate("EC", new ECGenParameterSpec("secp256r1"));
  }

  /** A fresh EC P-384 key pair. */
  public static KeyPair ecP384Key() {
    return generate("EC", new ECGenParameterSpec("secp384r1"));
  }

  /** A fresh RSA key pair of {@code bits}. */
  public static KeyPair rsaKey(int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(bits);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      generator.initialize(spec);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CA certificate spec with subject {@code CN=<cn>}. */
  public Spec ca(String cn) {
    return new Spec("CN=" + cn)
        .basicConstraints(true, null)
        .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign, true)
        .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
  }

  /** An X509-SVID leaf spec for the URI SAN {@code uri}. */
  public Spec leaf(String uri) {
    return new Spec("O=Test, OU=leaf")
        .basicConstraints(false, null)
        .keyUsage(KeyUsage.digitalSignature, true)
        .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
        .sans(uri(uri))
        .validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)));
  }

  /** A URI general name. */
  public static GeneralName uri(String uri) {
    return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
  }

  /** A DNS general name. */
  public static GeneralName dns(String name) {
    return new GeneralName(GeneralName.dNSName, name);
  }

  /** One certificate being described. */
  public static final class Spec {
    private X500Name subject;
    private KeyPair keyPair = ecKey();
    private Instant notBefore;
    private Instant notAfter;
    private BasicConstraints basicConstraints;
    private boolean basicConstraintsCritical = true;
    private Integer keyUsage;
    private boolean keyUsageCritical = true;
    private KeyPurposeId[] extendedKeyUsage;
    private GeneralName[] sans;
    private boolean keyIdentifiers = true;
    private byte[] subjectKeyIdentifier;
    private byte[] authorityKeyIdentifier;
    private final List<Object[]> extraExtensions = new ArrayList<>();

    Spec(String subject) {
      this.subject = new X500Name(subject);
    }

    public Spec subject(String dn) {
      this.subject = new X500Name(dn);
      return this;
    }

    public Spec key(KeyPair keyPair) {
      this.keyPair = keyPair;
      return this;
    }

    public Spec validity(Instant notBefore, Instant notAfter) {
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    /** CA flag and optional path length constraint, critical. */
    public Spec basicConstraints(boolean ca, Integer pathLen) {
      this.basicConstraints = ca ? (pathLen == null ? new BasicConstraints(true) : new BasicConstraints(pathLen))
          : new BasicConstraints(false);
      return this;
    }

    public Spec noBasicConstraints() {
      this.basicConstraints = null;
      return this;
    }

    public Spec keyUsage(int bits, boolean critical) {
      this.keyUsage = bits;
      this.keyUsageCritical = critical;
      return this;
    }

    public Spec noKeyUsage() {
      this.keyUsage = null;
      return this;
    }

    public Spec extendedKeyUsage(KeyPurposeId... purposes) {
      this.extendedKeyUsage = purposes;
      return this;
    }

    public Spec noExtendedKeyUsage() {
      this.extendedKeyUsage = null;
      return this;
    }

    public Spec sans(GeneralName... names) {
      this.sans = names;
      return this;
    }

    public Spec noSans() {
      this.sans = null;
      return this;
    }

    /** Neither SKI nor AKI. */
    public Spec noKeyIdentifiers() {
      this.keyIdentifiers = false;
      return this;
    }

    /** An SKI of these bytes instead of the hash of the key (an impostor copying someone else's). */
    public Spec subjectKeyIdentifier(byte[] keyIdentifier) {
      this.subjectKeyIdentifier = keyIdentifier.clone();
      return this;
    }

    /** An AKI of these bytes instead of the issuer key's hash (needed with {@link #issuedBy(String, PrivateKey)}). */
    public Spec authorityKeyIdentifier(byte[] keyIdentifier) {
      this.authorityKeyIdentifier = keyIdentifier.clone();
      return this;
    }

    public Spec extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
      extraExtensions.add(new Object[] {oid, critical, value});
      return this;
    }

    /** Self-signed. */
    public Issued selfSigned() {
      return build(subject, keyPair.getPrivate(), null);
    }

    /** Signed by {@code issuer}, with its subject as issuer name. */
    public Issued issuedBy(Issued issuer) {
      return build(X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded()),
          issuer.keyPair.getPrivate(), issuer.certificate);
    }

    /** Signed by {@code key} under the issuer name {@code issuerDn}, without an AKI (an impostor signer). */
    public Issued issuedBy(String issuerDn, PrivateKey key) {
      return build(new X500Name(issuerDn), key, null);
    }

    private Issued build(X500Name issuerName, PrivateKey signingKey, X509Certificate issuerCertificate) {
      try {
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
            new BigInteger(128, RANDOM).setBit(127), Date.from(notBefore), Date.from(notAfter), subject,
            keyPair.getPublic());
        if (basicConstraints != null) {
          builder.addExtension(Extension.basicConstraints, basicConstraintsCritical, basicConstraints);
        }
        if (keyUsage != null) {
          builder.addExtension(Extension.keyUsage, keyUsageCritical, new KeyUsage(keyUsage));
        }
        if (extendedKeyUsage != null) {
          builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage));
        }
        if (sans != null) {
          builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        }
        if (keyIdentifiers) {
          builder.addExtension(Extension.subjectKeyIdentifier, false, subjectKeyIdentifier != null
              ? new SubjectKeyIdentifier(subjectKeyIdentifier) : utils.createSubjectKeyIdentifier(keyPair.getPublic()));
          if (authorityKeyIdentifier != null) {
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                new AuthorityKeyIdentifier(authorityKeyIdentifier));
          } else if (issuerCertificate != null) {
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                utils.createAuthorityKeyIdentifier(issuerCertificate.getPublicKey()));
          }
        }
        for (Object[] extension : extraExtensions) {
          builder.addExtension((ASN1ObjectIdentifier) extension[0], (Boolean) extension[1],
              (ASN1Encodable) extension[2]);
        }
        String algorithm = "EC".equals(signingKey.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        X509Certificate certificate = new JcaX509CertificateConverter()
            .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
        return new Issued(certificate, keyPair);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("cannot build a test certificate", e);
      }
    }
  }

  /** The certificates of {@code issued}, in order. */
  public static List<X509Certificate> chain(Issued... issued) {
    List<X509Certificate> chain = new ArrayList<>();
    for (Issued i : issued) {
      chain.add(i.certificate);
    }
    return chain;
  }

  /** The subject key identifier of a certificate. */
  public static byte[] subjectKeyIdentifierOf(X509Certificate certificate) {
    byte[] value = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    return org.bouncycastle.asn1.ASN1OctetString.getInstance(
        org.bouncycastle.asn1.ASN1OctetString.getInstance(value).getOctets()).getOctets();
  }

  /** A copy of {@code certificate} whose last signature byte is flipped. */
  public static X509Certificate withTamperedSignature(X509Certificate certificate) {
    try {
      byte[] der = certificate.getEncoded();
      der[der.length - 1] ^= 0x01;
      return dev.lanyard.internal.Certificates.parse(der);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
