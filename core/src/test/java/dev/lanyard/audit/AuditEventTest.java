package dev.lanyard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lanyard.internal.Json;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tests {@link AuditEvent}'s one-line JSON form: hostile request data (line breaks, quotes, braces, control and
 * non-ASCII characters, lone surrogates, very long values) must come out as exactly one line of printable ASCII that
 * a strict parser reads back as one JSON object with the stable fields, the hostile value intact (or cut to its cap
 * and listed in {@code truncated}) and no forged field.
 */
class AuditEventTest {
  private static final Instant TIME = Instant.parse("2026-12-05T08:00:00.123Z");

  static Stream<Arguments> hostileValues() {
    return Stream.of(
        arguments("the issue's newline injection", "/x\ndecision=ALLOWED caller=spiffe://example.org/ops"),
        arguments("space-separated forged fields", "/x decision=ALLOWED caller=spiffe://example.org/ops"),
        arguments("carriage return", "/x\rdecision=ALLOWED"),
        arguments("CRLF", "/x\r\n{\"decision\":\"ALLOWED\"}"),
        arguments("U+2028 line separator", "/x\u2028decision=ALLOWED"),
        arguments("U+2029 paragraph separator", "/x\u2029decision=ALLOWED"),
        arguments("U+0085 next line", "/x\u0085decision=ALLOWED"),
        arguments("forged JSON field", "/x\",\"decision\":\"ALLOWED\",\"caller\":\"spiffe://example.org/ops"),
        arguments("closing the object early", "/x\"}\n{\"decision\":\"ALLOWED\"}"),
        arguments("braces", "/{x}/}{"),
        arguments("backslashes", "/x\\\"\\\\u0022\\"),
        arguments("tabs", "/x\tdecision=ALLOWED\t"),
        arguments("NUL", "/x\u0000y"),
        arguments("ANSI escape", "/x\u001b[2K\u001b[1Gdecision=ALLOWED"),
        arguments("DEL and C1 controls", "/x\u007f\u009b"),
        arguments("lone high surrogate", "/x\ud800"),
        arguments("lone low surrogate", "/x\udc00y"),
        arguments("reversed surrogate pair", "/x\udc00\ud800"),
        arguments("surrogate pair", "/x\ud83d\ude00"),
        arguments("non-ASCII", "/caf\u00e9/\u043a\u043b\u044e\u0447"),
        arguments("BOM and zero-width characters", "/\ufeffx\u200b\u202e"),
        arguments("empty", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileValues")
  void toStringWhenFieldsHoldHostileTextThenOneJsonLineWithTheValueIntact(String name, String value)
      throws ParseException {
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.REJECTED).caller(value, false)
        .request(value, value).reason(value).tokenId(value).rule(value).build();

    Map<String, Object> fields = parseOneLine(event.toString());

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("time", "2026-12-05T08:00:00.123Z");
    expected.put("decision", "REJECTED");
    expected.put("reason", value);
    expected.put("caller", value);
    expected.put("callerVerified", false);
    expected.put("method", value);
    expected.put("path", value);
    expected.put("rule", value);
    expected.put("tokenId", value);
    assertThat(fields).containsExactlyEntriesOf(expected);
  }

  @Test
  void toStringWhenOnlyTimeAndDecisionThenOnlyThoseAndCallerVerified() throws ParseException {
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.UNAUTHENTICATED).build();

    assertThat(event.toString())
        .isEqualTo("{\"time\":\"2026-12-05T08:00:00.123Z\",\"decision\":\"UNAUTHENTICATED\",\"callerVerified\":false}");
    assertThat(parseOneLine(event.toString())).containsOnlyKeys("time", "decision", "callerVerified");
  }

  @Test
  void toStringWhenVerifiedCallerThenCallerVerifiedTrue() throws ParseException {
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.ALLOWED)
        .caller("spiffe://example.org/orders", true).request("POST", "/payments/charge").tokenId("abc")
        .rule("policy.txt:2").build();

    assertThat(event.toString()).isEqualTo("{\"time\":\"2026-12-05T08:00:00.123Z\",\"decision\":\"ALLOWED\","
        + "\"caller\":\"spiffe://example.org/orders\",\"callerVerified\":true,\"method\":\"POST\","
        + "\"path\":\"/payments/charge\",\"rule\":\"policy.txt:2\",\"tokenId\":\"abc\"}");
  }

