package dev.lanyard.internal;

import org.jspecify.annotations.Nullable;

/**
 * The one grammar of a raw (still percent-encoded) URL path in normal form, shared by inbound checks (the servlet
 * filter) and outbound ones (which URLs get a token), so that both sides agree on what a path trick is.
 *
 * <p>A path is in normal form when it is empty or starts with {@code /}, and:
 * <ul>
 *   <li>has no dot segment ({@code .} or {@code ..}) and no empty segment ({@code //}); a trailing {@code /} is
 *       fine;</li>
 *   <li>has only RFC 3986 path characters other than {@code ;} (so no path parameters, backslash, space, control
 *       character or non-ASCII character);</li>
 *   <li>has only well-formed percent-escapes ({@code %} and two hex digits) that decode to valid UTF-8 (no overlong
 *       forms) and never to a dot, slash, backslash, semicolon, control character or NUL, nor to another
 *       percent-escape ({@code %252e}: no double encoding).</li>
 * </ul>
 * Such a path means the same to every decoder and router. The checks allocate nothing.
 */
public final class RequestPaths {
  private RequestPaths() {}

  /** True when all of {@code raw} is a path in normal form (see the class comment). */
  public static boolean isNormal(String raw) {
    return isNormal(raw, 0);
  }

  /** True when {@code raw} from index {@code from} to its end is a path in normal form (see the class comment). */
  public static boolean isNormal(String raw, int from) {
    int n = raw.length();
    if (from == n) {
      return true;
    }
    if (from > n || raw.charAt(from) != '/') {
      return false;
    }
    int segmentStart = from + 1;
    int continuation = 0;
    int secondMin = 0x80;
    int secondMax = 0xbf;
    boolean second = false;
    for (int i = from + 1; i < n; i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        if (continuation > 0) {
          return false;
        }
        if (c == '/') {
          if (i == segmentStart || isDotSegment(raw, segmentStart, i)) {
            return false;
          }
          segmentStart = i + 1;
        } else if (!isPathChar(c)) {
          return false;
        }
        continue;
      }
      if (i + 2 >= n) {
        return false;
      }
      int hi = hex(raw.charAt(i + 1));
      int lo = hex(raw.charAt(i + 2));
      if (hi < 0 || lo < 0) {
        return false;
      }
      int b = hi << 4 | lo;
      i += 2;
      if (continuation > 0) {
        int min = second ? secondMin : 0x80;
        int max = second ? secondMax : 0xbf;
        if (b < min || b > max) {
          return false;
        }
        continuation--;
        second = false;
        continue;
      }
      if (b >= 0x80) {
        if (b >= 0xc2 && b <= 0xdf) {
          continuation = 1;
          secondMin = 0x80;
          secondMax = 0xbf;
        } else if (b >= 0xe0 && b <= 0xef) {
          continuation = 2;
          secondMin = b == 0xe0 ? 0xa0 : 0x80;
          secondMax = b == 0xed ? 0x9f : 0xbf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          continuation = 3;
          secondMin = b == 0xf0 ? 0x90 : 0x80;
          secondMax = b == 0xf4 ? 0x8f : 0xbf;
        } else {
          return false;
        }
        second = true;
        continue;
      }
      if (b < 0x20 || b == 0x7f || b == '.' || b == '/' || b == '\\' || b == ';') {
        return false;
      }
      if (b == '%') {
        int next = afterDecodedHexDigit(raw, i + 1);
        if (next > 0 && afterDecodedHexDigit(raw, next) > 0) {
          return false;
        }
      }
    }
    return continuation == 0 && !isDotSegment(raw, segmentStart, n);
  }

  /**
   * True when percent-decoding (UTF-8) {@code raw} from index {@code from} gives exactly {@code first} followed by
   * {@code second} (either may be null, meaning empty): the decoded path a container reports is the raw one, decoded
   * and nothing else. Call only on a path that {@link #isNormal(String, int)} accepted.
   */
  public static boolean decodesTo(String raw, int from, @Nullable String first, @Nullable String second) {
    String a = first == null ? "" : first;
    String b = second == null ? "" : second;
    int total = a.length() + b.length();
    int at = 0;
    int n = raw.length();
    for (int i = from; i < n; i++) {
      char c = raw.charAt(i);
      int codePoint;
      if (c != '%') {
        codePoint = c;
      } else {
        int lead = byteAt(raw, i);
        if (lead < 0) {
          return false;
        }
        i += 2;
        int more;
        if (lead < 0x80) {
          codePoint = lead;
          more = 0;
        } else if (lead >= 0xf0) {
          codePoint = lead & 0x07;
          more = 3;
        } else if (lead >= 0xe0) {
          codePoint = lead & 0x0f;
          more = 2;
        } else {
          codePoint = lead & 0x1f;
          more = 1;
        }
        for (; more > 0; more--) {
          int next = i + 1 < n && raw.charAt(i + 1) == '%' ? byteAt(raw, i + 1) : -1;
          if (next < 0) {
            return false;
          }
          codePoint = codePoint << 6 | (next & 0x3f);
          i += 3;
        }
      }
      if (Character.isBmpCodePoint(codePoint)) {
        if (at >= total || charAt(a, b, at) != codePoint) {
          return false;
        }
        at++;
      } else {
        if (at + 1 >= total || charAt(a, b, at) != Character.highSurrogate(codePoint)
            || charAt(a, b, at + 1) != Character.lowSurrogate(codePoint)) {
          return false;
        }
        at += 2;
      }
    }
    return at == total;
  }

  private static char charAt(String a, String b, int index) {
    return index < a.length() ? a.charAt(index) : b.charAt(index - a.length());
  }

  /** The byte of the percent-escape at {@code i} (which must be {@code %} and two hex digits), or -1. */
  private static int byteAt(String raw, int i) {
    if (i + 2 >= raw.length()) {
      return -1;
    }
    int hi = hex(raw.charAt(i + 1));
    int lo = hex(raw.charAt(i + 2));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  /** The index after the hex digit that {@code raw} at {@code i} decodes to (as is or percent-encoded), or -1. */
  private static int afterDecodedHexDigit(String raw, int i) {
    if (i >= raw.length()) {
      return -1;
    }
    char c = raw.charAt(i);
    if (c != '%') {
      return hex(c) >= 0 ? i + 1 : -1;
    }
    int b = byteAt(raw, i);
    return b >= 0 && b < 0x80 && hex((char) b) >= 0 ? i + 3 : -1;
  }

  private static boolean isDotSegment(String raw, int start, int end) {
    int length = end - start;
    return (length == 1 && raw.charAt(start) == '.')
        || (length == 2 && raw.charAt(start) == '.' && raw.charAt(start + 1) == '.');
  }

  /** RFC 3986 {@code pchar} less {@code %} (handled apart) and {@code ;} (path parameters). */
  private static boolean isPathChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    switch (c) {
      case '-': case '.': case '_': case '~':
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case '=':
      case ':': case '@':
        return true;
      default:
        return false;
    }
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
