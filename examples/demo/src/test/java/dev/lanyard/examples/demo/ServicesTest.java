package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServicesTest {
  @TempDir
  Path work;

  @Test
  void runJavaWhenCommandEndsThenExitAndOutputReturnedAndProcessGone() throws Exception {
    Services services = new Services(work, work);

    Services.Finished run = services.runJava("version", List.of("-version"), Duration.ofSeconds(60));

    assertThat(run.exit()).isZero();
    assertThat(run.err()).contains("version");
    assertThat(Files.readString(work.resolve("version.err"), StandardCharsets.UTF_8)).isEqualTo(run.err());
    assertThat(services.isRunning("version")).isFalse();
  }

  @Test
  void runJavaWhenCommandFailsThenItsExitStatusAndError() throws Exception {
    Services services = new Services(work, work);

    Services.Finished run = services.runJava("missing", List.of("-jar", work.resolve("no.jar").toString()),
        Duration.ofSeconds(60));

    assertThat(run.exit()).isNotZero().isNotEqualTo(-1);
    assertThat(run.err()).contains("no.jar");
  }

  @Test
  void runJavaWhenCommandOutlivesTimeoutThenStoppedWithMinusOne() throws Exception {
    Path slow = Files.writeString(work.resolve("Slow.java"),
        "class Slow { public static void main(String[] a) throws Exception { Thread.sleep(120_000); } }",
        StandardCharsets.UTF_8);
    Services services = new Services(work, work);
    long start = System.nanoTime();

    Services.Finished run = services.runJava("slow", List.of(slow.toString()), Duration.ofSeconds(3));

    assertThat(run.exit()).isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    assertThat(services.isRunning("slow")).isFalse();
  }
}
