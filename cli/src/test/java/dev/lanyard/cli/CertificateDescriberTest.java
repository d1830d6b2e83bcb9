package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CertificateDescriberTest {
  private static final Instant NOT_BEFORE = Instant.parse("2030-01-01T00:00:00Z");
  private static final Instant NOT_AFTER = Instant.parse("2030-01-01T01:00:00Z");

  private static X509Certificate leaf;

  /** A workload leaf: issued by another name, a SPIFFE ID and two DNS SANs, valid for one hour from NOT_BEFORE. */
  @BeforeAll
  static void issue() throws Exception {
    KeyPair pair = TestPki.ecKeyPair();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("O=Test,CN=Issuing CA"),
        BigInteger.valueOf(0x1234), Date.from(NOT_BEFORE), Date.from(NOT_AFTER), new X500Name("O=Test"),
        pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
        .addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
        .addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org/orders"),
            new GeneralName(GeneralName.dNSName, "orders.example.org"),
            new GeneralName(GeneralName.dNSName, "orders.internal")}));
    leaf = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
  }

  @Test
  void subjectAndIssuerThenRfc2253() {
    assertThat(CertificateDescriber.subject(leaf)).isEqualTo("O=Test");
    assertThat(CertificateDescriber.issuer(leaf)).isEqualTo("CN=Issuing CA,O=Test");
  }

  @Test
  void dnsNamesThenOnlyDnsSansInOrder() {
    assertThat(CertificateDescriber.dnsNames(leaf)).containsExactly("orders.example.org", "orders.internal");
  }

  @Test
  void describeWhenReadWithinValidityThenTimeLeft() {
    String text = describe(NOT_AFTER.minusSeconds(150));

    assertThat(text).contains("  not before:          2030-01-01T00:00:00Z\n")
        .contains("  not after:           2030-01-01T01:00:00Z (in 2m30s)\n")
        .contains("  lifetime:            1h0m\n")
        .contains("  SANs:                URI:spiffe://example.org/orders, DNS:orders.example.org, "
            + "DNS:orders.internal\n")
        .contains("  basic constraints:   CA:FALSE (critical)\n")
        .contains("  key usage:           digitalSignature (critical)\n")
        .contains("  extended key usage:  serverAuth, clientAuth (not critical)\n")
        .contains("  public key:          EC P-256\n")
        .contains("  serial:              ");
    assertThat(text).doesNotContain("self-issued");
  }

  @Test
  void describeWhenReadAfterExpiryThenExpiredAgo() {
    assertThat(describe(NOT_AFTER.plusSeconds(90))).contains("not after:           2030-01-01T01:00:00Z "
        + "(expired 1m30s ago)");
  }

  @Test
  void describeWhenReadBeforeNotBeforeThenNotValidForAnother() {
    assertThat(describe(NOT_BEFORE.minusSeconds(3_900)))
        .contains("not before:          2030-01-01T00:00:00Z (not valid for another 1h5m)");
  }

  @Test
  void describeWhenExactlyAtNotBeforeThenNoRemark() {
    assertThat(describe(NOT_BEFORE)).contains("  not before:          2030-01-01T00:00:00Z\n");
  }

  @Test
  void sanitizeWhenControlOrBidiCharactersThenReplaced() {
    assertThat(CertificateDescriber.sanitize("a\u001b[31mb\u0085c\u202ed\u2066e\u00e9"))
        .isEqualTo("a?[31mb?c?d?e\u00e9");
  }

  private static String describe(Instant now) {
    StringWriter out = new StringWriter();
    try (PrintWriter writer = new PrintWriter(out)) {
      CertificateDescriber.describe(writer, leaf, now);
    }
    return out.toString().replace(System.lineSeparator(), "\n");
  }
}
