package dev.lanyard.x509;

import static dev.lanyard.x509.TestCertificates.dns;
import static dev.lanyard.x509.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.internal.DnsNames;
import java.util.HexFormat;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which names in a certificate are well-formed: pure functions, no keys. */
class NameSyntaxTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "@example.com", "a@", "a@b@example.com", ".a@example.com", "a.@example.com",
      "a..b@example.com", "\"quoted\"@example.com", "a b@example.com", "ü@example.com", "a@-example.com",
      "a@example..com", "a@8.8.8.8", "a@*.example.com"})
  void isMailboxWhenMalformedThenFalse(String mailbox) {
    assertThat(NameSyntax.isMailbox(mailbox)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a@example.com", "first.last@example.com", "x+tag@sub.example.com", "!#$%&'*+-/=?^_`{|}~@e.com",
      "A1@EXAMPLE.COM"})
  void isMailboxWhenDotAtomAndDnsDomainThenTrue(String mailbox) {
    assertThat(NameSyntax.isMailbox(mailbox)).isTrue();
  }

  @Test
  void isMailboxWhenLocalPartLongerThan64ThenFalse() {
    assertThat(NameSyntax.isMailbox("a".repeat(64) + "@example.com")).isTrue();
    assertThat(NameSyntax.isMailbox("a".repeat(65) + "@example.com")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
      "0a000000ff000000, true", // 10.0.0.0/8
      "0a000001ffffffff, true", // a single address
      "0000000000000000, true", // everything
      "0a000000ff00ff00, false", // non-contiguous mask
      "0a00000000ff0000, false", // ones after zeros
      "0a000000ff0000, false", // 7 octets
      "0a000000, false", // an address without mask
      "20010db8000000000000000000000000ffffffffffffffffffffffffffffffff, true", // 2001:db8::/128
      "20010db8000000000000000000000000ffffffff000000000000000000000001, false"})
  void isAddressAndMaskWhenMaskContiguousThenTrue(String hex, boolean expected) {
    assertThat(NameSyntax.isAddressAndMask(HexFormat.of().parseHex(hex))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"example.com, true", ".example.com, true", "..example.com, false", "*.example.com, false",
      "example.com., false", "8.8.8.8, false", "-a.example.com, false"})
  void isHostOrDomainWhenDnsNameWithOptionalLeadingPeriodThenTrue(String value, boolean expected) {
    assertThat(NameSyntax.isHostOrDomain(value)).isEqualTo(expected);
  }

  @Test
  void isSubjectAltNameWhenWildcardThenOnlyWhereAllowed() {
    assertThat(NameSyntax.isSubjectAltName(dns("*.example.com"), true)).isTrue();
    assertThat(NameSyntax.isSubjectAltName(dns("*.example.com"), false)).isFalse();
    assertThat(NameSyntax.isSubjectAltName(dns("*.com"), true)).isFalse();
    assertThat(NameSyntax.isSubjectAltName(dns("w*.example.com"), true)).isFalse();
  }

  @Test
  void isSubjectAltNameWhenIpAddressThenFourOrSixteenOctets() {
    assertThat(NameSyntax.isSubjectAltName(ip(4), false)).isTrue();
    assertThat(NameSyntax.isSubjectAltName(ip(16), false)).isTrue();
    assertThat(NameSyntax.isSubjectAltName(ip(5), false)).isFalse();
    assertThat(NameSyntax.isSubjectAltName(ip(8), false)).isFalse();
  }

  @Test
  void isSubjectAltNameWhenMailboxOrOtherFormThenJudgedByItsGrammar() {
    assertThat(NameSyntax.isSubjectAltName(new GeneralName(GeneralName.rfc822Name, "a@example.com"), false)).isTrue();
    assertThat(NameSyntax.isSubjectAltName(new GeneralName(GeneralName.rfc822Name, "example.com"), false)).isFalse();
    // A URI is the SPIFFE ID's business (SvidProfile), not a syntax rule of the path.
    assertThat(NameSyntax.isSubjectAltName(uri("not a uri"), false)).isTrue();
  }

  /** The verifier and the authority read DNS names with one grammar: no name is judged differently here. */
  @ParameterizedTest
  @ValueSource(strings = {"example.com", "EXAMPLE.com", "a-b.example.com", "*.example.com", "*.com", "a.*.example.com",
      "example.com.", ".example.com", "a..b", "8.8.8.8", "a.b.c.123", "xn--bcher-kva.example", "-a.example.com",
      "a-.example.com", "a_b.example.com", "ü.example.com", "*"})
  void isSubjectAltNameWhenDnsNameThenSameAnswerAsDnsNames(String name) {
    assertThat(NameSyntax.isSubjectAltName(dns(name), true)).isEqualTo(DnsNames.isDnsName(name, true));
    assertThat(NameSyntax.isSubjectAltName(dns(name), false)).isEqualTo(DnsNames.isDnsName(name, false));
  }

  @Test
  void isSubjectAltNameWhenDnsNameAtLengthLimitsThenSameAnswerAsDnsNames() {
    String label63 = "a".repeat(63);
    String longest = String.join(".", label63, label63, label63, "a".repeat(61));
    assertThat(longest).hasSize(DnsNames.MAX_LENGTH);
    assertThat(NameSyntax.isSubjectAltName(dns(longest), false)).isTrue();
    assertThat(NameSyntax.isSubjectAltName(dns(longest + "a"), false)).isFalse();
    assertThat(NameSyntax.isSubjectAltName(dns("a".repeat(64) + ".com"), false)).isFalse();
  }

  @Test
  void isConstraintBaseWhenDnsThenEmptyOrPlainNameOnly() {
    assertThat(NameSyntax.isConstraintBase(dns(""))).isTrue();
    assertThat(NameSyntax.isConstraintBase(dns("example.com"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(dns(".example.com"))).isFalse();
    assertThat(NameSyntax.isConstraintBase(dns("*.example.com"))).isFalse();
  }

  @Test
  void isConstraintBaseWhenEmailThenMailboxHostOrDomain() {
    assertThat(NameSyntax.isConstraintBase(new GeneralName(GeneralName.rfc822Name, "a@example.com"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(new GeneralName(GeneralName.rfc822Name, "example.com"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(new GeneralName(GeneralName.rfc822Name, ".example.com"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(new GeneralName(GeneralName.rfc822Name, "a..b@example.com"))).isFalse();
  }

  @Test
  void isConstraintBaseWhenUriThenHostOrDomain() {
    assertThat(NameSyntax.isConstraintBase(uri("example.org"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(uri(".example.org"))).isTrue();
    assertThat(NameSyntax.isConstraintBase(uri("spiffe://example.org"))).isFalse();
  }

  @Test
  void isConstraintBaseWhenIpThenAddressAndContiguousMask() {
    assertThat(NameSyntax.isConstraintBase(
        new GeneralName(GeneralName.iPAddress, new DEROctetString(HexFormat.of().parseHex("0a000000ff000000")))))
        .isTrue();
    assertThat(NameSyntax.isConstraintBase(ip(4))).isFalse();
  }

  @Test
  void isConstraintBaseWhenFormWithoutGrammarThenTrue() {
    assertThat(NameSyntax.isConstraintBase(new GeneralName(GeneralName.registeredID, "1.2.3.4"))).isTrue();
  }

  private static GeneralName ip(int octets) {
    return new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[octets]));
  }
}
