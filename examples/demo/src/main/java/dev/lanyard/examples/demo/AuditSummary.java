package dev.lanyard.examples.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's audit file ({@code lanyard.audit}, one JSON object per line) summed up: decisions by kind, reasons of the
 * refusals, authority events (issuance, key and CA changes, revocations, which the starter logs on the same logger)
 * by kind, and a few lines to show. Only the {@code decision} and {@code reason} members of a decision and the
 * {@code event} member of an authority event are read; other lines are counted as unreadable.
 *
 * <p>Immutable, so thread-safe.
 */
final class AuditSummary {
  private static final Pattern DECISION = Pattern.compile("\"decision\":\"([A-Z_]+)\"");
  private static final Pattern REASON = Pattern.compile("\"reason\":\"([^\"\\\\]+)\"");
  /** An authority event on the same logger ({@code AuthorityEvent.toJson()}): issuance and trust-chain changes. */
  private static final Pattern EVENT = Pattern.compile("^\\{\"time\":\"[^\"]*\",\"event\":\"([a-z0-9_]+)\"");

  private final Map<String, Integer> decisions;
  private final Map<String, Integer> reasons;
  private final Map<String, Integer> events;
  private final List<String> refusals;
  private final int unreadable;

  private AuditSummary(Map<String, Integer> decisions, Map<String, Integer> reasons, Map<String, Integer> events,
      List<String> refusals, int unreadable) {
    this.decisions = decisions;
    this.reasons = reasons;
    this.events = events;
    this.refusals = refusals;
    this.unreadable = unreadable;
  }

  /** Reads {@code file}; a missing file is an empty trail. */
  static AuditSummary read(Path file) throws IOException {
    return of(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
  }

  /** Sums up audit lines. */
  static AuditSummary of(List<String> lines) {
    Map<String, Integer> decisions = new TreeMap<>();
    Map<String, Integer> reasons = new TreeMap<>();
    Map<String, Integer> events = new TreeMap<>();
    Set<String> seen = new LinkedHashSet<>();
    List<String> refusals = new ArrayList<>();
    int unreadable = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      Matcher d = DECISION.matcher(line);
      if (!d.find()) {
        Matcher e = EVENT.matcher(line);
        if (e.find()) {
          events.merge(e.group(1), 1, Integer::sum);
        } else {
          unreadable++;
        }
        continue;
      }
      String decision = d.group(1);
      decisions.merge(decision, 1, Integer::sum);
      Matcher r = REASON.matcher(line);
      String reason = r.find() ? r.group(1) : "";
      if (!decision.equals("ALLOWED") && !decision.equals("PUBLIC")) {
        if (!reason.isEmpty()) {
          reasons.merge(reason, 1, Integer::sum);
        }
        if (seen.add(decision + "/" + reason)) {
          refusals.add(line);
        }
      }
    }
    return new AuditSummary(Map.copyOf(decisions), Map.copyOf(reasons), Map.copyOf(events), List.copyOf(refusals),
        unreadable);
  }

  int total() {
    int total = 0;
    for (int n : decisions.values()) {
      total += n;
    }
    return total;
  }

  /** How many decisions of this kind ({@code ALLOWED}, {@code REJECTED}, ...). */
  int count(String decision) {
    return decisions.getOrDefault(decision, 0);
  }

  /** How many authority events of this kind ({@code jwt_svid_minted}, {@code x509_svid_issued}, ...). */
  int events(String kind) {
    return events.getOrDefault(kind, 0);
  }

  /** True when a refusal gave this reason. */
  boolean hasReason(String reason) {
    return reasons.containsKey(reason);
  }

  /** One line: the total, decisions by kind, the reasons of refusals, and authority events by kind. */
  String describe() {
    StringBuilder sb = new StringBuilder().append(total()).append(" decisions");
    new TreeMap<>(decisions).forEach((k, v) -> sb.append(", ").append(k).append(' ').append(v));
    if (!reasons.isEmpty()) {
      sb.append("; reasons:");
      new TreeMap<>(reasons).forEach((k, v) -> sb.append(' ').append(k.contains(" ") ? "'" + k + "'" : k)
          .append('=').append(v));
    }
    if (!events.isEmpty()) {
      sb.append("; authority events:");
      new TreeMap<>(events).forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    }
    if (unreadable > 0) {
      sb.append("; ").append(unreadable).append(" unreadable lines");
    }
    return sb.toString();
  }

  /** Up to {@code n} refusal lines, one per kind and reason, cut to 160 characters. */
  List<String> samples(int n) {
    List<String> out = new ArrayList<>();
    for (String line : refusals.subList(0, Math.min(n, refusals.size()))) {
      out.add(line.length() > 160 ? line.substring(0, 159) + "…" : line);
    }
    return out;
  }
}
