package dev.lanyard.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.Map;

/**
 * Strict JSON for tokens and bundles. Parsing refuses duplicate member names, trailing text, single quotes, unquoted
 * names and non-finite numbers (nimbus' embedded Gson does), and first bounds the nesting depth with a cheap scan, so
 * hostile input is refused before any tree is built. Writing escapes strings per RFC 8259.
 */
public final class Json {
  private Json() {}

  /**
   * Parses a JSON object nested at most {@code maxDepth} levels deep (the object itself is level 1).
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
    try {
      Map<String, Object> object = JSONObjectUtils.parse(json);
      if (object == null) {
        throw new ParseException("not a JSON object", 0);
      }
      return object;
    } catch (RuntimeException e) {
      // Gson reports some malformed input as runtime exceptions; never let them escape as such.
      throw new ParseException("invalid JSON", 0);
    }
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
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"');
  }

  /** A JSON string literal for {@code value}. */
  public static String quote(String value) {
    return appendString(new StringBuilder(value.length() + 2), value).toString();
  }
}
