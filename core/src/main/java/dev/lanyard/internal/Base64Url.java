package dev.lanyard.internal;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Strict, canonical base64url (RFC 4648 §5, no padding), as RFC 7515 requires for JWS parts: only
 * {@code [A-Za-z0-9_-]}, no padding, no white space, and the unused low bits of the last character must be zero, so
 * that re-encoding the decoded bytes gives back exactly the same text.
 */
public final class Base64Url {
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final byte[] DECODE = new byte[128];

  static {
    Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      DECODE[ALPHABET[i]] = (byte) i;
    }
  }

  private Base64Url() {}

  /**
   * Decodes {@code s[from, to)}, or returns {@code null} when that text is not canonical base64url.
   */
  public static byte @Nullable [] decode(CharSequence s, int from, int to) {
    int length = to - from;
    int remainder = length & 3;
    if (remainder == 1) {
      return null;
    }
    byte[] out = new byte[(length / 4) * 3 + (remainder == 0 ? 0 : remainder - 1)];
    int o = 0;
    int i = from;
    int fullEnd = to - remainder;
    while (i < fullEnd) {
      int a = value(s.charAt(i));
      int b = value(s.charAt(i + 1));
      int c = value(s.charAt(i + 2));
      int d = value(s.charAt(i + 3));
      if ((a | b | c | d) < 0) {
        return null;
      }
      int bits = (a << 18) | (b << 12) | (c << 6) | d;
      out[o++] = (byte) (bits >> 16);
      out[o++] = (byte) (bits >> 8);
      out[o++] = (byte) bits;
      i += 4;
    }
    if (remainder == 2) {
      int a = value(s.charAt(i));
      int b = value(s.charAt(i + 1));
      if ((a | b) < 0 || (b & 0x0f) != 0) {
        return null;
      }
      out[o] = (byte) ((a << 2) | (b >> 4));
    } else if (remainder == 3) {
      int a = value(s.charAt(i));
      int b = value(s.charAt(i + 1));
      int c = value(s.charAt(i + 2));
      if ((a | b | c) < 0 || (c & 0x03) != 0) {
        return null;
      }
      int bits = (a << 12) | (b << 6) | c;
      out[o++] = (byte) (bits >> 10);
      out[o] = (byte) (bits >> 2);
    }
    return out;
  }

  /** Decodes all of {@code s}, or returns {@code null} when it is not canonical base64url. */
  public static byte @Nullable [] decode(CharSequence s) {
    return decode(s, 0, s.length());
  }

  /** Encodes without padding. */
  public static String encode(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 4 + 2) / 3);
    encodeTo(sb, data);
    return sb.toString();
  }

  /** Appends the unpadded base64url encoding of {@code data} to {@code sb}. */
  public static void encodeTo(StringBuilder sb, byte[] data) {
    int i = 0;
    int full = data.length - data.length % 3;
    while (i < full) {
      int bits = ((data[i] & 0xff) << 16) | ((data[i + 1] & 0xff) << 8) | (data[i + 2] & 0xff);
      sb.append(ALPHABET[bits >>> 18]).append(ALPHABET[(bits >>> 12) & 63])
          .append(ALPHABET[(bits >>> 6) & 63]).append(ALPHABET[bits & 63]);
      i += 3;
    }
    int rest = data.length - full;
    if (rest == 1) {
      int bits = (data[i] & 0xff) << 16;
      sb.append(ALPHABET[bits >>> 18]).append(ALPHABET[(bits >>> 12) & 63]);
    } else if (rest == 2) {
      int bits = ((data[i] & 0xff) << 16) | ((data[i + 1] & 0xff) << 8);
      sb.append(ALPHABET[bits >>> 18]).append(ALPHABET[(bits >>> 12) & 63]).append(ALPHABET[(bits >>> 6) & 63]);
    }
  }

  private static int value(char c) {
    return c < 128 ? DECODE[c] : -1;
  }
}
