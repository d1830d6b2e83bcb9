package dev.lanyard.internal;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Strict JSON for tokens, bundles and stored state: a small hand-written RFC 8259 reader (no third-party parser,
 * and none of nimbus' shaded Gson) with duplicate-name detection at every level. The nesting depth is first bounded
 * with a cheap scan, so hostile input is refused before any tree is built. Writing escapes strings per RFC 8259.
 *
 * <p>Thread-safe: stateless.
 */
public final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /**
   * Parses a JSON object nested at most {@code maxDepth} levels deep (the object itself is level 1), refusing
   * duplicate member names at every level, trailing text, comments, single quotes, unquoted names, unescaped control
   * characters and non-finite numbers. Integral numbers that fit come back as {@link Long}, others as {@link Double};
   * objects as insertion-ordered maps, arrays as lists, JSON null as null.
   *
   * @throws ParseException when the text is not one strict JSON object within the depth
   */
  public static Map<String, Object> parseObject(String json, int maxDepth) throws ParseException {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > maxDepth) {
          throw new ParseException("JSON nested deeper than " + maxDepth + " levels", i);
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    Reader reader = new Reader(json, maxDepth);
    return reader.document();
  }

  /**
   * A strict RFC 8259 reader over one string: the grammar exactly (no comments, single quotes, unquoted names,
   * trailing commas, upper-case literals or non-JSON numbers), no unescaped control character in a string, duplicate
   * names refused in every object, at most {@code maxDepth} levels. A leading byte order mark is skipped.
   */
  private static final class Reader {
    private final String text;
    private final int maxDepth;
    private int pos;

    Reader(String text, int maxDepth) {
      this.text = text;
      this.maxDepth = maxDepth;
      this.pos = !text.isEmpty() && text.charAt(0) == '\ufeff' ? 1 : 0;
    }

    Map<String, Object> document() throws ParseException {
      skipWhitespace();
      if (pos >= text.length() || text.charAt(pos) != '{') {
        throw new ParseException("not a JSON object", pos);
      }
      Map<String, Object> object = object(1);
      skipWhitespace();
      if (pos != text.length()) {
        throw new ParseException("text after the JSON object", pos);
      }
      return object;
    }

    private Map<String, Object> object(int depth) throws ParseException {
      if (depth > maxDepth) {
        throw new ParseException("JSON nested deeper than " + maxDepth + " levels", pos);
      }
      pos++; // '{'
      Map<String, Object> object = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return object;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw new ParseException("invalid JSON", pos);
        }
        String name = string();
        skipWhitespace();
        expect(':');
        if (object.containsKey(name)) {
          throw new ParseException("duplicate member name", pos);
        }
        object.put(name, value(depth));
        skipWhitespace();
        char c = next();
        if (c == '}') {
          return object;
        }
        if (c != ',') {
          throw new ParseException("invalid JSON", pos - 1);
        }
      }
    }

    private List<Object> array(int depth) throws ParseException {
      if (depth > maxDepth) {
        throw new ParseException("JSON nested deeper than " + maxDepth + " levels", pos);
      }
      pos++; // '['
      List<Object> list = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(value(depth));
        skipWhitespace();
        char c = next();
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          throw new ParseException("invalid JSON", pos - 1);
        }
      }
    }

    /** A value inside a container at {@code depth}. */
    private @Nullable Object value(int depth) throws ParseException {
      skipWhitespace();
      char c = peek();
      switch (c) {
        case '{':
          return object(depth + 1);
        case '[':
          return array(depth + 1);
        case '"':
          return string();
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return null;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number(numberText());
          }
          throw new ParseException("invalid JSON", pos);
      }
    }

    private String string() throws ParseException {
      pos++; // opening quote
      @Nullable StringBuilder sb = null;
      int start = pos;
      while (true) {
        if (pos >= text.length()) {
          throw new ParseException("unterminated string", pos);
        }
        char c = text.charAt(pos);
        if (c == '"') {
          String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
          pos++;
          return s;
        }
        if (c < 0x20) {
          throw new ParseException("unescaped control character in a string", pos);
        }
        if (c != '\\') {
          pos++;
          continue;
        }
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(text, start, pos);
        pos++;
        char e = next();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            sb.append(e);
            break;
          case 'b':
            sb.append('\b');
            break;
          case 'f':
            sb.append('\f');
            break;
          case 'n':
            sb.append('\n');
            break;
          case 'r':
            sb.append('\r');
            break;
          case 't':
            sb.append('\t');
            break;
          case 'u':
            if (pos + 4 > text.length()) {
              throw new ParseException("invalid escape", pos);
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int digit = Character.digit(text.charAt(pos + i), 16);
              if (digit < 0 || text.charAt(pos + i) > 'f') {
                throw new ParseException("invalid escape", pos + i);
              }
              code = code * 16 + digit;
            }
            pos += 4;
            sb.append((char) code);
            break;
          default:
            throw new ParseException("invalid escape", pos - 1);
        }
        start = pos;
      }
    }

    /** The text of a number per RFC 8259: {@code -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?}. */
    private String numberText() throws ParseException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        while (isDigit(peek())) {
          pos++;
        }
      } else {
        throw new ParseException("invalid number", pos);
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw new ParseException("invalid number", pos);
        }
        while (isDigit(peek())) {
          pos++;
        }
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw new ParseException("invalid number", pos);
        }
        while (isDigit(peek())) {
          pos++;
        }
      }
      char after = peek();
      if (after != 0 && after != ',' && after != '}' && after != ']' && !isWhitespace(after)) {
        throw new ParseException("invalid number", pos);
      }
      return text.substring(start, pos);
    }

    private void literal(String word) throws ParseException {
      if (!text.startsWith(word, pos)) {
        throw new ParseException("invalid JSON", pos);
      }
      pos += word.length();
      char after = peek();
      if (after != 0 && after != ',' && after != '}' && after != ']' && !isWhitespace(after)) {
        throw new ParseException("invalid JSON", pos);
      }
    }

    private void expect(char c) throws ParseException {
      if (next() != c) {
        throw new ParseException("invalid JSON", pos - 1);
      }
    }

    /** The next character, consumed; a ParseException at the end of the text. */
    private char next() throws ParseException {
      if (pos >= text.length()) {
        throw new ParseException("unexpected end of JSON", pos);
      }
      return text.charAt(pos++);
    }

    /** The next character without consuming it, or 0 at the end of the text. */
    private char peek() {
      return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void skipWhitespace() {
      while (pos < text.length() && isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private static boolean isWhitespace(char c) {
      return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }

  private static Object number(String text) throws ParseException {
    boolean integral = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.' || c == 'e' || c == 'E') {
        integral = false;
        break;
      }
    }
    if (integral && text.length() <= 19) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        // too large for a long: a double below
      }
    }
    double value = Double.parseDouble(text);
    if (Double.isInfinite(value) || Double.isNaN(value)) {
      throw new ParseException("number out of range", 0);
    }
    return value;
  }

  /** Appends {@code value} as a JSON string literal. */
  public static StringBuilder appendString(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            appendUnicodeEscape(sb, c);
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"');
  }

  /**
   * Appends the first {@code end} characters of {@code value} as a JSON string literal of printable ASCII only: quote
   * and backslash escaped, {@code \n \r \t} as such, and every other character outside {@code 0x20..0x7e} (control
   * characters, DEL, line and paragraph separators, all non-ASCII, lone surrogates) as {@code \}{@code uXXXX}. The
   * literal holds no line break in any encoding, and a strict parser reads back exactly those characters.
   */
  public static StringBuilder appendAsciiString(StringBuilder sb, String value, int end) {
    sb.append('"');
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        sb.append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else {
        appendUnicodeEscape(sb, c);
      }
    }
    return sb.append('"');
  }

  private static void appendUnicodeEscape(StringBuilder sb, char c) {
    sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }

  /** A JSON string literal for {@code value}. */
  public static String quote(String value) {
    return appendString(new StringBuilder(value.length() + 2), value).toString();
  }
}
