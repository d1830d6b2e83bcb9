package dev.lanyard.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that the code snippets of the repository's READMEs are copies of code the test suite compiles and runs, so
 * that a snippet and its source cannot drift apart unnoticed.
 *
 * <p>A source marks a region with {@code tag::NAME[]} and {@code end::NAME[]} on lines of their own, in a comment of
 * its language: {@code // tag::NAME[]} in Java, {@code # tag::NAME[]} in properties, YAML and policy files,
 * {@code <!-- tag::NAME[] -->} in XML. A README puts {@code <!-- snippet: path/from/the/repository/root#NAME -->} on the
 * line right before a fenced block. The block's content must equal the region: its lines without any tag lines
 * (regions may nest or overlap, and a name tagged twice joins its segments), dedented by their smallest indentation, compared line by line with trailing
 * whitespace ignored. A block indented under a list item is dedented by its fence's indentation first.
 *
 * <p>Which blocks need a marker: every fenced block whose info string is a code language ({@value #LANGUAGES}).
 * Exempt are blocks of shell commands and their output ({@code bash}, {@code sh}, {@code console}), plain text
 * ({@code text} or no language: log lines, command synopses, error messages) and pictures ({@code mermaid},
 * {@code dot}): they show commands to type or output to expect, not code to compile. A marker on an exempt block is
 * checked all the same.
 *
 * <p>Thread-safe: stateless.
 */
final class ReadmeSnippets {
  static final String LANGUAGES = "java, xml, properties, yaml, yml, json, kotlin, groovy";
  private static final Set<String> CODE = Set.of(LANGUAGES.split(", "));
  private static final Pattern FENCE = Pattern.compile("^( *)(```+)\\s*([^`\\s]*)\\s*$");
  private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*snippet:\\s*(\\S+?)#([A-Za-z0-9_.-]+)\\s*-->\\s*$");
  private static final Pattern TAG = Pattern.compile("\\b(tag|end)::([A-Za-z0-9_.-]+)\\[\\]");
  private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "node_modules", "build", "out");

  /** One problem: the README, the 1-based line of its block or marker, and what is wrong. */
  record Problem(Path readme, int line, String message) {
    @Override
    public String toString() {
      return readme + ":" + line + ": " + message;
    }
  }

  private ReadmeSnippets() {}

  /**
   * The repository root above {@code start}: the nearest directory holding {@code pom.xml}, {@code README.md} and
   * {@code core/pom.xml}, so that a test finds it whichever module directory Maven runs it from.
   */
  static Path repositoryRoot(Path start) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isRegularFile(dir.resolve("README.md"))
          && Files.isRegularFile(dir.resolve("core/pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root (pom.xml, README.md, core/pom.xml) above " + start);
  }

  /** Every {@code README.md} under {@code root}, outside build output and hidden directories, in a stable order. */
  static List<Path> readmes(Path root) {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
          String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
          return !dir.equals(root) && (name.startsWith(".") || SKIPPED_DIRECTORIES.contains(name))
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (file.getFileName().toString().equals("README.md")) {
            found.add(file);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(null);
    return found;
  }

  /** The problems of every README under {@code root}. */
  static List<Problem> checkAll(Path root) {
    List<Problem> problems = new ArrayList<>();
    for (Path readme : readmes(root)) {
      problems.addAll(check(root, readme));
    }
    return problems;
  }

  /** The problems of one README; sources are resolved against {@code root}. */
  static List<Problem> check(Path root, Path readme) {
    List<String> lines = read(readme);
    Path shown = root.relativize(readme.toAbsolutePath().normalize());
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher marker = MARKER.matcher(lines.get(i));
      if (marker.matches() && (i + 1 >= lines.size() || !FENCE.matcher(lines.get(i + 1)).matches())) {
        problems.add(new Problem(shown, i + 1, "snippet marker is not followed by a fenced block"));
        continue;
      }
      Matcher fence = FENCE.matcher(lines.get(i));
      if (!fence.matches()) {
        continue;
      }
      int indent = fence.group(1).length();
      String language = fence.group(3).toLowerCase(Locale.ROOT);
      int close = closing(lines, i, fence.group(2));
      if (close < 0) {
        problems.add(new Problem(shown, i + 1, "fenced block is never closed"));
        return problems;
      }
      List<String> block = dedent(lines.subList(i + 1, close), indent);
      Matcher before = i > 0 ? MARKER.matcher(lines.get(i - 1)) : null;
      if (before != null && before.matches()) {
        String problem = compare(root, before.group(1), before.group(2), block);
        if (problem != null) {
          problems.add(new Problem(shown, i + 1, problem));
        }
      } else if (CODE.contains(language)) {
        problems.add(new Problem(shown, i + 1, "```" + language + " block has no snippet marker (put <!-- snippet: "
            + "path#NAME --> on the line before it, and tag that region of code the tests run)"));
      }
      i = close;
    }
    return problems;
  }

  /** Null when {@code block} equals the region, else why not. */
  private static String compare(Path root, String path, String name, List<String> block) {
    Path source = root.resolve(path).normalize();
    if (!source.startsWith(root) || !Files.isRegularFile(source)) {
      return "snippet source " + path + " does not exist";
    }
    List<String> region;
    try {
      region = region(read(source), name);
    } catch (IllegalArgumentException e) {
      return "snippet source " + path + ": " + e.getMessage();
    }
    List<String> expected = trimmed(region);
    List<String> actual = trimmed(block);
    for (int k = 0; k < Math.max(expected.size(), actual.size()); k++) {
      String want = k < expected.size() ? expected.get(k) : "(end of region)";
      String got = k < actual.size() ? actual.get(k) : "(end of block)";
      if (!want.equals(got)) {
        return "snippet drifted from " + path + "#" + name + " at its line " + (k + 1) + ": source has '" + want
            + "', README has '" + got + "'";
      }
    }
    return null;
  }

  /**
   * The lines between {@code tag::name[]} and {@code end::name[]}, without tag lines of any name, dedented. A name
   * tagged more than once (as Asciidoctor allows) gives its segments joined in order, so that a snippet can leave out
   * lines of its source, such as a test's assertions inside a block the snippet shows whole.
   *
   * @throws IllegalArgumentException when the region is missing or a tag is not closed
   */
  static List<String> region(List<String> source, String name) {
    List<String> lines = new ArrayList<>();
    boolean found = false;
    boolean open = false;
    for (String line : source) {
      Matcher tag = TAG.matcher(line);
      boolean tagLine = false;
      while (tag.find()) {
        tagLine = true;
        if (tag.group(2).equals(name)) {
          if (tag.group(1).equals("tag")) {
            if (open) {
              throw new IllegalArgumentException("tag::" + name + "[] opened again before end::" + name + "[]");
            }
            open = true;
            found = true;
          } else if (open) {
            open = false;
          }
        }
      }
      if (open && !tagLine) {
        lines.add(line);
      }
    }
    if (!found) {
      throw new IllegalArgumentException("no tagged region " + name + " (tag::" + name + "[])");
    }
    if (open) {
      throw new IllegalArgumentException("tag::" + name + "[] has no end::" + name + "[] after it");
    }
    int smallest = Integer.MAX_VALUE;
    for (String line : lines) {
      if (!line.isBlank()) {
        smallest = Math.min(smallest, line.length() - line.stripLeading().length());
      }
    }
    return dedent(lines, smallest == Integer.MAX_VALUE ? 0 : smallest);
  }

  private static int closing(List<String> lines, int open, String ticks) {
    for (int j = open + 1; j < lines.size(); j++) {
      if (lines.get(j).strip().equals(ticks)) {
        return j;
      }
    }
    return -1;
  }

  private static List<String> dedent(List<String> lines, int by) {
    List<String> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      int cut = 0;
      while (cut < by && cut < line.length() && line.charAt(cut) == ' ') {
        cut++;
      }
      out.add(line.substring(cut));
    }
    return out;
  }

  private static List<String> trimmed(List<String> lines) {
    List<String> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      out.add(line.stripTrailing());
    }
    return out;
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
