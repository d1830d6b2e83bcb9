package dev.lanyard.examples.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The story's bookkeeping: each step's checks, printed as they happen in short lines, and the verdict. The demo exits
 * 0 when every check of every step passed, and otherwise 1, naming the steps that failed.
 *
 * <p>Not thread-safe: the driver's main thread records.
 */
final class Steps {
  private final PrintStream out;
  private final Map<String, List<String>> failures = new LinkedHashMap<>();
  private String current = "before the story";
  private int checks;

  Steps(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /** Starts a step: its title is printed, and checks from now on belong to it. */
  void begin(String title) {
    current = Objects.requireNonNull(title, "title");
    out.println();
    out.println("== " + title);
  }

  /** A plain line of the story. */
  void say(String line) {
    out.println("   " + line);
  }

  /** Records a check of the current step and prints it, marked ok or FAILED; returns {@code ok}. */
  boolean check(String what, boolean ok) {
    checks++;
    out.println((ok ? "ok " : "FAILED ") + what);
    if (!ok) {
      failures.computeIfAbsent(current, k -> new ArrayList<>()).add(what);
    }
    return ok;
  }

  /** Records a failure of the current step that stops the story (a service did not start, say). */
  void fail(String what) {
    check(what, false);
  }

  /** How many checks were recorded. */
  int checks() {
    return checks;
  }

  /** The steps that failed, in order, with their failed checks. */
  Map<String, List<String>> failures() {
    return Map.copyOf(failures);
  }

  /** 0 when at least one check ran and none failed, else 1. */
  int exitCode() {
    return checks > 0 && failures.isEmpty() ? 0 : 1;
  }

  /** The closing line: every step behaved, or which did not. */
  String verdict() {
    if (checks == 0) {
      return "Demo FAILED: no check ran";
    }
    if (failures.isEmpty()) {
      return "Demo complete: all " + checks + " checks behaved as expected.";
    }
    StringBuilder sb = new StringBuilder("Demo FAILED in ");
    failures.forEach((step, what) -> sb.append('\n').append("  ").append(step).append(": ")
        .append(String.join("; ", what)));
    return sb.toString();
  }
}
