package dev.lanyard.internal;

import com.nimbusds.jose.shaded.gson.Strictness;
import com.nimbusds.jose.shaded.gson.stream.JsonReader;
import com.nimbusds.jose.shaded.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Strict JSON for tokens, bundles and stored state, read with nimbus' embedded Gson stream reader in strict mode
 * plus duplicate-name detection at every level (Gson's own tree parsing only refuses top-level duplicates). The
 * nesting depth is first bounded with a cheap scan, so hostile input is refused before any tree is built. Writing
 * escapes strings per RFC 8259.
 *
 * <p>Thread-safe: static functions without shared state.
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
    try (JsonReader reader = new JsonReader(new StringReader(json))) {
      reader.setStrictness(Strictness.STRICT);
      reader.setNestingLimit(maxDepth);
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw new ParseException("not a JSON object", 0);
      }
      Map<String, Object> object = readObject(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new ParseException("text after the JSON object", 0);
      }
      return object;
    } catch (ParseException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Gson reports malformed input as IOExceptions or runtime exceptions; never let them escape as such.
      throw new ParseException("invalid JSON", 0);
    }
  }

  private static Map<String, Object> readObject(JsonReader reader) throws IOException, ParseException {
    Map<String, Object> object = new LinkedHashMap<>();
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      if (object.containsKey(name)) {
        throw new ParseException("duplicate member name", 0);
      }
      object.put(name, readValue(reader));
    }
    reader.endObject();
    return object;
  }

  private static @Nullable Object readValue(JsonReader reader) throws IOException, ParseException {
    switch (reader.peek()) {
      case BEGIN_OBJECT:
        return readObject(reader);
      case BEGIN_ARRAY:
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(readValue(reader));
        }
        reader.endArray();
        return list;
      case STRING:
        return reader.nextString();
      case NUMBER:
        return number(reader.nextString());
      case BOOLEAN:
        return reader.nextBoolean();
      case NULL:
        reader.nextNull();
        return null;
      default:
        throw new ParseException("unexpected JSON token", 0);
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
