package dev.lanyard.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpiffeIdTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");

  /** {@code spiffe://example.org/aaa...} of exactly {@code length} characters. */
  private static String idOfLength(int length) {
    String prefix = "spiffe://example.org/";
    return prefix + "a".repeat(length - prefix.length());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // parse: hostile and invalid input
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> hostileIds() {
    return Stream.of(
        // length first: the cheap checks must hold for enormous input
        arguments("1 MiB of input", "spiffe://example.org/" + "a".repeat(1 << 20), "longer than 2048"),
        arguments("2049 characters", idOfLength(2049), "longer than 2048"),
        arguments("trust domain of 256 characters", "spiffe://" + "a".repeat(256), "longer than 255"),
        arguments("trust domain of 256 characters and a path", "spiffe://" + "a".repeat(256) + "/x",
            "longer than 255"),
        // control characters, whitespace and header injection
        arguments("NUL in path", "spiffe://example.org/x\u0000", "U+0000"),
        arguments("NUL in trust domain", "spiffe://example.org\u0000.evil.com/x", "U+0000"),
        arguments("CRLF header injection", "spiffe://example.org/x\r\nX-Injected: 1", "U+000D"),
        arguments("newline in path", "spiffe://example.org/a\nb", "U+000A"),
        arguments("newline at end", "spiffe://example.org/x\n", "U+000A"),
        arguments("tab in path", "spiffe://example.org/a\tb", "U+0009"),
        arguments("DEL in path", "spiffe://example.org/a\u007fb", "U+007F"),
        arguments("space in trust domain", "spiffe://exa mple.org/x", "outside [a-z0-9._-]"),
        arguments("space in path", "spiffe://example.org/a b", "outside [a-zA-Z0-9._-]"),
        arguments("leading space", " spiffe://example.org/x", "spiffe://"),
        arguments("trailing space", "spiffe://example.org/x ", "outside [a-zA-Z0-9._-]"),
        arguments("zero-width space in path", "spiffe://example.org/\u200Bx", "U+200B"),
        // non-ASCII and homographs
        arguments("a umlaut in trust domain", "spiffe://ex\u00e4mple.org/x", "U+00E4"),
        arguments("e acute in path", "spiffe://example.org/caf\u00e9", "U+00E9"),
        arguments("Turkish dotless i in trust domain", "spiffe://t\u0131tle.io/x", "U+0131"),
        arguments("Turkish dotless i in path", "spiffe://example.org/\u0131d", "U+0131"),
        arguments("Turkish capital dotted I in trust domain", "spiffe://\u0130ssuer.io/x", "U+0130"),
        arguments("Kelvin sign in path", "spiffe://example.org/\u212Aey", "U+212A"),
        arguments("Cyrillic e homograph in trust domain", "spiffe://\u0435xample.org/x", "U+0435"),
        arguments("fullwidth letter in trust domain", "spiffe://\uFF45xample.org/x", "U+FF45"),
        arguments("fullwidth solidus as separator", "spiffe://example.org\uFF0Fx", "U+FF0F"),
        arguments("emoji in path", "spiffe://example.org/\uD83D\uDE00", "U+D83D"),
        arguments("long s in scheme", "\u017Fpiffe://example.org/x", "spiffe://"),
        arguments("dotless i in scheme", "sp\u0131ffe://example.org/x", "spiffe://"),
        // scheme
        arguments("empty", "", "empty"),
        arguments("scheme only", "spiffe://", "no trust domain"),
        arguments("no trust domain", "spiffe:///path", "no trust domain"),
        arguments("http scheme", "http://example.org/x", "spiffe://"),
        arguments("https scheme", "https://example.org/x", "spiffe://"),
        arguments("upper-case scheme", "SPIFFE://example.org/x", "spiffe://"),
        arguments("mixed-case scheme", "Spiffe://example.org/x", "spiffe://"),
        arguments("single slash after scheme", "spiffe:/example.org", "spiffe://"),
        arguments("no slash after scheme", "spiffe:example.org/x", "spiffe://"),
        arguments("three slashes after scheme", "spiffe:///example.org/x", "no trust domain"),
        arguments("scheme-relative", "//example.org/x", "spiffe://"),
        arguments("no scheme", "example.org/x", "spiffe://"),
        arguments("scheme with whitespace", "spiffe :// example.org/x", "spiffe://"),
        // trust domain
        arguments("upper case in trust domain", "spiffe://Example.org/x", "upper case"),
        arguments("all upper-case trust domain", "spiffe://EXAMPLE.ORG", "upper case"),
        arguments("port", "spiffe://example.org:8080/x", "port"),
        arguments("port without path", "spiffe://example.org:8080", "port"),
        arguments("empty port", "spiffe://example.org:/x", "port"),
        arguments("user info", "spiffe://user@example.org/x", "user info"),
        arguments("user info with password", "spiffe://user:pw@example.org/x", "not allowed"),
        arguments("at sign host confusion", "spiffe://example.org@evil.com/x", "user info"),
        arguments("percent-encoding in trust domain", "spiffe://exa%6Dple.org/x", "percent-encoding"),
        arguments("IPv6 literal", "spiffe://[::1]/x", "IP literal"),
        arguments("IPv6 literal without path", "spiffe://[2001:db8::1]", "IP literal"),
        arguments("wildcard trust domain", "spiffe://*.example.org/x", "outside [a-z0-9._-]"),
        arguments("backslash in trust domain", "spiffe://example.org\\x", "outside [a-z0-9._-]"),
        arguments("query on trust domain", "spiffe://example.org?a=b", "query"),
        arguments("fragment on trust domain", "spiffe://example.org#f", "fragment"),
        // path
        arguments("query", "spiffe://example.org/x?a=b", "query"),
        arguments("empty query", "spiffe://example.org/x?", "query"),
        arguments("fragment", "spiffe://example.org/x#f", "fragment"),
        arguments("empty fragment", "spiffe://example.org/x#", "fragment"),
        arguments("percent-encoding in path", "spiffe://example.org/a%2Fb", "percent-encoding"),
        arguments("percent-encoded dot segment", "spiffe://example.org/%2e%2e/x", "percent-encoding"),
        arguments("trailing slash on trust domain", "spiffe://example.org/", "end with '/'"),
        arguments("trailing slash on path", "spiffe://example.org/x/", "end with '/'"),
        arguments("double trailing slash", "spiffe://example.org/x//", "empty segment"),
        arguments("empty first segment", "spiffe://example.org//x", "empty segment"),
        arguments("empty middle segment", "spiffe://example.org/a//b", "empty segment"),
        arguments("dot segment", "spiffe://example.org/a/./b", "'.' or '..'"),
        arguments("dot-dot segment", "spiffe://example.org/a/../b", "'.' or '..'"),
        arguments("leading dot segment", "spiffe://example.org/./x", "'.' or '..'"),
        arguments("leading dot-dot segment", "spiffe://example.org/../x", "'.' or '..'"),
        arguments("dot segment at end", "spiffe://example.org/a/.", "'.' or '..'"),
        arguments("dot-dot segment at end", "spiffe://example.org/a/..", "'.' or '..'"),
        arguments("path of only a dot", "spiffe://example.org/.", "'.' or '..'"),
        arguments("path of only dot-dot", "spiffe://example.org/..", "'.' or '..'"),
        arguments("backslash in path", "spiffe://example.org/a\\b", "outside [a-zA-Z0-9._-]"),
        arguments("backslash dot-dot traversal", "spiffe://example.org/a\\..\\b", "outside [a-zA-Z0-9._-]"),
        arguments("semicolon parameter", "spiffe://example.org/x;a=b", "outside [a-zA-Z0-9._-]"),
        arguments("tilde", "spiffe://example.org/~user", "outside [a-zA-Z0-9._-]"),
        arguments("plus", "spiffe://example.org/a+b", "outside [a-zA-Z0-9._-]"),
        arguments("colon in path", "spiffe://example.org/a:b", "port"),
        arguments("at sign in path", "spiffe://example.org/a@b", "user info"),
        arguments("asterisk in path", "spiffe://example.org/*", "outside [a-zA-Z0-9._-]"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileIds")
  void parseWhenInputHostileThenRejectedNamingTheRule(String label, String input, String rule) {
    assertThatThrownBy(() -> SpiffeId.parse(input))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining(rule);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileIds")
  void parseWhenInputHostileThenMessageIsShortPrintableAscii(String label, String input, String rule) {
    assertThatThrownBy(() -> SpiffeId.parse(input))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).matches("[\\x20-\\x7e]+"));
  }

  @Test
  void parseWhenNullThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> SpiffeId.parse(null));
  }

  @Test
  void invalidSpiffeIdExceptionIsAnIllegalArgumentException() {
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org:8080"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // parse: valid input
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> validIds() {
    String td255 = "a".repeat(255);
    String id2048 = idOfLength(2048);
    String id2048WithTd255 = "spiffe://" + td255 + "/" + "b".repeat(2048 - 9 - 255 - 1);
    return Stream.of(
        arguments("spiffe://example.org", "example.org", "", List.of()),
        arguments("spiffe://example.org/x", "example.org", "/x", List.of("x")),
        arguments("spiffe://example.org/ns/prod/sa/orders", "example.org", "/ns/prod/sa/orders",
            List.of("ns", "prod", "sa", "orders")),
        arguments("spiffe://example.org/a.b/..c/...", "example.org", "/a.b/..c/...", List.of("a.b", "..c", "...")),
        arguments("spiffe://example.org/.a/a./a..b/c..", "example.org", "/.a/a./a..b/c..",
            List.of(".a", "a.", "a..b", "c..")),
        arguments("spiffe://example.org/_/-/_-_/a-b_c", "example.org", "/_/-/_-_/a-b_c",
            List.of("_", "-", "_-_", "a-b_c")),
        arguments("spiffe://example.org/Issuer/ID", "example.org", "/Issuer/ID", List.of("Issuer", "ID")),
        arguments("spiffe://example.org/ABCXYZ/abcxyz/0189", "example.org", "/ABCXYZ/abcxyz/0189",
            List.of("ABCXYZ", "abcxyz", "0189")),
        arguments("spiffe://my_trust-domain.example-1.org/x", "my_trust-domain.example-1.org", "/x", List.of("x")),
        arguments("spiffe://0123456789/x", "0123456789", "/x", List.of("x")),
        arguments("spiffe://a", "a", "", List.of()),
        arguments("spiffe://example.org./x", "example.org.", "/x", List.of("x")),
        arguments("spiffe://" + td255, td255, "", List.of()),
        arguments("spiffe://" + td255 + "/x", td255, "/x", List.of("x")),
        arguments(id2048, "example.org", id2048.substring(20), List.of("a".repeat(2027))),
        arguments(id2048WithTd255, td255, id2048WithTd255.substring(9 + 255),
            List.of("b".repeat(2048 - 9 - 255 - 1))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validIds")
  void parseWhenValidThenPartsExposed(String input, String trustDomain, String path, List<String> segments) {
    SpiffeId id = SpiffeId.parse(input);

    assertThat(id.trustDomain().name()).isEqualTo(trustDomain);
    assertThat(id.path()).isEqualTo(path);
    assertThat(id.segments()).containsExactlyElementsOf(segments);
    assertThat(id.toString()).isEqualTo(input);
    assertThat(id.isTrustDomainId()).isEqualTo(path.isEmpty());
    assertThat(id.isMemberOf(TrustDomain.of(trustDomain))).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validIds")
  void parseWhenValidThenRebuildingFromPartsGivesEqualId(String input, String trustDomain, String path,
      List<String> segments) {
    SpiffeId id = SpiffeId.parse(input);

    assertThat(SpiffeId.parse(id.toString())).isEqualTo(id);
    assertThat(SpiffeId.of(id.trustDomain(), id.path())).isEqualTo(id).hasToString(input);
    assertThat(SpiffeId.fromSegments(TrustDomain.of(trustDomain), segments.toArray(String[]::new)))
        .isEqualTo(id)
        .hasToString(input);
  }

  @Test
  void parseWhenExactlyMaxLengthThenAcceptedAndOneMoreRejected() {
    assertThat(SpiffeId.parse(idOfLength(SpiffeId.MAX_LENGTH)).toString()).hasSize(2048);
    assertThatThrownBy(() -> SpiffeId.parse(idOfLength(SpiffeId.MAX_LENGTH + 1)))
        .isInstanceOf(InvalidSpiffeIdException.class);
  }

  @Test
  void segmentsWhenModifiedThenUnsupported() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/a/b");

    assertThatThrownBy(() -> id.segments().add("c")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(id.segments()).containsExactly("a", "b");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // equals, hashCode, membership
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void equalsWhenSameValueBuiltDifferentWaysThenEqualWithSameHashCode() {
    SpiffeId parsed = SpiffeId.parse("spiffe://example.org/ns/prod");
    SpiffeId parsedAgain = SpiffeId.parse(new String("spiffe://example.org/ns/prod"));
    SpiffeId built = SpiffeId.of(TrustDomain.of("EXAMPLE.ORG"), "/ns/prod");
    SpiffeId fromSegments = SpiffeId.fromSegments(EXAMPLE, "ns", "prod");

    SpiffeId same = parsed;
    // isEqualTo(parsed) would pass on identity alone without calling equals: call it.
    assertThat(parsed.equals(same)).as("reflexive").isTrue();
    assertThat(parsed)
        .isEqualTo(parsedAgain)
        .isEqualTo(built)
        .isEqualTo(fromSegments)
        .hasSameHashCodeAs(parsedAgain)
        .hasSameHashCodeAs(built)
        .hasSameHashCodeAs(fromSegments);
    assertThat(built).isEqualTo(parsed);
  }

  static Stream<Arguments> differentIds() {
    return Stream.of(
        arguments("spiffe://example.org/x", "spiffe://example.org/X"),
        arguments("spiffe://example.org/x", "spiffe://example.org/x/y"),
        arguments("spiffe://example.org/x", "spiffe://example.org"),
        arguments("spiffe://example.org/x", "spiffe://example.com/x"),
        arguments("spiffe://example.org/x", "spiffe://sub.example.org/x"),
        arguments("spiffe://example.org/ab", "spiffe://example.org/a/b"));
  }

  @ParameterizedTest(name = "[{index}] {0} vs {1}")
  @MethodSource("differentIds")
  void equalsWhenDifferentValueThenNotEqual(String a, String b) {
    assertThat(SpiffeId.parse(a)).isNotEqualTo(SpiffeId.parse(b));
    assertThat(SpiffeId.parse(b)).isNotEqualTo(SpiffeId.parse(a));
  }

  @Test
  void equalsWhenOtherTypeOrNullThenNotEqual() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/x");

    assertThat(id).isNotEqualTo("spiffe://example.org/x");
    assertThat(id).isNotEqualTo(id.trustDomain());
    assertThat(id.equals(null)).isFalse();
  }

  static Stream<Arguments> memberships() {
    return Stream.of(
        arguments("spiffe://example.org/x", "example.org", true),
        arguments("spiffe://example.org", "example.org", true),
        arguments("spiffe://example.org/x", "EXAMPLE.ORG", true),
        arguments("spiffe://example.org/x", "spiffe://example.org/other", true),
        arguments("spiffe://sub.example.org/x", "example.org", false),
        arguments("spiffe://example.org/x", "sub.example.org", false),
        arguments("spiffe://evilexample.org/x", "example.org", false),
        arguments("spiffe://example.org.evil.com/x", "example.org", false),
        arguments("spiffe://example.org/x", "example.org.", false),
        arguments("spiffe://example.com/x", "example.org", false));
  }

  @ParameterizedTest(name = "[{index}] {0} in {1} is {2}")
  @MethodSource("memberships")
  void isMemberOfWhenTrustDomainGivenThenExactMatchOnly(String id, String trustDomain, boolean member) {
    assertThat(SpiffeId.parse(id).isMemberOf(TrustDomain.of(trustDomain))).isEqualTo(member);
  }

  @Test
  void isTrustDomainIdWhenNoPathThenTrueOtherwiseFalse() {
    assertThat(SpiffeId.parse("spiffe://example.org").isTrustDomainId()).isTrue();
    assertThat(SpiffeId.parse("spiffe://example.org/x").isTrustDomainId()).isFalse();
    assertThat(SpiffeId.of(EXAMPLE, "").isTrustDomainId()).isTrue();
    assertThat(SpiffeId.fromSegments(EXAMPLE).isTrustDomainId()).isTrue();
    assertThat(EXAMPLE.spiffeId().isTrustDomainId()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // of and fromSegments
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidPaths() {
    return Stream.of(
        arguments("no leading slash", "x", "start with '/'"),
        arguments("relative path", "ns/prod", "start with '/'"),
        arguments("dot without slash", ".", "start with '/'"),
        arguments("leading space", " /x", "start with '/'"),
        arguments("trust domain smuggled in path", "example.com/x", "start with '/'"),
        arguments("only a slash", "/", "end with '/'"),
        arguments("trailing slash", "/x/", "end with '/'"),
        arguments("empty segment", "//x", "empty segment"),
        arguments("dot segment", "/a/./b", "'.' or '..'"),
        arguments("dot-dot segment", "/a/../b", "'.' or '..'"),
        arguments("dot at end", "/a/.", "'.' or '..'"),
        arguments("dot-dot at end", "/a/..", "'.' or '..'"),
        arguments("query", "/x?a=b", "query"),
        arguments("fragment", "/x#f", "fragment"),
        arguments("percent-encoding", "/a%2Fb", "percent-encoding"),
        arguments("non-ASCII", "/caf\u00e9", "U+00E9"),
        arguments("dotless i", "/\u0131d", "U+0131"),
        arguments("NUL", "/x\u0000", "U+0000"),
        arguments("newline", "/x\n", "U+000A"),
        arguments("space", "/a b", "outside [a-zA-Z0-9._-]"),
        arguments("ID of 2049 characters", "/" + "a".repeat(2048 - "spiffe://example.org/".length() + 1),
            "longer than 2048"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidPaths")
  void ofWhenPathInvalidThenRejected(String label, String path, String rule) {
    assertThatThrownBy(() -> SpiffeId.of(EXAMPLE, path))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining(rule);
  }

  @Test
  void ofWhenPathValidThenBuilt() {
    SpiffeId id = SpiffeId.of(EXAMPLE, "/ns/prod/sa/orders");

    assertThat(id).hasToString("spiffe://example.org/ns/prod/sa/orders");
    assertThat(id.trustDomain()).isEqualTo(EXAMPLE);
    assertThat(id.path()).isEqualTo("/ns/prod/sa/orders");
    assertThat(id.segments()).containsExactly("ns", "prod", "sa", "orders");
  }

  @Test
  void ofWhenPathEmptyThenTrustDomainId() {
    SpiffeId id = SpiffeId.of(EXAMPLE, "");

    assertThat(id).hasToString("spiffe://example.org").isEqualTo(EXAMPLE.spiffeId());
    assertThat(id.segments()).isEmpty();
  }

  @Test
  void ofWhenIdExactlyMaxLengthThenAccepted() {
    String path = "/" + "a".repeat(2048 - "spiffe://example.org/".length());

    assertThat(SpiffeId.of(EXAMPLE, path).toString()).hasSize(SpiffeId.MAX_LENGTH);
  }

  @Test
  void ofWhenNullArgumentThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> SpiffeId.of(null, "/x"));
    assertThatNullPointerException().isThrownBy(() -> SpiffeId.of(EXAMPLE, null));
  }

  static Stream<Arguments> invalidSegments() {
    return Stream.of(
        arguments("empty segment", new String[] {""}),
        arguments("empty segment after a valid one", new String[] {"a", ""}),
        arguments("dot segment", new String[] {"a", "."}),
        arguments("dot-dot segment", new String[] {"..", "a"}),
        arguments("leading slash in segment", new String[] {"/a"}),
        arguments("trailing slash in segment", new String[] {"a/"}),
        arguments("dot-dot smuggled in segment", new String[] {"a/../b"}),
        arguments("query in segment", new String[] {"a?b=c"}),
        arguments("fragment in segment", new String[] {"a#b"}),
        arguments("percent-encoding in segment", new String[] {"a%2Fb"}),
        arguments("space in segment", new String[] {"a b"}),
        arguments("non-ASCII segment", new String[] {"caf\u00e9"}),
        arguments("NUL in segment", new String[] {"a\u0000"}),
        arguments("ID of 2049 characters", new String[] {"a".repeat(2048 - "spiffe://example.org/".length() + 1)}));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidSegments")
  void fromSegmentsWhenSegmentInvalidThenRejected(String label, String[] segments) {
    assertThatThrownBy(() -> SpiffeId.fromSegments(EXAMPLE, segments)).isInstanceOf(InvalidSpiffeIdException.class);
  }

  /**
   * A segment holding a slash is not one segment: {@code /} is outside {@code [a-zA-Z0-9._-]}. Accepting it lets a
   * caller that builds {@code fromSegments(td, "ns", tenant)} from untrusted input be given extra segments.
   */
  @Test
  void fromSegmentsWhenSegmentContainsSlashThenRejected() {
    assertThatThrownBy(() -> SpiffeId.fromSegments(EXAMPLE, "ns", "prod/sa/admin"))
        .isInstanceOf(InvalidSpiffeIdException.class);
  }

  @Test
  void fromSegmentsWhenValidThenJoinedWithSlashes() {
    SpiffeId id = SpiffeId.fromSegments(EXAMPLE, "ns", "prod", "sa", "orders");

    assertThat(id).hasToString("spiffe://example.org/ns/prod/sa/orders");
    assertThat(id.path()).isEqualTo("/ns/prod/sa/orders");
    assertThat(id.segments()).containsExactly("ns", "prod", "sa", "orders");
    assertThat(id.isMemberOf(EXAMPLE)).isTrue();
  }

  @Test
  void fromSegmentsWhenDotContainingSegmentsThenAccepted() {
    SpiffeId id = SpiffeId.fromSegments(EXAMPLE, "...", ".a", "a.", "..b");

    assertThat(id).hasToString("spiffe://example.org/.../.a/a./..b");
    assertThat(id.segments()).containsExactly("...", ".a", "a.", "..b");
  }

  @Test
  void fromSegmentsWhenNoSegmentsThenTrustDomainId() {
    SpiffeId id = SpiffeId.fromSegments(EXAMPLE);

    assertThat(id).hasToString("spiffe://example.org").isEqualTo(EXAMPLE.spiffeId());
    assertThat(id.isTrustDomainId()).isTrue();
  }

  @Test
  void fromSegmentsWhenNullArgumentThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> SpiffeId.fromSegments(null, "x"));
    assertThatNullPointerException().isThrownBy(() -> SpiffeId.fromSegments(EXAMPLE, "x", null));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // locale independence
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<String> localeSensitiveIds() {
    return Stream.of(
        "spiffe://title.io/Issuer/ID",
        "spiffe://title.io/ISSUER/iIıİ",
        "spiffe://TITLE.IO/x",
        "spiffe://t\u0131tle.io/x",
        "spiffe://\u0130ssuer.io/x",
        "spiffe://title.io/\u0131d",
        "spiffe://title.io/I/../x",
        "SPIFFE://title.io/x",
        "spiffe://title.io");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("localeSensitiveIds")
  @ResourceLock(value = Resources.LOCALE, mode = ResourceAccessMode.READ_WRITE)
  void parseWhenDefaultLocaleTurkishThenSameOutcomeAsRootLocale(String input) {
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
  void parseWhenDefaultLocaleTurkishThenUpperCasePathKeptAndTrustDomainAscii() {
    SpiffeId id = withDefaultLocale(new Locale("tr", "TR"), () -> SpiffeId.parse("spiffe://title.io/Issuer/ID"));

    assertThat(id.trustDomain().name()).isEqualTo("title.io");
    assertThat(id.path()).isEqualTo("/Issuer/ID");
    assertThat(id.segments()).containsExactly("Issuer", "ID");
    assertThat(id).hasToString("spiffe://title.io/Issuer/ID")
        .isEqualTo(SpiffeId.parse("spiffe://title.io/Issuer/ID"));
    assertThat(id.isMemberOf(withDefaultLocale(new Locale("tr", "TR"), () -> TrustDomain.of("TITLE.IO")))).isTrue();
  }

  /** Everything observable about parsing {@code input}: the parts of the ID, or the exception and its message. */
  private static String outcome(String input) {
    try {
      SpiffeId id = SpiffeId.parse(input);
      return "ok " + id.trustDomain().name() + " " + id.path() + " " + id.segments() + " " + id;
    } catch (InvalidSpiffeIdException e) {
      return "rejected " + e.getMessage();
    }
  }

  static <T> T withDefaultLocale(Locale locale, Supplier<T> action) {
    Locale original = Locale.getDefault();
    Locale originalFormat = Locale.getDefault(Locale.Category.FORMAT);
    Locale originalDisplay = Locale.getDefault(Locale.Category.DISPLAY);
    Locale.setDefault(locale);
    try {
      return action.get();
    } finally {
      Locale.setDefault(original);
      Locale.setDefault(Locale.Category.FORMAT, originalFormat);
      Locale.setDefault(Locale.Category.DISPLAY, originalDisplay);
    }
  }
}
