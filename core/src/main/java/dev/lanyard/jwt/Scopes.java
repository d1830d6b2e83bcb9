package dev.lanyard.jwt;

import dev.lanyard.internal.ScopeTokens;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Scope tokens per RFC 6749 §3.3: {@code 1*( %x21 / %x23-5B / %x5D-7E )}, joined by single spaces. */
final class Scopes {
  private Scopes() {}

  static boolean isScopeToken(String token) {
    return ScopeTokens.isValid(token);
  }

  /** Parses a {@code scope} claim, or returns null when it is not a list of valid scope tokens. */
  static @Nullable Set<String> parse(String claim) {
    if (claim.isEmpty()) {
      return Set.of();
    }
    Set<String> scopes = new LinkedHashSet<>();
    int start = 0;
    while (start <= claim.length()) {
      int space = claim.indexOf(' ', start);
      int end = space < 0 ? claim.length() : space;
      String token = claim.substring(start, end);
      if (!isScopeToken(token)) {
        return null;
      }
      scopes.add(token);
      if (space < 0) {
        break;
      }
      start = space + 1;
    }
    return Collections.unmodifiableSet(scopes);
  }

  /** Validates and copies scopes for minting. */
  static Set<String> copyOf(Collection<String> scopes) {
    Set<String> copy = new LinkedHashSet<>();
    for (String scope : scopes) {
      if (scope == null || !isScopeToken(scope)) {
        throw new IllegalArgumentException("invalid scope token (RFC 6749: printable ASCII, no space, '\"' or '\\')");
      }
      copy.add(scope);
    }
    return Collections.unmodifiableSet(copy);
  }
}
