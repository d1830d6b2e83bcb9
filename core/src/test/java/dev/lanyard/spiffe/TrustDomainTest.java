package dev.lanyard.spiffe;

import static dev.lanyard.spiffe.SpiffeIdTest.withDefaultLocale;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrustDomainTest {

  // ---------------------------------------------------------------------------------------------------------------
  // of: hostile and invalid input
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> hostileNames() {
    return Stream.of(
        // length first
        arguments("1 MiB name", "a".repeat(1 << 20), "longer than 255"),
        arguments("256 characters", "a".repeat(256), "longer than 255"),
        arguments("256 upper-case characters", "A".repeat(256), "longer than 255"),
        arguments("ID with trust domain of 256 characters", "spiffe://" + "a".repeat(256) + "/x", "longer than 255"),
        // control characters and whitespace
        arguments("NUL", "example.org\u0000", "U+0000"),
        arguments("NUL before a second domain", "example.org\u0000.evil.com", "U+0000"),
        arguments("newline", "example.org\n", "U+000A"),
        arguments("CRLF", "example.org\r\nX: y", "U+000D"),
        arguments("tab", "example\t.org", "U+0009"),
        arguments("space inside", "exa mple.org", "outside [a-z0-9._-]"),
        arguments("leading space", " example.org", "outside [a-z0-9._-]"),
        arguments("trailing space", "example.org ", "outside [a-z0-9._-]"),
        arguments("only whitespace", "   ", "outside [a-z0-9._-]"),
        // non-ASCII: only ASCII A-Z may be folded; Character.toLowerCase would turn these into ASCII letters
        arguments("capital dotted I", "\u0130ssuer.io", "U+0130"),
        arguments("capital dotted I in an upper-case name", "T\u0130TLE.IO", "U+0130"),
        arguments("dotless i", "t\u0131tle.io", "U+0131"),
        arguments("Kelvin sign", "\u212Aey.io", "U+212A"),
        arguments("a umlaut", "ex\u00e4mple.org", "U+00E4"),
        arguments("A umlaut upper case", "EX\u00c4MPLE.ORG", "U+00C4"),
        arguments("Cyrillic e homograph", "\u0435xample.org", "U+0435"),
        arguments("fullwidth letters", "\uFF25XAMPLE.ORG", "U+FF25"),
        arguments("emoji", "\uD83D\uDE00.io", "U+D83D"),
        // URI parts
        arguments("empty", "", "empty"),
        arguments("port", "example.org:8080", "port"),
        arguments("user info", "user@example.org", "user info"),
        arguments("user info with password", "user:pw@example.org", "not allowed"),
        arguments("slash", "example.org/x", "outside [a-z0-9._-]"),
        arguments("only a slash", "/", "outside [a-z0-9._-]"),
        arguments("backslash", "example.org\\x", "outside [a-z0-9._-]"),
        arguments("percent-encoding", "exa%6Dple.org", "percent-encoding"),
        arguments("IPv6 literal", "[::1]", "IP literal"),
        arguments("bare IPv6", "::1", "port"),
        arguments("query", "example.org?a=b", "query"),
        arguments("fragment", "example.org#f", "fragment"),
        arguments("wildcard", "*.example.org", "outside [a-z0-9._-]"),
        arguments("other scheme", "https://example.org", "port"),
        arguments("single slash after scheme", "spiffe:/example.org", "port"),
        // SPIFFE ID strings: the whole ID must be valid
        arguments("scheme only", "spiffe://", "no trust domain"),
        arguments("upper-case scheme only", "SPIFFE://", "no trust domain"),
        arguments("ID without trust domain", "spiffe:///x", "no trust domain"),
        arguments("ID with port", "spiffe://example.org:8080/x", "port"),
        arguments("ID with user info", "spiffe://user@example.org/x", "user info"),
        arguments("ID with IPv6 literal", "spiffe://[::1]/x", "IP literal"),
        arguments("ID with trailing slash", "spiffe://example.org/", "end with '/'"),
        arguments("ID with dot-dot segment", "spiffe://example.org/a/../b", "'.' or '..'"),
        arguments("ID with query", "spiffe://example.org/x?a=b", "query"),
        arguments("ID with fragment", "spiffe://example.org/x#f", "fragment"),
        arguments("ID with non-ASCII path", "spiffe://example.org/caf\u00e9", "U+00E9"),
        arguments("ID longer than 2048", "spiffe://example.org/" + "a".repeat(2048), "longer than 2048"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileNames")
  void ofWhenNameHostileThenRejectedNamingTheRule(String label, String input, String rule) {
    assertThatThrownBy(() -> TrustDomain.of(input))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining(rule)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).matches("[\\x20-\\x7e]+"));
  }

  /**
   * The scheme is recognised with {@link String#regionMatches(boolean, int, String, int, int)}, which folds Unicode
   * case, so non-ASCII look-alikes of {@code spiffe://} are accepted and silently replaced by the real scheme.
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"\u017Fpiffe://example.org", "sp\u0131ffe://example.org/x", "SP\u0130FFE://example.org"})
  void ofWhenSchemeHasNonAsciiLookAlikeThenRejected(String input) {
    assertThatThrownBy(() -> TrustDomain.of(input)).isInstanceOf(InvalidSpiffeIdException.class);
  }

  @Test
  void ofWhenNullThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> TrustDomain.of(null));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // of: valid input
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> validNames() {
    return Stream.of(
        arguments("example.org", "example.org"),
        arguments("EXAMPLE.ORG", "example.org"),
        arguments("Example.Org", "example.org"),
        arguments("TITLE.IO", "title.io"),
        arguments("ISSUER.IO", "issuer.io"),
        arguments("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"),
        arguments("MY_TD-1.EXAMPLE", "my_td-1.example"),
        arguments("0123456789", "0123456789"),
        arguments("a", "a"),
        arguments("example.org.", "example.org."),
        arguments("a".repeat(255), "a".repeat(255)),
        arguments("A".repeat(255), "a".repeat(255)),
        arguments("spiffe://example.org", "example.org"),
        arguments("spiffe://example.org/x", "example.org"),
        arguments("spiffe://example.org/ns/prod/sa/Orders", "example.org"),
        arguments("spiffe://title.io/Issuer/ID", "title.io"),
        arguments("SPIFFE://example.org/x", "example.org"),
        arguments("Spiffe://example.org", "example.org"),
        arguments("spiffe://" + "a".repeat(255), "a".repeat(255)),
        arguments("spiffe://" + "a".repeat(255) + "/x", "a".repeat(255)));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @MethodSource("validNames")
  void ofWhenValidThenNameFoldedToLowerCase(String input, String name) {
    TrustDomain trustDomain = TrustDomain.of(input);

    assertThat(trustDomain.name()).isEqualTo(name);
    assertThat(trustDomain).hasToString(name).isEqualTo(TrustDomain.of(name));
    assertThat(trustDomain.idString()).isEqualTo("spiffe://" + name);
    assertThat(trustDomain.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://" + name));
    assertThat(trustDomain.spiffeId().isTrustDomainId()).isTrue();
    assertThat(trustDomain.spiffeId().trustDomain()).isEqualTo(trustDomain);
  }

  @Test
  void ofWhenExactlyMaxLengthThenAcceptedAndOneMoreRejected() {
    assertThat(TrustDomain.of("a".repeat(TrustDomain.MAX_LENGTH)).name()).hasSize(255);
    assertThatThrownBy(() -> TrustDomain.of("a".repeat(TrustDomain.MAX_LENGTH + 1)))
        .isInstanceOf(InvalidSpiffeIdException.class);
  }

  @Test
  void ofWhenGivenSpiffeIdThenSameAsParsedIdsTrustDomain() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/prod");

    assertThat(TrustDomain.of("spiffe://example.org/ns/prod")).isEqualTo(id.trustDomain());
    assertThat(id.isMemberOf(TrustDomain.of("EXAMPLE.ORG"))).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // equals and hashCode
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void equalsWhenSameNameReachedDifferentWaysThenEqualWithSameHashCode() {
    TrustDomain plain = TrustDomain.of("example.org");

    TrustDomain same = plain;
    // isEqualTo(plain) would pass on identity alone without calling equals: call it.
    assertThat(plain.equals(same)).as("reflexive").isTrue();
    assertThat(plain)
        .isEqualTo(TrustDomain.of("EXAMPLE.ORG"))
        .isEqualTo(TrustDomain.of("spiffe://example.org/x"))
        .isEqualTo(SpiffeId.parse("spiffe://example.org/y").trustDomain())
        .hasSameHashCodeAs(TrustDomain.of("EXAMPLE.ORG"))
        .hasSameHashCodeAs(SpiffeId.parse("spiffe://example.org/y").trustDomain());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"example.com", "sub.example.org", "example.org.", "evilexample.org", "example.org.evil"})
  void equalsWhenDifferentNameThenNotEqual(String other) {
    assertThat(TrustDomain.of("example.org")).isNotEqualTo(TrustDomain.of(other));
  }

  @Test
  void equalsWhenOtherTypeOrNullThenNotEqual() {
    TrustDomain trustDomain = TrustDomain.of("example.org");

    assertThat(trustDomain).isNotEqualTo("example.org");
    assertThat(trustDomain).isNotEqualTo(trustDomain.spiffeId());
    assertThat(trustDomain.equals(null)).isFalse();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // locale independence
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<String> localeSensitiveNames() {
    return Stream.of(
        "TITLE.IO",
        "ISSUER.IO",
        "IIII",
        "title.io",
        "spiffe://title.io/Issuer/ID",
        "SPIFFE://title.io/Issuer/ID",
        "spiffe://TITLE.IO/x",
        "t\u0131tle.io",
        "T\u0130TLE.IO",
        "\u0131\u0130");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("localeSensitiveNames")
  @ResourceLock(value = Resources.LOCALE, mode = ResourceAccessMode.READ_WRITE)
  void ofWhenDefaultLocaleTurkishThenSameOutcomeAsRootLocale(String input) {
    String underRoot = withDefaultLocale(Locale.ROOT, () -> outcome(input));
    String underTurkish = withDefaultLocale(new Locale("tr", "TR"), () -> {
      // the locale really is in effect: a default-locale toLowerCase() would fold I to dotless i
      assertThat("TITLE.IO".toLowerCase()).isEqualTo("t\u0131tle.\u0131o");
      return outcome(input);
    });

    assertThat(underTurkish).isEqualTo(underRoot);
  }

  @Test
  @ResourceLock(value = Resources.LOCALE, mode = ResourceAccessMode.READ_WRITE)
  void ofWhenDefaultLocaleTurkishThenCapitalIFoldsToAsciiI() {
    Locale turkish = new Locale("tr", "TR");

    assertThat(withDefaultLocale(turkish, () -> TrustDomain.of("TITLE.IO").name())).isEqualTo("title.io");
    assertThat(withDefaultLocale(turkish, () -> TrustDomain.of("ISSUER.IO"))).isEqualTo(TrustDomain.of("issuer.io"));
    assertThat(withDefaultLocale(turkish, () -> TrustDomain.of("SPIFFE://title.io/Issuer/ID").name()))
        .isEqualTo("title.io");
    assertThat(withDefaultLocale(turkish, () -> TrustDomain.of("TITLE.IO").idString()))
        .isEqualTo("spiffe://title.io");
  }

  private static String outcome(String input) {
    try {
      TrustDomain trustDomain = TrustDomain.of(input);
      return "ok " + trustDomain.name() + " " + trustDomain.idString() + " " + trustDomain.spiffeId();
    } catch (InvalidSpiffeIdException e) {
      return "rejected " + e.getMessage();
    }
  }
}
