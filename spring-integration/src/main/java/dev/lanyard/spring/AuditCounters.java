package dev.lanyard.spring;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Counts inbound decisions: accepted calls by decision ({@code ALLOWED}, {@code PUBLIC}) and refused calls by reason
 * (the rejection reason such as {@code EXPIRED} for a rejected credential, otherwise the decision such as
 * {@code DENIED}). Keys are bounded: only upper-case reason names are used, at most {@value #MAX_KEYS} of them.
 *
 * <p>Thread-safe: counters are {@code LongAdder}s in a concurrent map.
 */
final class AuditCounters {
  static final int MAX_KEYS = 64;
  private static final String OTHER = "OTHER";
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

  private final Map<String, LongAdder> accepted = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();

  /** A sink that counts (not itself an {@link AuditSink} bean, so that it never stands in for the application's). */
  AuditSink sink() {
    return this::record;
  }

  void record(AuditEvent event) {
    switch (event.decision()) {
      case ALLOWED:
      case PUBLIC:
        increment(accepted, event.decision().name());
        break;
      case REJECTED:
        increment(rejected, event.reason().filter(r -> REASON.matcher(r).matches()).orElse(OTHER));
        break;
      default:
        increment(rejected, event.decision().name());
    }
  }

  private static void increment(Map<String, LongAdder> counters, String key) {
    LongAdder adder = counters.get(key);
    if (adder == null) {
      adder = counters.size() >= MAX_KEYS ? counters.computeIfAbsent(OTHER, k -> new LongAdder())
          : counters.computeIfAbsent(key, k -> new LongAdder());
    }
    adder.increment();
  }

  /** Accepted calls by decision, sorted by name. */
  Map<String, Long> accepted() {
    return snapshot(accepted);
  }

  /** Refused calls by reason, sorted by name. */
  Map<String, Long> rejected() {
    return snapshot(rejected);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  @Override
  public String toString() {
    return "AuditCounters[accepted=" + accepted() + ", rejected=" + rejected() + "]";
  }
}
