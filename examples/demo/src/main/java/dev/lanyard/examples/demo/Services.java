package dev.lanyard.examples.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The services the demo starts, each a separate JVM with its output in {@code <work>/<name>.log}, and stopped again:
 * each process tree is asked to stop (SIGTERM), then killed after a bounded wait. {@link #stopAll()} runs from the
 * driver's shutdown hook too, so Ctrl-C or a failure leaves no process behind.
 *
 * <p>Thread-safe: the process table is concurrent; stopping is idempotent.
 */
final class Services {
  private final Path examples;
  private final Path work;
  private final Map<String, Process> processes = new ConcurrentHashMap<>();

  Services(Path examples, Path work) {
    this.examples = examples;
    this.work = work;
  }

  /** Starts {@code main} of the example module {@code module} with JVM options and program arguments. */
  Process start(String name, String module, String main, List<String> jvmOptions, List<String> args)
      throws IOException {
    Path target = examples.resolve(module).resolve("target");
    Path classpathFile = target.resolve("classpath.txt");
    if (!Files.isRegularFile(classpathFile)) {
      throw new IOException(classpathFile + " is missing: build first (./demo.sh does: mvn -DskipTests package)");
    }
    String classpath = target.resolve("classes") + java.io.File.pathSeparator
        + Files.readString(classpathFile, StandardCharsets.UTF_8).strip();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Quick start-up on a small machine: these services answer a few hundred calls, then stop.
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classpath, main));
    command.addAll(args);
    Path log = log(name);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    processes.put(name, process);
    return process;
  }

  /** What a command run to its end printed, and its exit status (-1 when it was stopped for taking too long). */
  record Finished(int exit, String out, String err) {}

  /**
   * Runs {@code command} (a {@code java} process of this JVM's installation: {@code java} and then {@code args}) to its
   * end, at most {@code timeout}, with its output in {@code <work>/<name>.out} and {@code .err}. It is in the process
   * table while it runs, so {@link #stopAll()} (Ctrl-C) stops it too.
   */
  Finished runJava(String name, List<String> args, Duration timeout) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    command.addAll(args);
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    processes.put(name, process);
    try {
      int exit = -1;
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exit = process.exitValue();
      } else {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      return new Finished(exit, Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      processes.remove(name, process);
    }
  }

  /** True while the process of {@code name} runs. */
  boolean isRunning(String name) {
    Process p = processes.get(name);
    return p != null && p.isAlive();
  }

  /** Where the output of {@code name} goes. */
  Path log(String name) {
    return work.resolve(name + ".log");
  }

  /** The last {@code lines} lines of {@code name}'s output, indented, for a failure report. */
  String tail(String name, int lines) {
    try {
      List<String> all = Files.readAllLines(log(name), StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        sb.append("      | ").append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException e) {
      return "      | (no output: " + e.getMessage() + ")\n";
    }
  }

  /** Stops every process started, children first, waiting at most 10 s each before killing it. */
  void stopAll() {
    for (Process p : processes.values()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Map.Entry<String, Process> e : processes.entrySet()) {
      Process p = e.getValue();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException ie) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      processes.remove(e.getKey());
    }
  }
}
