package dev.lanyard.policy;

import dev.lanyard.internal.ScopeTokens;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable request-time authorization policy: deny by default.
 *
 * <p>Syntax: one rule per line, whitespace-separated columns {@code METHODS PATH CALLERS [SCOPES]}; a token starting
 * with {@code #} starts a comment.
 * <ul>
 *   <li>METHODS: {@code *} or a comma list of HTTP methods (upper case).</li>
 *   <li>PATH: {@code /} and literal segments; {@code *} matches exactly one segment; {@code **}, only as the last
 *       segment, matches any remaining segments, including none.</li>
 *   <li>CALLERS: a comma list of exact SPIFFE IDs, {@code spiffe://<td>/*} (any workload of that trust domain),
 *       {@code any} (any verified caller), or {@code public} alone (no credential needed; no SCOPES column).</li>
 *   <li>SCOPES: a comma list of scope tokens, all required; none when omitted.</li>
 * </ul>
 * A request is allowed when any rule matching its method and path allows its caller and the caller holds all of that
 * rule's scopes. Rules are indexed by path segment and method, so deciding does not grow with the number of rules.
 */
public final class Policy {
  /** Most path segments considered; longer request paths match no rule. */
  static final int MAX_SEGMENTS = 64;

  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
      "TRACE", "CONNECT");
  private static final String WILDCARD_TD_SUFFIX = "/*";

  private final Node root;
  private final int ruleCount;

  private Policy(Node root, int ruleCount) {
    this.root = root;
    this.ruleCount = ruleCount;
  }

  /** A policy with no rules: every request is denied. */
  public static Policy empty() {
    return new Policy(new Node(), 0);
  }

  /**
   * Parses a policy text.
   *
   * @param sourceName names the source in error messages, e.g. {@code policy.txt}
   * @throws PolicyException naming the source and line of the first invalid rule
   */
  public static Policy parse(String text, String sourceName) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(sourceName, "sourceName");
    Builder builder = new Builder();
    // A byte-order mark some editors write would otherwise glue itself to the first method.
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String[] lines = body.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      builder.addLine(lines[i], sourceName, i + 1);
    }
    return builder.build();
  }

  /**
   * Reads and parses a policy file.
   *
   * @throws PolicyException for an invalid rule, or an unreadable file (line 0)
   */
  public static Policy parse(Path file) {
    Objects.requireNonNull(file, "file");
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), name);
    } catch (IOException e) {
      throw new PolicyException(name, 0, "cannot read: " + e.getMessage());
    }
  }

  /**
   * Parses rules given one per entry (e.g. from configuration properties); entry {@code i} is reported as
   * {@code <sourcePrefix>[i]}.
   */
  public static Policy parseRules(List<String> rules, String sourcePrefix) {
    Objects.requireNonNull(rules, "rules");
    Builder builder = new Builder();
    for (int i = 0; i < rules.size(); i++) {
      builder.addLine(Objects.requireNonNull(rules.get(i), "rule"), sourcePrefix + "[" + i + "]", 1);
    }
    return builder.build();
  }

  /** How many rules the policy holds. */
  public int ruleCount() {
    return ruleCount;
  }

  /**
   * Decides a request.
   *
   * @param method the HTTP method
   * @param path the request path within the application, normalised (no {@code .} or {@code ..} segments); a path
   *     that is not normalised matches no rule
   * @param caller the verified caller, or null when the request carries no (valid) credential
   */
  public Decision decide(String method, String path, Caller caller) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    List<PolicyRule> matching = match(method, path);
    PolicyRule publicRule = null;
    for (PolicyRule rule : matching) {
      if (rule.isPublic() && (publicRule == null || rule.line() < publicRule.line())) {
        publicRule = rule;
      }
    }
    if (publicRule != null) {
      return Decision.of(Decision.Outcome.PUBLIC, publicRule);
    }
    if (caller == null) {
      return Decision.of(Decision.Outcome.UNAUTHENTICATED, null);
    }
    PolicyRule closest = null;
    List<String> closestMissing = null;
    for (PolicyRule rule : matching) {
      if (!rule.allowsCaller(caller.id())) {
        continue;
      }
      List<String> missing = new ArrayList<>();
      for (String scope : rule.scopes()) {
        if (!caller.scopes().contains(scope)) {
          missing.add(scope);
        }
      }
      if (missing.isEmpty()) {
        return Decision.of(Decision.Outcome.ALLOWED, rule);
      }
      if (closest == null || missing.size() < closestMissing.size()
          || (missing.size() == closestMissing.size() && rule.line() < closest.line())) {
        closest = rule;
        closestMissing = missing;
      }
    }
    if (closest != null) {
      return Decision.insufficientScope(closest, closestMissing);
    }
    return Decision.of(Decision.Outcome.DENIED, null);
  }

  /** True when a {@code public} rule matches: such requests need no credential. */
  public boolean isPublic(String method, String path) {
    for (PolicyRule rule : match(method, path)) {
      if (rule.isPublic()) {
        return true;
      }
    }
    return false;
  }

  /** The rules matching a method and path, by walking the segment index. */
  private List<PolicyRule> match(String method, String path) {
    List<PolicyRule> out = new ArrayList<>(4);
    String[] segments = splitRequestPath(path);
    if (segments == null) {
      return out;
    }
    List<Node> active = new ArrayList<>(2);
    active.add(root);
    for (int depth = 0; depth <= segments.length && !active.isEmpty(); depth++) {
      List<Node> next = depth < segments.length ? new ArrayList<>(2) : null;
      for (Node node : active) {
        node.rest.collect(method, out);
        if (depth == segments.length) {
          node.exact.collect(method, out);
          continue;
        }
        Node literal = node.literal == null ? null : node.literal.get(segments[depth]);
        if (literal != null) {
          next.add(literal);
        }
        if (node.star != null) {
          next.add(node.star);
        }
      }
      active = next;
    }
    return out;
  }

  /** Segments of a request path, or null when it is not a clean absolute path. */
  static String[] splitRequestPath(String path) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    if (path.length() == 1) {
      return new String[0];
    }
    String body = path.endsWith("/") ? path.substring(1, path.length() - 1) : path.substring(1);
    String[] segments = body.split("/", -1);
    if (segments.length > MAX_SEGMENTS) {
      return null;
    }
    for (String segment : segments) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return null;
      }
    }
    return segments;
  }

  @Override
  public String toString() {
    return "Policy[" + ruleCount + " rules]";
  }

  /** One node of the segment index. */
  private static final class Node {
    Map<String, Node> literal;
    Node star;
    final RuleSet exact = new RuleSet();
    final RuleSet rest = new RuleSet();
  }

  /** Rules at a node, by method. */
  private static final class RuleSet {
    Map<String, List<PolicyRule>> byMethod;
    List<PolicyRule> anyMethod;

    void add(PolicyRule rule) {
      if (rule.methods().isEmpty()) {
        if (anyMethod == null) {
          anyMethod = new ArrayList<>(1);
        }
        anyMethod.add(rule);
        return;
      }
      if (byMethod == null) {
        byMethod = new HashMap<>(4);
      }
      for (String method : rule.methods()) {
        byMethod.computeIfAbsent(method, m -> new ArrayList<>(1)).add(rule);
      }
    }

    void collect(String method, List<PolicyRule> out) {
      if (anyMethod != null) {
        out.addAll(anyMethod);
      }
      if (byMethod != null) {
        List<PolicyRule> rules = byMethod.get(method);
        if (rules != null) {
          out.addAll(rules);
        }
      }
    }
  }

  /** Parses lines into the index. */
  private static final class Builder {
    private final Node root = new Node();
    private int count;

    void addLine(String raw, String source, int line) {
      List<String> columns = new ArrayList<>(4);
      for (String token : raw.strip().split("\\s+")) {
        if (token.startsWith("#")) {
          break;
        }
        if (!token.isEmpty()) {
          columns.add(token);
        }
      }
      if (columns.isEmpty()) {
        return;
      }
      if (columns.size() < 3 || columns.size() > 4) {
        throw new PolicyException(source, line, "expected METHODS PATH CALLERS [SCOPES], found " + columns.size()
            + " column" + (columns.size() == 1 ? "" : "s"));
      }
      Set<String> methods = methods(columns.get(0), source, line);
      String path = columns.get(1);
      List<String> segments = pathPattern(path, source, line);
      String callersColumn = columns.get(2);
      boolean publicAccess = false;
      boolean any = false;
      Set<SpiffeId> callers = new LinkedHashSet<>();
      Set<TrustDomain> trustDomains = new LinkedHashSet<>();
      for (String caller : items(callersColumn, "caller", source, line)) {
        if (caller.equals("public")) {
          publicAccess = true;
        } else if (caller.equals("any")) {
          any = true;
        } else if (caller.startsWith("spiffe://") && caller.endsWith(WILDCARD_TD_SUFFIX)
            && caller.indexOf('/', "spiffe://".length()) == caller.length() - 2) {
          String td = caller.substring("spiffe://".length(), caller.length() - 2);
          try {
            trustDomains.add(SpiffeId.parse("spiffe://" + td).trustDomain());
          } catch (InvalidSpiffeIdException e) {
            throw new PolicyException(source, line, "invalid trust domain in caller '" + caller + "': "
                + e.getMessage());
          }
        } else {
          try {
            callers.add(SpiffeId.parse(caller));
          } catch (InvalidSpiffeIdException e) {
            throw new PolicyException(source, line, "caller '" + caller + "' is not a SPIFFE ID, spiffe://<td>/*, "
                + "any or public: " + e.getMessage());
          }
        }
      }
      if (publicAccess && (any || !callers.isEmpty() || !trustDomains.isEmpty())) {
        throw new PolicyException(source, line, "'public' cannot be combined with other callers");
      }
      List<String> scopes = List.of();
      if (columns.size() == 4) {
        if (publicAccess) {
          throw new PolicyException(source, line, "a public rule takes no scopes");
        }
        List<String> list = new ArrayList<>();
        for (String scope : items(columns.get(3), "scope", source, line)) {
          if (!ScopeTokens.isValid(scope)) {
            throw new PolicyException(source, line, "invalid scope '" + scope + "'");
          }
          if (!list.contains(scope)) {
            list.add(scope);
          }
        }
        scopes = List.copyOf(list);
      }
      PolicyRule rule = new PolicyRule(source, line, methods, path, segments, publicAccess, any, Set.copyOf(callers),
          Set.copyOf(trustDomains), scopes);
      index(rule);
      count++;
    }

    private void index(PolicyRule rule) {
      Node node = root;
      List<String> segments = rule.segments();
      for (int i = 0; i < segments.size(); i++) {
        String segment = segments.get(i);
        if (segment.equals("**")) {
          node.rest.add(rule);
          return;
        }
        if (segment.equals("*")) {
          if (node.star == null) {
            node.star = new Node();
          }
          node = node.star;
        } else {
          if (node.literal == null) {
            node.literal = new HashMap<>(4);
          }
          node = node.literal.computeIfAbsent(segment, s -> new Node());
        }
      }
      node.exact.add(rule);
    }

    private static Set<String> methods(String column, String source, int line) {
      if (column.equals("*")) {
        return Set.of();
      }
      Set<String> methods = new LinkedHashSet<>();
      for (String method : items(column, "method", source, line)) {
        if (!METHODS.contains(method)) {
          throw new PolicyException(source, line, "unknown method '" + method + "'");
        }
        methods.add(method);
      }
      return Set.copyOf(methods);
    }

    private static List<String> pathPattern(String path, String source, int line) {
      if (!path.startsWith("/")) {
        throw new PolicyException(source, line, "path '" + path + "' must start with '/'");
      }
      if (path.equals("/")) {
        return List.of();
      }
      String body = path.endsWith("/") ? path.substring(1, path.length() - 1) : path.substring(1);
      String[] segments = body.split("/", -1);
      for (int i = 0; i < segments.length; i++) {
        String segment = segments[i];
        if (segment.isEmpty()) {
          throw new PolicyException(source, line, "path '" + path + "' has an empty segment");
        }
        if (segment.equals(".") || segment.equals("..")) {
          throw new PolicyException(source, line, "path '" + path + "' has a '.' or '..' segment");
        }
        if (segment.equals("**") && i != segments.length - 1) {
          throw new PolicyException(source, line, "'**' may only be the last segment of '" + path + "'");
        }
        if (!segment.equals("*") && !segment.equals("**") && segment.indexOf('*') >= 0) {
          throw new PolicyException(source, line, "'*' must be a whole segment in '" + path + "'");
        }
        if (segment.indexOf('?') >= 0 || segment.indexOf('#') >= 0 || segment.indexOf(';') >= 0) {
          throw new PolicyException(source, line, "path '" + path + "' may not contain '?', '#' or ';'");
        }
      }
      if (segments.length > MAX_SEGMENTS) {
        throw new PolicyException(source, line, "path '" + path + "' has more than " + MAX_SEGMENTS + " segments");
      }
      return List.of(segments);
    }

    private static List<String> items(String column, String what, String source, int line) {
      List<String> items = new ArrayList<>();
      for (String item : column.split(",", -1)) {
        if (item.isEmpty()) {
          throw new PolicyException(source, line, "empty " + what + " in '" + column + "'");
        }
        items.add(item);
      }
      return items;
    }

    Policy build() {
      return new Policy(root, count);
    }
  }
}
