package dev.lanyard.internal;

/** Making untrusted text safe to put in a message, a log line or a terminal. */
public final class Text {
  /** Longest stretch of untrusted text repeated in a message. */
  public static final int MAX_ECHO = 64;

  private Text() {}

  /**
   * At most {@value #MAX_ECHO} characters of {@code s}, every one outside printable ASCII replaced by {@code ?}, with
   * {@code ...} when cut short.
   */
  public static String printable(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_ECHO) + 3);
    for (int i = 0; i < s.length() && i < MAX_ECHO; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > MAX_ECHO) {
      sb.append("...");
    }
    return sb.toString();
  }
}
