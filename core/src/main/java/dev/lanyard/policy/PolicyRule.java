package dev.lanyard.policy;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.util.List;
import java.util.Set;

/**
 * One parsed rule of a policy: {@code METHODS PATH CALLERS [SCOPES]}, with where it came from.
 *
 * <p>Immutable.
 */
public final class PolicyRule {
  private final String source;
  private final int line;
  private final Set<String> methods;
  private final String path;
  private final List<String> segments;
  private final boolean publicAccess;
  private final boolean anyCaller;
  private final Set<SpiffeId> callers;
  private final Set<TrustDomain> callerTrustDomains;
  private final List<String> scopes;

  PolicyRule(String source, int line, Set<String> methods, String path, List<String> segments, boolean publicAccess,
      boolean anyCaller, Set<SpiffeId> callers, Set<TrustDomain> callerTrustDomains, List<String> scopes) {
    this.source = source;
    this.line = line;
    this.methods = methods;
    this.path = path;
    this.segments = segments;
    this.publicAccess = publicAccess;
    this.anyCaller = anyCaller;
    this.callers = callers;
    this.callerTrustDomains = callerTrustDomains;
    this.scopes = scopes;
  }

  /** Where the rule came from (file or property name). */
  public String source() {
    return source;
  }

  /** The line number in its source, from 1. */
  public int line() {
    return line;
  }

  /** The HTTP methods, or an empty set for {@code *} (any method). */
  public Set<String> methods() {
    return methods;
  }

  /** The path pattern as written. */
  public String path() {
    return path;
  }

  List<String> segments() {
    return segments;
  }

  /** True for a {@code public} rule: no credential needed. */
  public boolean isPublic() {
    return publicAccess;
  }

  /** The scopes a caller needs, all of them. */
  public List<String> scopes() {
    return scopes;
  }

  /** True for a rule naming {@code any}: every verified caller (scopes aside). */
  public boolean allowsAnyCaller() {
    return anyCaller;
  }

  /** The exact SPIFFE IDs the rule names as callers. */
  public Set<SpiffeId> callers() {
    return callers;
  }

  /** The trust domains the rule names as {@code spiffe://<td>/*}: any workload of each. */
  public Set<TrustDomain> callerTrustDomains() {
    return callerTrustDomains;
  }

  /** True when this rule lets {@code caller} in (scopes aside). */
  public boolean allowsCaller(SpiffeId caller) {
    return anyCaller || callers.contains(caller) || callerTrustDomains.contains(caller.trustDomain());
  }

  @Override
  public String toString() {
    return source + ":" + line + " " + (methods.isEmpty() ? "*" : String.join(",", methods)) + " " + path;
  }
}
