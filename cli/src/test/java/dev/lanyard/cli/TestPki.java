package dev.lanyard.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Test PKI made with BouncyCastle, independent of the code under test: an upstream root CA, CSRs, PEM encoding, and
 * an in-process run of the command line.
 */
final class TestPki {
  private TestPki() {}

  /** The exit code and everything a command printed. */
  record Result(List<String> args, int code, String out, String err) {
    String all() {
      return out + "\n" + err;
    }
  }

  /** Runs {@code lanyard} in-process with empty stdin. */
  static Result run(String... args) {
    return runAt(Clock.systemUTC(), args);
  }

  /** Runs {@code lanyard} in-process with empty stdin on {@code clock}. */
  static Result runAt(Clock clock, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Lanyard.run(args, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err),
        clock);
    return new Result(List.of(args), code, out.toString(), err.toString());
  }

  /** A CA's key and certificate. */
  record Ca(KeyPair keyPair, X509Certificate certificate) {
    PrivateKey privateKey() {
      return keyPair.getPrivate();
    }
  }

  static KeyPair ecKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** A self-signed root CA: CA:TRUE and keyCertSign/cRLSign (both critical), SKI and AKI, valid for 30 days. */
  static Ca rootCa(String commonName) throws Exception {
    return rootCa(commonName, true);
  }

  /** A self-signed certificate, a CA or (with {@code ca} false) an end entity that may not sign certificates. */
  static Ca rootCa(String commonName, boolean ca) throws Exception {
    KeyPair pair = ecKeyPair();
    X500Name name = new X500Name("O=Upstream Test PKI,CN=" + commonName);
    Instant now = Instant.now();
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofDays(30))), name,
        pair.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
        .addExtension(Extension.keyUsage, true,
            new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature))
        .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false,
            utils.createAuthorityKeyIdentifier(pair.getPublic()));
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    return new Ca(pair, certificate);
  }

  /**
   * A PKCS#10 request for {@code pair}, asking (in vain) for subject CN=evil and the SANs
   * spiffe://example.org/admin and DNS evil.example.com.
   */
  static byte[] csrDer(KeyPair pair) throws Exception {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org/admin"),
        new GeneralName(GeneralName.dNSName, "evil.example.com")}));
    PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=evil"),
        pair.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
    return csr.getEncoded();
  }

  static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  static String pem(X509Certificate certificate) throws Exception {
    return pem("CERTIFICATE", certificate.getEncoded());
  }

  /** The private key as unencrypted PKCS#8 PEM. */
  static String pkcs8Pem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  /** Every certificate of a PEM file, in order, parsed by the JDK. */
  static List<X509Certificate> certificates(Path file) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> certificates = new ArrayList<>();
    for (var c : factory.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      certificates.add((X509Certificate) c);
    }
    return certificates;
  }

  static String ascii(byte[] bytes) {
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