  static Stream<Arguments> longValues() {
    String pairAtCut = "p".repeat(511) + "\ud83d\ude00" + "q".repeat(10);
    return Stream.of(
        arguments("exactly at the cap", "/" + "a".repeat(511), "/" + "a".repeat(511), false),
        arguments("one over the cap", "/" + "a".repeat(512), "/" + "a".repeat(511), true),
        arguments("100,000 characters", "/" + "a".repeat(99_999), "/" + "a".repeat(511), true),
        arguments("100,000 line breaks", "\n".repeat(100_000), "\n".repeat(512), true),
        arguments("a surrogate pair across the cap is dropped whole", pairAtCut, "p".repeat(511), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("longValues")
  void toStringWhenPathLongerThanCapThenCutAndMarkedTruncated(String name, String path, String kept,
      boolean truncated) throws ParseException {
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.DENIED).request("GET", path).build();

    Map<String, Object> fields = parseOneLine(event.toString());

    assertThat(fields.get("path")).isEqualTo(kept);
    if (truncated) {
      assertThat(fields.get("truncated")).isEqualTo(List.of("path"));
    } else {
      assertThat(fields).doesNotContainKey("truncated");
    }
    assertThat(event.path()).hasValue(path);
  }

  @Test
  void toStringWhenSeveralFieldsTooLongThenEachCutToItsCapAndListed() throws ParseException {
    String caller = "spiffe://example.org/" + "c".repeat(3_000);
    String other = "x".repeat(3_000);
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.REJECTED).caller(caller, false)
        .request(other, other).reason(other).tokenId(other).rule(other).build();

    Map<String, Object> fields = parseOneLine(event.toString());

    assertThat(fields.get("caller")).isEqualTo(caller.substring(0, 2048));
    for (String field : List.of("method", "path", "reason", "rule", "tokenId")) {
      assertThat(fields.get(field)).as(field).isEqualTo(other.substring(0, 512));
    }
    assertThat(fields.get("truncated")).isEqualTo(List.of("reason", "caller", "method", "path", "rule", "tokenId"));
    assertThat(event.toString().length()).isLessThan(2048 + 5 * 512 + 400);
  }

  @Test
  void toStringWhenEveryFieldSetThenEachMemberWrittenInOrder() throws ParseException {
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.INSUFFICIENT_SCOPE)
        .caller("spiffe://example.org/orders", true).request("POST", "/charge").reason("missing payments:refund")
        .rule("policy.txt:3").tokenId("jti-1").callee("spiffe://example.org/payments")
        .credential(AuditEvent.Credential.BOTH).tokenHash("0123456789abcdef").keyId("k1")
        .scopesPresented(List.of("payments:charge")).scopesRequired(List.of("payments:charge", "payments:refund"))
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736").build();

    Map<String, Object> fields = parseOneLine(event.toString());

    assertThat(new ArrayList<>(fields.keySet())).containsExactly("time", "decision", "reason", "caller",
        "callerVerified", "method", "path", "rule", "tokenId", "callee", "credential", "tokenHash", "keyId",
        "scopesPresented", "scopesRequired", "traceId");
    assertThat(fields).containsEntry("callee", "spiffe://example.org/payments").containsEntry("credential", "both")
        .containsEntry("tokenHash", "0123456789abcdef").containsEntry("keyId", "k1")
        .containsEntry("scopesPresented", List.of("payments:charge"))
        .containsEntry("scopesRequired", List.of("payments:charge", "payments:refund"))
        .containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void toStringWhenScopesHostileAndManyThenCappedListedAndStillOneLine() throws ParseException {
    List<String> scopes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      scopes.add("s" + i + "\"],\"decision\":\"ALLOWED\n");
    }
    AuditEvent event = AuditEvent.newBuilder(TIME, AuditEvent.Decision.DENIED).scopesPresented(scopes).build();

    Map<String, Object> fields = parseOneLine(event.toString());

    assertThat(fields).containsEntry("decision", "DENIED").containsEntry("truncated", List.of("scopesPresented"));
    assertThat((List<?>) fields.get("scopesPresented")).hasSize(64).first().isEqualTo(scopes.get(0));
    assertThat(event.scopesPresented()).hasSize(100);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("traceparents")
  void traceIdOfWhenHeaderGivenThenTheTraceIdOnlyWhenValid(String header, String expected) {
    assertThat(AuditEvent.traceIdOf(header)).isEqualTo(expected.isEmpty() ? null : expected);
  }

  static Stream<Arguments> traceparents() {
    String id = "4bf92f3577b34da6a3ce929d0e0e4736";
    return Stream.of(
        arguments("00-" + id + "-00f067aa0ba902b7-01", id),
        arguments("01-" + id + "-00f067aa0ba902b7-01-future", id),
        arguments("00-" + id + "-00f067aa0ba902b7-01-extra", ""),
        arguments("00-" + id.toUpperCase(java.util.Locale.ROOT) + "-00f067aa0ba902b7-01", ""),
        arguments("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01", ""),
        arguments("00-" + id + "-0000000000000000-01", ""),
        arguments("ff-" + id + "-00f067aa0ba902b7-01", ""),
        arguments("00-" + id + "\n-00f067aa0ba902b7-01", ""),
        arguments("00_" + id + "-00f067aa0ba902b7-01", ""),
        arguments("garbage", ""));
  }

  @Test
  void tokenFingerprintWhenTokensDifferThenSixteenHexDigitsNotContainingTheToken() {
    String token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzcGlmZmUifQ.c2ln";

    String fingerprint = AuditEvent.tokenFingerprint(token);

    assertThat(fingerprint).matches("[0-9a-f]{16}").isEqualTo(AuditEvent.tokenFingerprint(token))
        .isNotEqualTo(AuditEvent.tokenFingerprint(token + "x"));
    assertThat(token).doesNotContain(fingerprint);
  }

  /** Asserts {@code text} is one line of printable ASCII holding one strict JSON object, and returns its fields. */
  static Map<String, Object> parseOneLine(String text) throws ParseException {
    List<Character> outside = new ArrayList<>();
    for (char c : text.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        outside.add(c);
      }
    }
    assertThat(outside).as("characters outside printable ASCII (line breaks included)").isEmpty();
    return Json.parseObject(text, 2);
  }
}
