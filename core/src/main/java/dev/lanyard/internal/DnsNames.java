package dev.lanyard.internal;

import org.jspecify.annotations.Nullable;

/**
 * The one DNS-name grammar of Lanyard, shared by the authority (names it will put in an X.509-SVID) and the path
 * validator (names it accepts in a presented certificate), so that the authority never issues an SVID its own
 * verifier refuses.
 *
 * <p>A DNS name is in RFC 1034 §3.5 preferred name syntax as amended by RFC 1123 §2.1: ASCII letters, digits and
 * inner hyphens; labels of 1 to 63 characters; at most 253 characters in all; no trailing dot (no empty label); and a
 * last label that is not all digits, so that an IP literal such as {@code 8.8.8.8} is not a DNS name. Letters may be
 * of either case (DNS names compare case-insensitively; compare with {@code toLowerCase(Locale.ROOT)}). A wildcard
 * name, where allowed, has {@code *} as its whole leftmost label and at least two labels after it:
 * {@code *.example.com} is a wildcard name, {@code *.com}, {@code w*.example.com} and {@code a.*.example.com} are not.
 */
public final class DnsNames {
  /** Longest DNS name, in characters (RFC 1035 §2.3.4, without the root's trailing dot). */
  public static final int MAX_LENGTH = 253;
  /** Longest label. */
  public static final int MAX_LABEL_LENGTH = 63;

  private DnsNames() {}

  /** True when {@code name} is a DNS name without wildcard. False for null. */
  public static boolean isDnsName(@Nullable String name) {
    return isDnsName(name, false);
  }

  /** True when {@code name} is a DNS name, or with {@code wildcard} also a wildcard name. False for null. */
  public static boolean isDnsName(@Nullable String name, boolean wildcard) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    String[] labels = name.split("\\.", -1);
    int first = 0;
    if (wildcard && labels[0].equals("*")) {
      if (labels.length < 3) {
        return false;
      }
      first = 1;
    }
    for (int i = first; i < labels.length; i++) {
      if (!isLabel(labels[i])) {
        return false;
      }
    }
    return !labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static boolean isLabel(String label) {
    if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH || label.startsWith("-") || label.endsWith("-")) {
      return false;
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
        return false;
      }
    }
    return true;
  }
}
