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
import org.jspecify.annotations.Nullable;

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
 *
 * <p>Thread-safe: immutable once parsed (the index fills its cache of {@link PolicyMatch}es on first use, with a
 * benign race).
 */
public final class Policy {
  /** Most path segments considered; longer request paths match no rule. */
  static final int MAX_SEGMENTS = 64;

  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
      "TRACE", "CONNECT");
  private static final String WILDCARD_TD_SUFFIX = "/*";
  /** The method slot of a method other than the nine known ones: only {@code *} rules apply. */
  private static final int OTHER_METHOD = 9;
  private static final int METHOD_SLOTS = OTHER_METHOD + 1;

  private final Node root;
  private final int ruleCount;
  private final List<PolicyRule> rules;

  private Policy(Node root, List<PolicyRule> rules) {
    this.root = root;
    this.ruleCount = rules.size();
    this.rules = List.copyOf(rules);
  }

  /** A policy with no rules: every request is denied. */
  public static Policy empty() {
    return new Policy(new Node(null), List.of());
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

  /** The rules in the order they were written (for review tools; deciding uses the index). */
  public List<PolicyRule> rules() {
    return rules;
  }

  /**
   * Decides a request: the same as {@code match(method, path).decide(caller)}.
   *
   * @param method the HTTP method
   * @param path the request path within the application, normalised (no {@code .} or {@code ..} segments); a path
   *     that is not normalised matches no rule
   * @param caller the verified caller, or null when the request carries no (valid) credential
   */
  public Decision decide(String method, String path, @Nullable Caller caller) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    return find(methodSlot(method), path).decide(caller);
  }

  /** True when a {@code public} rule matches: such requests need no credential. */
  public boolean isPublic(@Nullable String method, String path) {
    Objects.requireNonNull(path, "path");
    return find(method == null ? OTHER_METHOD : methodSlot(method), path).isPublic();
  }

  /**
   * The rules matching a request, once: ask the result whether the request {@link PolicyMatch#isPublic() is public},
   * then {@link PolicyMatch#decide(Caller) decide} it for the authenticated caller, with the same outcomes and rules
   * as {@link #isPublic} and {@link #decide}. Allocates nothing for a request whose path follows one branch of the
   * index (no segment matching both a literal and a {@code *} of the rules), once that branch has been matched.
   *
   * @param method the HTTP method
   * @param path the request path within the application, normalised; a path that is not normalised matches no rule
   */
  public PolicyMatch match(String method, String path) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    return find(methodSlot(method), path);
  }

  /**
   * Walks the segment index without splitting the path. Along a single branch the match depends only on the last
   * node reached, whether the path ended there, and the method, so it is the node's precomputed one; a segment that
   * matches both a literal and a {@code *} child switches to the general walk.
   */
  private PolicyMatch find(int slot, String path) {
    int segments = segmentCount(path);
    if (segments < 0) {
      return PolicyMatch.NONE;
    }
    Node node = root;
    int start = 1;
    for (int depth = 0; depth < segments; depth++) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      Node literal = node.literal(path, start, end);
      Node star = node.star;
      if (literal != null && star != null) {
        return branching(slot, path, segments);
      }
      Node next = literal != null ? literal : star;
      if (next == null) {
        return node.match(slot, false);
      }
      node = next;
      start = end + 1;
    }
    return node.match(slot, true);
  }

  /**
   * The general walk, breadth first as the index was always walked: at each depth every active node's {@code **}
   * rules, at the path's end its exact rules. Allocates its own match.
   */
  private PolicyMatch branching(int slot, String path, int segments) {
    List<PolicyMatch.Candidate> out = new ArrayList<>(4);
    List<Node> active = new ArrayList<>(2);
    active.add(root);
    int start = 1;
    for (int depth = 0; depth <= segments && !active.isEmpty(); depth++) {
      int end = 0;
      if (depth < segments) {
        int slash = path.indexOf('/', start);
        end = slash < 0 ? path.length() : slash;
      }
      List<Node> next = new ArrayList<>(2);
      for (Node node : active) {
        node.rest.collect(slot, out);
        if (depth == segments) {
          node.exact.collect(slot, out);
          continue;
        }
        Node literal = node.literal(path, start, end);
        if (literal != null) {
          next.add(literal);
        }
        if (node.star != null) {
          next.add(node.star);
        }
      }
      active = next;
      start = end + 1;
    }
    return new PolicyMatch(out);
  }

  /**
   * How many segments a request path has, or -1 when it is not a clean absolute path: empty, relative, an empty,
   * {@code .} or {@code ..} segment, or more than {@link #MAX_SEGMENTS} segments. One trailing {@code /} is ignored.
   */
  static int segmentCount(String path) {
    int length = path.length();
    if (length == 0 || path.charAt(0) != '/') {
      return -1;
    }
    if (length == 1) {
      return 0;
    }
    int limit = path.charAt(length - 1) == '/' ? length - 1 : length;
    int count = 0;
    int start = 1;
    while (true) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 || slash > limit ? limit : slash;
      int size = end - start;
      if (size == 0 || (path.charAt(start) == '.' && (size == 1 || (size == 2 && path.charAt(start + 1) == '.')))) {
        return -1;
      }
      if (++count > MAX_SEGMENTS) {
        return -1;
      }
      if (end >= limit) {
        return count;
      }
      start = end + 1;
    }
  }

  /** The index slot of an HTTP method: one per known method, one for any other. */
  static int methodSlot(String method) {
    switch (method) {
      case "GET":
        return 0;
      case "HEAD":
        return 1;
      case "POST":
        return 2;
      case "PUT":
        return 3;
      case "DELETE":
        return 4;
      case "PATCH":
        return 5;
      case "OPTIONS":
        return 6;
      case "TRACE":
        return 7;
      case "CONNECT":
        return 8;
      default:
        return OTHER_METHOD;
    }
  }

  @Override
  public String toString() {
    return "Policy[" + ruleCount + " rules]";
  }

  /** One node of the segment index. */
  private static final class Node {
    final @Nullable Node parent;
    /** Literal children while building; null once {@link #freeze()} has made the lookup table. */
    @Nullable Map<String, Node> literal;
    @Nullable Node star;
    final RuleSet exact = new RuleSet();
    final RuleSet rest = new RuleSet();
    /** Open-addressing table of the literal children: hashes, keys, nodes; null without literal children. */
    private int @Nullable [] hashes;
    private String @Nullable [] keys;
    private Node @Nullable [] children;
    private int shift;
    /** The precomputed matches, by method slot and whether the path ends here; made on first use. */
    private volatile PolicyMatch @Nullable [] matches;

    Node(@Nullable Node parent) {
      this.parent = parent;
    }

    /** The literal child named by {@code path[start, end)}, without making a substring. */
    @Nullable Node literal(String path, int start, int end) {
      String[] table = keys;
      int[] tableHashes = hashes;
      Node[] tableChildren = children;
      if (table == null || tableHashes == null || tableChildren == null) {
        return null;
      }
      int hash = 0;
      for (int i = start; i < end; i++) {
        hash = 31 * hash + path.charAt(i);
      }
      int size = end - start;
      int mask = table.length - 1;
      for (int i = slot(hash); ; i = (i + 1) & mask) {
        String key = table[i];
        if (key == null) {
          return null;
        }
        if (tableHashes[i] == hash && key.length() == size && path.startsWith(key, start)) {
          return tableChildren[i];
        }
      }
    }

    /**
     * Fibonacci hashing: consecutive {@link String#hashCode()}s (names like {@code svc1}, {@code svc2}) spread over
     * the table instead of filling one run that every miss would have to probe to its end.
     */
    private int slot(int hash) {
      return (hash * 0x9E3779B9) >>> shift;
    }

    /** Builds the literal lookup tables of this node and its descendants, at half load at most. */
    void freeze() {
      if (literal != null) {
        int capacity = Integer.highestOneBit(Math.max(2, literal.size() * 2 - 1)) << 1;
        hashes = new int[capacity];
        keys = new String[capacity];
        children = new Node[capacity];
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
        int mask = capacity - 1;
        for (Map.Entry<String, Node> entry : literal.entrySet()) {
          int hash = entry.getKey().hashCode();
          int i = slot(hash);
          while (keys[i] != null) {
            i = (i + 1) & mask;
          }
          hashes[i] = hash;
          keys[i] = entry.getKey();
          children[i] = entry.getValue();
          entry.getValue().freeze();
        }
        literal = null;
      }
      if (star != null) {
        star.freeze();
      }
    }

    /**
     * The match of a path whose walk stopped at this node: the {@code **} rules of every node from the root to this
     * one, then, when the path ends here, this node's exact rules. Benign race: two threads may both make it.
     */
    PolicyMatch match(int slot, boolean end) {
      PolicyMatch[] cache = matches;
      if (cache == null) {
        cache = new PolicyMatch[2 * METHOD_SLOTS];
        matches = cache;
      }
      int i = 2 * slot + (end ? 1 : 0);
      PolicyMatch match = cache[i];
      if (match == null) {
        List<Node> branch = new ArrayList<>();
        for (Node node = this; node != null; node = node.parent) {
          branch.add(node);
        }
        List<PolicyMatch.Candidate> out = new ArrayList<>();
        for (int n = branch.size() - 1; n >= 0; n--) {
          branch.get(n).rest.collect(slot, out);
        }
        if (end) {
          exact.collect(slot, out);
        }
        match = out.isEmpty() ? PolicyMatch.NONE : new PolicyMatch(out);
        cache[i] = match;
      }
      return match;
    }
  }

  /** Rules at a node, by method slot. */
  private static final class RuleSet {
    @Nullable List<PolicyMatch.Candidate> anyMethod;
    @Nullable List<PolicyMatch.Candidate> @Nullable [] byMethod;

    @SuppressWarnings("unchecked") // an array of lists
    void add(PolicyMatch.Candidate candidate) {
      PolicyRule rule = candidate.rule;
      if (rule.methods().isEmpty()) {
        if (anyMethod == null) {
          anyMethod = new ArrayList<>(1);
        }
        anyMethod.add(candidate);
        return;
      }
      if (byMethod == null) {
        byMethod = new List[OTHER_METHOD];
      }
      for (String method : rule.methods()) {
        int slot = methodSlot(method);
        if (byMethod[slot] == null) {
          byMethod[slot] = new ArrayList<>(1);
        }
        byMethod[slot].add(candidate);
      }
    }

    /** Adds the rules for a method: those for any method first, then the method's own, each in policy order. */
    void collect(int slot, List<PolicyMatch.Candidate> out) {
      if (anyMethod != null) {
        out.addAll(anyMethod);
      }
      if (byMethod != null && slot != OTHER_METHOD && byMethod[slot] != null) {
        out.addAll(byMethod[slot]);
      }
    }
  }

  /** Parses lines into the index. */
  private static final class Builder {
    private final Node root = new Node(null);
    private final List<PolicyRule> rules = new ArrayList<>();

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
      index(new PolicyMatch.Candidate(rule));
      rules.add(rule);
    }

    private void index(PolicyMatch.Candidate rule) {
      Node node = root;
      List<String> segments = rule.rule.segments();
      for (int i = 0; i < segments.size(); i++) {
        String segment = segments.get(i);
        if (segment.equals("**")) {
          node.rest.add(rule);
          return;
        }
        if (segment.equals("*")) {
          if (node.star == null) {
            node.star = new Node(node);
          }
          node = node.star;
        } else {
          if (node.literal == null) {
            node.literal = new HashMap<>(4);
          }
          Node parent = node;
          node = node.literal.computeIfAbsent(segment, s -> new Node(parent));
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
      root.freeze();
      return new Policy(root, rules);
    }
  }
}
