package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathsTest {
  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(strings = {
      // dot segments, raw and encoded in any case, double-encoded, overlong UTF-8
      "/admin/../health", "/admin/./x", "/api/orders/..", "/api/orders/.", "/..", "/.", "/admin/..;/health",
      "/admin/%2e%2e/health", "/admin/%2E%2E/health", "/admin/.%2e/health", "/admin/%2e/health", "/a%2eb",
      "/admin/%252e%252e/health", "/admin/%25%32%65%25%32%65/health", "/admin/%25%32e/health", "/admin/%2525/x",
      "/admin/%c0%ae%c0%ae/health", "/admin/%e0%80%ae/health",
      // encoded slashes and backslashes, raw backslash
      "/admin%2fhealth", "/admin%2F..%2Fhealth", "/admin%5chealth", "/admin%5C..", "/admin%252fhealth",
      "/admin\\..\\health", "/admin%255c",
      // path parameters, raw or encoded
      "/admin;jsessionid=x", "/admin/x;a=b", "/admin%3bx",
      // empty segments
      "//admin", "/admin//x", "//",
      // NUL and control characters, raw or encoded
      "/admin%00", "/admin%00.json", "/admin\u0000", "/admin%0a", "/admin%7f", "/admin\t", "/admin\u007f",
      // bad percent-encoding and bad UTF-8
      "/admin%zz", "/admin%", "/admin%2", "/admin%g0", "/admin%c3", "/admin%c3x", "/admin%80", "/admin%ff",
      "/admin%ed%a0%80", "/admin%f4%90%80%80", "/admin%c3%c3",
      // characters outside RFC 3986 paths, non-ASCII, no leading slash
      "/admin x", "/admin\"", "/admin<", "/admin{", "/admin|", "/admin^", "/admin`", "/admin[", "/admin#x",
      "/admin?x", "/caf\u00e9", "admin", "*", "http://evil/x"})
  void isNormalWhenPathTrickThenFalse(String raw) {
    assertThat(RequestPaths.isNormal(raw)).isFalse();
  }

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(strings = {"", "/", "/health", "/admin/", "/api/orders/42", "/a.b/c..d/...", "/.well-known/x",
      "/hello%20world", "/caf%C3%A9", "/caf%c3%a9", "/%F0%9F%98%80", "/100%25", "/100%25off", "/a-b_c~d!$&'()*+,=:@",
      "/%41"})
  void isNormalWhenCleanPathThenTrue(String raw) {
    assertThat(RequestPaths.isNormal(raw)).isTrue();
  }

  @Test
  void isNormalWhenFromAfterContextPathThenChecksTheRestOnly() {
    assertThat(RequestPaths.isNormal("/ctx/health", 4)).isTrue();
    assertThat(RequestPaths.isNormal("/ctx", 4)).isTrue();
    assertThat(RequestPaths.isNormal("/ctx/../health", 4)).isFalse();
    assertThat(RequestPaths.isNormal("/ctxhealth", 4)).isFalse();
  }

  @ParameterizedTest(name = "{0} -> {1}{2}: {3}")
  @CsvSource(nullValues = "null", value = {
      "/health, /health, null, true",
      "/health, '', /health, true",
      "/a/b, /a, /b, true",
      "/, '', /, true",
      "/hello%20world, /hello world, null, true",
      "/caf%C3%A9, /caf\u00e9, null, true",
      "/%F0%9F%98%80, /\uD83D\uDE00, null, true",
      "/100%25, /100%, null, true",
      // the container decided on something else than the raw path
      "/health, /admin, null, false",
      "/health, /health/, null, false",
      "/health/, /health, null, false",
      "/index, /index.html, null, false",
      "/caf%C3%A9, /caf, null, false",
      "/Health, /health, null, false",
      "'', /, null, false",
  })
  void decodesToWhenComparedWithContainerPathThenOnlyExactDecodingMatches(String raw, String first, String second,
      boolean expected) {
    assertThat(RequestPaths.decodesTo(raw, 0, first, second)).isEqualTo(expected);
  }

  @Test
  void checksWhenCleanPathThenAllocateNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    String raw = "/ctx/api/orders/caf%C3%A9%20au%20lait/items/42";
    String decoded = "/orders/caf\u00e9 au lait/items/42";
    boolean all = true;
    for (int i = 0; i < 20_000; i++) {
      all &= RequestPaths.isNormal(raw, 4) && RequestPaths.decodesTo(raw, 4, "/api", decoded);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      all &= RequestPaths.isNormal(raw, 4) && RequestPaths.decodesTo(raw, 4, "/api", decoded);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(all).isTrue();
    assertThat(allocated).as("bytes allocated by 100,000 checks").isLessThan(4_096);
  }

  @Test
  void decodesToWhenFromAfterContextPathThenComparesTheRest() {
    assertThat(RequestPaths.decodesTo("/ctx/a%20b", 4, "/a b", null)).isTrue();
    assertThat(RequestPaths.decodesTo("/ctx/a%20b", 4, "/ctx/a b", null)).isFalse();
  }
}
