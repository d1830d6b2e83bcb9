package dev.lanyard.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeSnippetsTest {
  private static final String SOURCE = String.join("\n",
      "class Sample {",
      "  void run() {",
      "    // tag::demo[]",
      "    int a = 1;",
      "    // tag::inner[]",
      "    int b = a + 1;",
      "    // end::inner[]",
      "  // end::demo[]",
      "  }",
      "}", "");

  @TempDir Path root;

  private Path readme(String... lines) throws IOException {
    Files.createDirectories(root.resolve("core/src"));
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    Files.writeString(root.resolve("core/pom.xml"), "<project/>");
    Files.writeString(root.resolve("core/src/Sample.java"), SOURCE);
    return Files.writeString(root.resolve("README.md"), String.join("\n", lines) + "\n");
  }

  @Test
  void checkWhenBlockEqualsTaggedRegionThenNoProblem() throws IOException {
    Path readme = readme("# Title", "<!-- snippet: core/src/Sample.java#demo -->", "```java", "int a = 1;",
        "int b = a + 1;", "```");

    assertThat(ReadmeSnippets.check(root, readme)).isEmpty();
  }

  @Test
  void checkWhenBlockIsIndentedUnderAListItemThenComparedDedented() throws IOException {
    Path readme = readme("- a list item:", "  <!-- snippet: core/src/Sample.java#inner -->", "  ```java",
        "  int b = a + 1;", "  ```");

    assertThat(ReadmeSnippets.check(root, readme)).isEmpty();
  }

  @Test
  void checkWhenBlockDriftedThenProblemNamesReadmeLineSourceAndDifference() throws IOException {
    Path readme = readme("# Title", "", "<!-- snippet: core/src/Sample.java#demo -->", "```java", "int a = 1;",
        "int b = a + 2;", "```");

    assertThat(ReadmeSnippets.check(root, readme)).singleElement().hasToString(
        "README.md:4: snippet drifted from core/src/Sample.java#demo at its line 2: source has 'int b = a + 1;', "
            + "README has 'int b = a + 2;'");
  }

  @Test
  void checkWhenBlockHasALineMoreThanTheRegionThenDrifted() throws IOException {
    Path readme = readme("<!-- snippet: core/src/Sample.java#inner -->", "```java", "int b = a + 1;", "int c;",
        "```");

    assertThat(ReadmeSnippets.check(root, readme)).singleElement().extracting(ReadmeSnippets.Problem::message)
        .asString().contains("at its line 2: source has '(end of region)', README has 'int c;'");
  }

  @Test
  void checkWhenCodeBlockHasNoMarkerThenProblemNamesTheLine() throws IOException {
    Path readme = readme("# Title", "```properties", "lanyard.trust-domain=example.org", "```");

    assertThat(ReadmeSnippets.check(root, readme)).singleElement().satisfies(problem -> {
      assertThat(problem.line()).isEqualTo(2);
      assertThat(problem.message()).startsWith("```properties block has no snippet marker");
    });
  }

  @Test
  void checkWhenMarkerPointsToAMissingFileOrTagThenProblemSaysWhich() throws IOException {
    Path readme = readme("<!-- snippet: core/src/Missing.java#demo -->", "```java", "x", "```",
        "<!-- snippet: core/src/Sample.java#nothere -->", "```java", "x", "```",
        "<!-- snippet: ../outside.java#demo -->", "```java", "x", "```");

    assertThat(ReadmeSnippets.check(root, readme)).extracting(ReadmeSnippets.Problem::toString).containsExactly(
        "README.md:2: snippet source core/src/Missing.java does not exist",
        "README.md:6: snippet source core/src/Sample.java: no tagged region nothere (tag::nothere[])",
        "README.md:10: snippet source ../outside.java does not exist");
  }

  @Test
  void checkWhenMarkerIsNotFollowedByABlockThenProblem() throws IOException {
    Path readme = readme("<!-- snippet: core/src/Sample.java#demo -->", "", "```java", "int a = 1;", "```");

    assertThat(ReadmeSnippets.check(root, readme)).extracting(ReadmeSnippets.Problem::message).containsExactly(
        "snippet marker is not followed by a fenced block", "```java block has no snippet marker (put <!-- snippet: "
            + "path#NAME --> on the line before it, and tag that region of code the tests run)");
  }

  @Test
  void checkWhenShellTextOrUnlabelledBlockThenExempt() throws IOException {
    Path readme = readme("```bash", "mvn -B verify", "```", "```", "lanyard jwt mint ...", "```", "```text",
        "INFO started", "```", "```console", "$ ls", "```");

    assertThat(ReadmeSnippets.check(root, readme)).isEmpty();
  }

  @Test
  void checkWhenExemptBlockHasAMarkerThenItIsCheckedToo() throws IOException {
    Path readme = readme("<!-- snippet: core/src/Sample.java#inner -->", "```text", "int b = a + 3;", "```");

    assertThat(ReadmeSnippets.check(root, readme)).singleElement().extracting(ReadmeSnippets.Problem::message)
        .asString().startsWith("snippet drifted from core/src/Sample.java#inner");
  }

  @Test
  void regionWhenTagIsUnclosedOrReopenedThenRefused() {
    List<String> unclosed = List.of("# tag::a[]", "x=1");
    List<String> reopened = List.of("# tag::a[]", "x=1", "# tag::a[]", "# end::a[]");

    assertThatThrownBy(() -> ReadmeSnippets.region(unclosed, "a")).hasMessage("tag::a[] has no end::a[] after it");
    assertThatThrownBy(() -> ReadmeSnippets.region(reopened, "a"))
        .hasMessage("tag::a[] opened again before end::a[]");
  }

  @Test
  void regionWhenTaggedTwiceThenSegmentsJoinedWithoutTheLinesBetween() {
    List<String> java = List.of("try (Thing t = open()) {", "  // tag::a[]", "  use(t);", "  // end::a[]",
        "  assertThat(t).isOpen();", "  // tag::a[]", "  done(t);", "  // end::a[]", "}");

    assertThat(ReadmeSnippets.region(java, "a")).containsExactly("use(t);", "done(t);");
  }

  @Test
  void regionWhenXmlCommentTagsThenTagLinesRemovedAndDedented() {
    List<String> xml = List.of("<web-app>", "  <!-- tag::f[] -->", "  <filter>", "    <name/>", "  </filter>",
        "  <!-- end::f[] -->", "</web-app>");

    assertThat(ReadmeSnippets.region(xml, "f")).containsExactly("<filter>", "  <name/>", "</filter>");
  }

  @Test
  void readmesWhenBuildOutputOrHiddenDirectoriesThenSkipped() throws IOException {
    readme("# Title");
    Files.createDirectories(root.resolve("core/target"));
    Files.writeString(root.resolve("core/target/README.md"), "```java\nx\n```\n");
    Files.createDirectories(root.resolve(".git"));
    Files.writeString(root.resolve(".git/README.md"), "```java\nx\n```\n");
    Files.writeString(root.resolve("core/README.md"), "# core\n");

    assertThat(ReadmeSnippets.readmes(root)).containsExactly(root.resolve("README.md"), root.resolve("core/README.md"));
  }

  @Test
  void repositoryRootWhenStartedInAModuleThenTheDirectoryAboveIt() throws IOException {
    readme("# Title");

    assertThat(ReadmeSnippets.repositoryRoot(root.resolve("core/src"))).isEqualTo(root.toAbsolutePath());
  }

  /** The repository's own READMEs: every code snippet is a copy of code the test suite compiles and runs. */
  @Test
  void repositoryReadmesWhenCheckedThenEveryCodeSnippetEqualsItsTaggedSource() {
    Path repository = ReadmeSnippets.repositoryRoot(Path.of(""));

    assertThat(ReadmeSnippets.readmes(repository)).contains(repository.resolve("README.md"));
    assertThat(ReadmeSnippets.checkAll(repository)).isEmpty();
  }
}
