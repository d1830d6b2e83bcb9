package dev.lanyard.graph;

import dev.lanyard.policy.PolicyRule;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Names the policy rule an edge was decided by: its source and line, methods (empty for any method) and path pattern.
 *
 * <p>Thread-safe: immutable.
 */
public final class RuleRef implements Comparable<RuleRef> {
  private final String source;
  private final int line;
  private final List<String> methods;
  private final String path;

  /** A rule reference; {@code methods} empty means any method. */
  public RuleRef(String source, int line, List<String> methods, String path) {
    this.source = Objects.requireNonNull(source, "source");
    this.line = line;
    this.methods = List.copyOf(new TreeSet<>(methods));
    this.path = Objects.requireNonNull(path, "path");
  }

  /** The reference of a parsed rule. */
  public static RuleRef of(PolicyRule rule) {
    return new RuleRef(rule.source(), rule.line(), List.copyOf(rule.methods()), rule.path());
  }

  /** Where the rule came from (file or property name). */
  public String source() {
    return source;
  }

  /** The line in its source. */
  public int line() {
    return line;
  }

  /** The methods, sorted; empty for any method. */
  public List<String> methods() {
    return methods;
  }

  /** The path pattern as written. */
  public String path() {
    return path;
  }

  /** True when {@code rule} is this rule: same source, line, methods and path. */
  public boolean refersTo(PolicyRule rule) {
    return source.equals(rule.source()) && line == rule.line() && path.equals(rule.path())
        && methods.equals(List.copyOf(new TreeSet<>(rule.methods())));
  }

  /** {@code POST /charge} or {@code * /health}. */
  String label() {
    return (methods.isEmpty() ? "*" : String.join(",", methods)) + " " + path;
  }

  @Override
  public int compareTo(RuleRef o) {
    int c = source.compareTo(o.source);
    if (c == 0) {
      c = Integer.compare(line, o.line);
    }
    if (c == 0) {
      c = path.compareTo(o.path);
    }
    return c == 0 ? String.join(",", methods).compareTo(String.join(",", o.methods)) : c;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RuleRef)) {
      return false;
    }
    RuleRef r = (RuleRef) o;
    return source.equals(r.source) && line == r.line && methods.equals(r.methods) && path.equals(r.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, line, methods, path);
  }

  @Override
  public String toString() {
    return source + ":" + line + " " + label();
  }
}
