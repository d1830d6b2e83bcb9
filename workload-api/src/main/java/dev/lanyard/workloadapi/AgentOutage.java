package dev.lanyard.workloadapi;

import java.util.HashSet;
import java.util.Set;

/**
 * Which watch streams of one identity are failing, so that an agent outage is logged once at WARN when the first
 * stream fails and once at INFO when the last one receives updates again, however many streams notice.
 *
 * <p>Thread-safe: synchronized.
 */
final class AgentOutage {
  private final Set<String> failing = new HashSet<>();

  /** Marks {@code stream} as failing; true when no stream was (an outage begins: the caller logs it). */
  synchronized boolean fail(String stream) {
    boolean first = failing.isEmpty();
    failing.add(stream);
    return first;
  }

  /** Marks {@code stream} as receiving again; true when it was the last failing one (the caller logs the end). */
  synchronized boolean recover(String stream) {
    return failing.remove(stream) && failing.isEmpty();
  }
}
