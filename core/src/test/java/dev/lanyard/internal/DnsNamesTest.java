package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DnsNamesTest {
  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"", " ", ".", "..", "8.8.8.8", "10.0.0.1", "example.123", "::1", "[::1]", "web.example.org.",
      ".example.org", "web..example.org", "-web.example.org", "web-.example.org", "web_1.example.org",
      "w\u00e9b.example.org", "\u212aelvin.example.org", "web.example.org\n", "web\u0000.example.org", "web example.org",
      "web@example.org", "*", "*.", "*.com", "*.1.2", "**.example.org", "w*.example.org", "a.*.example.org",
      "*.*.example.org", "web.example.org:443"})
  void isDnsNameWhenNotInTheGrammarThenFalseWithOrWithoutWildcards(String name) {
    assertThat(DnsNames.isDnsName(name, true)).isFalse();
    assertThat(DnsNames.isDnsName(name, false)).isFalse();
    assertThat(DnsNames.isDnsName(name)).isFalse();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"localhost", "web.example.org", "WEB.Example.ORG", "a-b.example.org", "xn--bcher-kva.example",
      "1.2.3.example", "8.8.8.8x", "0a", "a", "web.example.org1"})
  void isDnsNameWhenInTheGrammarThenTrue(String name) {
    assertThat(DnsNames.isDnsName(name)).isTrue();
    assertThat(DnsNames.isDnsName(name, true)).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"*.example.org", "*.a.b", "*.web.prod.example.org"})
  void isDnsNameWhenWildcardLeavesTwoLabelsThenTrueOnlyWhereWildcardsAreAllowed(String name) {
    assertThat(DnsNames.isDnsName(name, true)).isTrue();
    assertThat(DnsNames.isDnsName(name, false)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void isDnsNameWhenAtTheLengthLimitsThenExactlyThere() {
    String label63 = "a".repeat(63);
    String name253 = (label63 + ".").repeat(3) + "a".repeat(61);

    assertThat(DnsNames.isDnsName(label63 + ".example.org")).isTrue();
    assertThat(DnsNames.isDnsName("a" + label63 + ".example.org")).isFalse();
    assertThat(name253).hasSize(253);
    assertThat(DnsNames.isDnsName(name253)).isTrue();
    assertThat(DnsNames.isDnsName(name253 + "a")).isFalse();
    assertThat(DnsNames.isDnsName(null)).isFalse();
    assertThat(DnsNames.isDnsName(null, true)).isFalse();
  }
}
