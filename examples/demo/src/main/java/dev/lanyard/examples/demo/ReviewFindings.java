package dev.lanyard.examples.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The findings {@code lanyard policy review --json} printed (one object: {@code findings}, an array of objects with
 * {@code kind}, {@code rule} of {@code source}, {@code line}, {@code methods} and {@code path}, {@code caller},
 * {@code scope}, {@code count} and {@code message}; then {@code count}), read back for the demo's checks and short
 * lines. The CLI writes printable ASCII with quotes escaped inside strings, so a finding starts exactly where an
 * opening brace is followed by the {@code kind} member; only the members the demo uses are read.
 *
 * <p>Immutable, so thread-safe.
 */
final class ReviewFindings {
  private static final Pattern KIND = Pattern.compile("\\{\"kind\":\"([A-Z_]+)\"");
  private static final Pattern COUNT_TOTAL = Pattern.compile("\"count\":(\\d+)\\}\\s*$");

  /** One finding: its kind, the rule's methods and path ("" without a rule), caller and scope ("" when absent). */
  record Finding(String kind, String rule, String caller, String scope, long count, String message) {
    /** {@code DENIED_MISSING_GRANT  reports was denied 1 time(s) ...}: the kind and the message, IDs shortened. */
    String describe(String trustDomainPrefix) {
      return String.format(Locale.ROOT, "%-20s %s", kind, message.replace(trustDomainPrefix, ""));
    }
  }

  private final List<Finding> findings;

  private ReviewFindings(List<Finding> findings) {
    this.findings = findings;
  }

  /**
   * Reads the CLI's JSON output.
   *
   * @throws IllegalArgumentException when it is not one such object, or the number of findings read differs from
   *     its {@code count}
   */
  static ReviewFindings parse(String json) {
    String text = Objects.requireNonNull(json, "json").strip();
    Matcher total = COUNT_TOTAL.matcher(text);
    if (!text.startsWith("{\"findings\":[") || !total.find()) {
      throw new IllegalArgumentException("not the output of policy review --json: " + cut(text));
    }
    List<Finding> out = new ArrayList<>();
    Matcher kind = KIND.matcher(text);
    List<Integer> starts = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    while (kind.find()) {
      starts.add(kind.start());
      kinds.add(kind.group(1));
    }
    for (int i = 0; i < starts.size(); i++) {
      String object = text.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) : total.start());
      String methods = member(object, "\"methods\":\\[([^\\]]*)\\]");
      String path = string(object, "path");
      String rule = path == null ? "" : (methods == null ? "" : methods.replace("\"", "")) + " " + path;
      String count = member(object, "\"count\":(\\d+)");
      String message = string(object, "message");
      String caller = string(object, "caller");
      String scope = string(object, "scope");
      out.add(new Finding(kinds.get(i), rule, caller == null ? "" : caller, scope == null ? "" : scope,
          count == null ? 0 : Long.parseLong(count), message == null ? "" : message));
    }
    if (out.size() != Integer.parseInt(total.group(1))) {
      throw new IllegalArgumentException("read " + out.size() + " findings, the output counts " + total.group(1));
    }
    return new ReviewFindings(List.copyOf(out));
  }

  /** All findings, in the CLI's order. */
  List<Finding> all() {
    return findings;
  }

  /** The findings of {@code kind}. */
  List<Finding> ofKind(String kind) {
    return findings.stream().filter(f -> f.kind().equals(kind)).toList();
  }

  /** True when a finding of {@code kind} concerns {@code caller} (and, unless empty, the rule {@code rule}). */
  boolean has(String kind, String caller, String rule, long count) {
    return findings.stream().anyMatch(f -> f.kind().equals(kind) && f.caller().equals(caller)
        && (rule.isEmpty() || f.rule().equals(rule)) && f.count() == count);
  }

  private static @Nullable String string(String object, String name) {
    String raw = member(object, "\"" + name + "\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    return raw == null ? null : raw.replace("\\\"", "\"").replace("\\\\", "\\");
  }

  private static @Nullable String member(String object, String regex) {
    Matcher m = Pattern.compile(regex).matcher(object);
    return m.find() ? m.group(1) : null;
  }

  private static String cut(String s) {
    return s.length() > 120 ? s.substring(0, 119) + "…" : s;
  }
}
