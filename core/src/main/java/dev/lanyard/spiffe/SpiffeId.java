package dev.lanyard.spiffe;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A SPIFFE ID such as {@code spiffe://example.org/ns/prod/sa/orders}: a trust domain and an optional path.
 *
 * <p>Parsing is strict and follows the SPIFFE-ID specification to the letter: the scheme is exactly {@code spiffe},
 * the trust domain is lowercase {@code [a-z0-9._-]} (at most 255 bytes), every path segment is non-empty
 * {@code [a-zA-Z0-9._-]} and not {@code .} or {@code ..}, there is no trailing slash, query, fragment, port, user
 * info or percent-encoding, and the whole ID is at most 2048 bytes. Instances are immutable and compare by value.
 */
public final class SpiffeId {
  /** Maximum length of a SPIFFE ID, in bytes (SPIFFE-ID §2.3). */
  public static final int MAX_LENGTH = 2048;

  static final String SCHEME_PREFIX = "spiffe://";

  private final TrustDomain trustDomain;
  private final String path;
  private final String id;

  private SpiffeId(TrustDomain trustDomain, String path, String id) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.id = id;
  }

  /**
   * Parses a SPIFFE ID.
   *
   * @throws InvalidSpiffeIdException with the rule broken when {@code id} is not a valid SPIFFE ID
   */
  public static SpiffeId parse(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new InvalidSpiffeIdException("SPIFFE ID is empty");
    }
    if (id.length() > MAX_LENGTH) {
      throw new InvalidSpiffeIdException("SPIFFE ID is longer than " + MAX_LENGTH + " bytes");
    }
    if (!id.startsWith(SCHEME_PREFIX)) {
      throw new InvalidSpiffeIdException("SPIFFE ID must start with 'spiffe://' (lowercase scheme)");
    }
    int start = SCHEME_PREFIX.length();
    int end = start;
    int length = id.length();
    while (end < length && id.charAt(end) != '/') {
      char c = id.charAt(end);
      if (!TrustDomain.isTrustDomainChar(c)) {
        throw new InvalidSpiffeIdException(
            "trust domain has a character outside [a-z0-9._-] at index " + end + TrustDomain.describe(c));
      }
      end++;
    }
    if (end == start) {
      throw new InvalidSpiffeIdException("SPIFFE ID has no trust domain");
    }
    if (end - start > TrustDomain.MAX_LENGTH) {
      throw new InvalidSpiffeIdException("trust domain is longer than " + TrustDomain.MAX_LENGTH + " bytes");
    }
    String path = id.substring(end);
    validatePath(path, end);
    return new SpiffeId(TrustDomain.ofValidated(id.substring(start, end)), path, id);
  }

  /**
   * A SPIFFE ID in {@code trustDomain} with the given path, which is empty or starts with {@code /}.
   *
   * @throws InvalidSpiffeIdException when the path breaks a rule
   */
  public static SpiffeId of(TrustDomain trustDomain, String path) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(path, "path");
    if (!path.isEmpty() && path.charAt(0) != '/') {
      throw new InvalidSpiffeIdException("path must be empty or start with '/'");
    }
    validatePath(path, 0);
    String id = trustDomain.idString() + path;
    if (id.length() > MAX_LENGTH) {
      throw new InvalidSpiffeIdException("SPIFFE ID is longer than " + MAX_LENGTH + " bytes");
    }
    return new SpiffeId(trustDomain, path, id);
  }

  /**
   * A SPIFFE ID in {@code trustDomain} made of the given path segments, e.g. {@code ("ns", "prod", "sa", "orders")}.
   */
  public static SpiffeId fromSegments(TrustDomain trustDomain, String... segments) {
    StringBuilder path = new StringBuilder();
    for (String segment : segments) {
      Objects.requireNonNull(segment, "segment");
      if (segment.isEmpty()) {
        throw new InvalidSpiffeIdException("path segment is empty");
      }
      if (segment.indexOf('/') >= 0) {
        throw new InvalidSpiffeIdException("path segment contains '/'");
      }
      path.append('/').append(segment);
    }
    return of(trustDomain, path.toString());
  }

  private static void validatePath(String path, int offset) {
    int length = path.length();
    int i = 0;
    while (i < length) {
      // path.charAt(i) == '/' here: every segment starts with a slash
      int segmentStart = ++i;
      while (i < length && path.charAt(i) != '/') {
        char c = path.charAt(i);
        if (!isPathChar(c)) {
          throw new InvalidSpiffeIdException(
              "path has a character outside [a-zA-Z0-9._-] at index " + (offset + i) + TrustDomain.describe(c));
        }
        i++;
      }
      int segmentLength = i - segmentStart;
      if (segmentLength == 0) {
        throw new InvalidSpiffeIdException(i == length
            ? "path must not end with '/'" : "path has an empty segment at index " + (offset + segmentStart));
      }
      if (path.charAt(segmentStart) == '.'
          && (segmentLength == 1 || (segmentLength == 2 && path.charAt(segmentStart + 1) == '.'))) {
        throw new InvalidSpiffeIdException("path has a '.' or '..' segment at index " + (offset + segmentStart));
      }
    }
  }

  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '-' || c == '_';
  }

  /** The trust domain of this ID. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The path, empty or starting with {@code /}, e.g. {@code /ns/prod/sa/orders}. */
  public String path() {
    return path;
  }

  /** The path segments, e.g. {@code [ns, prod, sa, orders]}; empty for a trust domain's own ID. */
  public List<String> segments() {
    List<String> segments = new ArrayList<>();
    int i = 1;
    while (i < path.length()) {
      int next = path.indexOf('/', i);
      int end = next < 0 ? path.length() : next;
      segments.add(path.substring(i, end));
      i = end + 1;
    }
    return List.copyOf(segments);
  }

  /** True when this is the ID of a trust domain itself (no path). */
  public boolean isTrustDomainId() {
    return path.isEmpty();
  }

  /** True when this ID belongs to {@code trustDomain}. */
  public boolean isMemberOf(TrustDomain trustDomain) {
    return this.trustDomain.equals(trustDomain);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpiffeId && ((SpiffeId) o).id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  /** The ID string, e.g. {@code spiffe://example.org/orders}. */
  @Override
  public String toString() {
    return id;
  }
}
