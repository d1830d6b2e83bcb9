package dev.lanyard.spiffe;

import java.util.Objects;

/**
 * A SPIFFE trust domain: the authority that issues identities, named like {@code example.org}.
 *
 * <p>{@link #of(String)} accepts a trust domain name (ASCII letters are folded to lowercase with no dependence on the
 * default locale) or a SPIFFE ID string, whose trust domain it takes. The name may contain only {@code [a-z0-9._-]},
 * is at most 255 bytes, and has no port, user info or IP literal.
 *
 * <p>Immutable.
 */
public final class TrustDomain {
  /** Maximum length of a trust domain name, in bytes (SPIFFE-ID §2.1). */
  public static final int MAX_LENGTH = 255;

  private final String name;
  private final String idString;

  private TrustDomain(String name) {
    this.name = name;
    this.idString = SpiffeId.SCHEME_PREFIX + name;
  }

  /**
   * Parses a trust domain name such as {@code example.org}, or the trust domain of a SPIFFE ID such as
   * {@code spiffe://example.org/service}.
   *
   * @throws InvalidSpiffeIdException when the name breaks a rule of the SPIFFE-ID specification
   */
  public static TrustDomain of(String name) {
    Objects.requireNonNull(name, "name");
    if (hasSchemePrefixIgnoringAsciiCase(name)) {
      // Fold the scheme and the trust domain (ASCII only); the path keeps its case.
      int slash = name.indexOf('/', SpiffeId.SCHEME_PREFIX.length());
      int end = slash < 0 ? name.length() : slash;
      return SpiffeId.parse(foldAscii(name.substring(0, end)) + name.substring(end)).trustDomain();
    }
    return new TrustDomain(validate(foldAscii(name)));
  }

  /** Creates a trust domain from a name already validated (lowercase) by the SPIFFE ID parser. */
  static TrustDomain ofValidated(String name) {
    return new TrustDomain(name);
  }

  /** The trust domain name, e.g. {@code example.org}. */
  public String name() {
    return name;
  }

  /** The SPIFFE ID of the trust domain itself, {@code spiffe://<name>}. */
  public SpiffeId spiffeId() {
    return SpiffeId.parse(idString);
  }

  /** The SPIFFE ID string of the trust domain itself, {@code spiffe://<name>}. */
  public String idString() {
    return idString;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof TrustDomain && ((TrustDomain) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** The trust domain name. */
  @Override
  public String toString() {
    return name;
  }

  private static boolean hasSchemePrefixIgnoringAsciiCase(String s) {
    String prefix = SpiffeId.SCHEME_PREFIX;
    if (s.length() < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + ('a' - 'A'));
      }
      if (c != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Folds ASCII upper case only; any other character is left for validation to reject. */
  private static String foldAscii(String s) {
    char[] chars = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (chars == null) {
          chars = s.toCharArray();
        }
        chars[i] = (char) (c + ('a' - 'A'));
      }
    }
    return chars == null ? s : new String(chars);
  }

  static String validate(String name) {
    if (name.isEmpty()) {
      throw new InvalidSpiffeIdException("trust domain is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new InvalidSpiffeIdException("trust domain is longer than " + MAX_LENGTH + " bytes");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isTrustDomainChar(c)) {
        throw new InvalidSpiffeIdException(
            "trust domain has a character outside [a-z0-9._-] at index " + i + describe(c));
      }
    }
    return name;
  }

  static boolean isTrustDomainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  }

  static String describe(char c) {
    switch (c) {
      case ':':
        return " (':' - a port is not allowed)";
      case '@':
        return " ('@' - user info is not allowed)";
      case '%':
        return " ('%' - percent-encoding is not allowed)";
      case '[':
      case ']':
        return " (an IP literal is not allowed)";
      case '?':
        return " ('?' - a query is not allowed)";
      case '#':
        return " ('#' - a fragment is not allowed)";
      default:
        if (c >= 'A' && c <= 'Z') {
          return " (upper case is not allowed)";
        }
        return c >= 0x20 && c < 0x7f ? " ('" + c + "')" : String.format(" (U+%04X)", (int) c);
    }
  }
}
