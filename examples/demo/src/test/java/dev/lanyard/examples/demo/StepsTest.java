package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StepsTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final Steps steps = new Steps(new PrintStream(printed, true, StandardCharsets.UTF_8));

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void exitCodeWhenEveryCheckPassesThenZero() {
    steps.begin("1. Identities");
    steps.check("ledger presents its SVID", true);
    steps.begin("2. Calls");
    steps.check("allowed call", true);

    assertThat(steps.exitCode()).isZero();
    assertThat(steps.verdict()).isEqualTo("Demo complete: all 2 checks behaved as expected.");
    assertThat(printed()).contains("== 1. Identities", "ok ledger presents its SVID", "ok allowed call");
  }

  @Test
  void exitCodeWhenNoCheckRanThenOne() {
    assertThat(steps.exitCode()).isEqualTo(1);
    assertThat(steps.verdict()).isEqualTo("Demo FAILED: no check ran");
  }

  @Test
  void verdictWhenChecksFailThenNamesEachFailedStepAndCheck() {
    steps.begin("2. Calls");
    steps.check("no token: 401", false);
    steps.check("allowed call", true);
    steps.begin("3. Rotation");
    steps.check("zero failed calls", false);
    steps.begin("4. Revocation");
    steps.check("refused in time", true);

    assertThat(steps.exitCode()).isEqualTo(1);
    assertThat(steps.failures()).containsOnlyKeys("2. Calls", "3. Rotation");
    assertThat(steps.verdict()).isEqualTo(
        "Demo FAILED in \n  2. Calls: no token: 401\n  3. Rotation: zero failed calls");
    assertThat(printed()).contains("FAILED no token: 401");
  }

  @Test
  void failWhenBeforeAnyStepThenCountedAgainstTheStart() {
    steps.fail("orders exited while starting");

    assertThat(steps.failures()).containsOnlyKeys("before the story");
    assertThat(steps.exitCode()).isEqualTo(1);
  }
}
