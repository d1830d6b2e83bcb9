package dev.lanyard.internal;

import org.jspecify.annotations.Nullable;

/** RFC 6749 §3.3 scope tokens: {@code 1*( %x21 / %x23-5B / %x5D-7E )}. */
public final class ScopeTokens {
  private ScopeTokens() {}

  /** True when {@code token} is a valid scope token (printable ASCII, no space, '"' or '\'). */
  public static boolean isValid(@Nullable String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
