package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimeTextTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  @ParameterizedTest
  @CsvSource({"0, 0s", "59, 59s", "60, 1m0s", "150, 2m30s", "3599, 59m59s", "3600, 1h0m", "3900, 1h5m",
      "90061, 25h1m"})
  void humanWhenSecondsThenLargestTwoUnits(long seconds, String expected) {
    assertThat(TimeText.human(Duration.ofSeconds(seconds))).isEqualTo(expected);
  }

  @Test
  void humanWhenFractionOfASecondThenTruncated() {
    assertThat(TimeText.human(Duration.ofMillis(1_999))).isEqualTo("1s");
  }

  @Test
  void untilOrAgoWhenDeadlineAheadThenIn() {
    assertThat(TimeText.untilOrAgo(NOW.plusSeconds(300), NOW)).isEqualTo(" (in 5m0s)");
  }

  @Test
  void untilOrAgoWhenExactlyAtDeadlineThenInZeroSeconds() {
    assertThat(TimeText.untilOrAgo(NOW, NOW)).isEqualTo(" (in 0s)");
  }

  @Test
  void untilOrAgoWhenDeadlinePassedThenExpiredAgo() {
    assertThat(TimeText.untilOrAgo(NOW.minusSeconds(3_720), NOW)).isEqualTo(" (expired 1h2m ago)");
    assertThat(TimeText.untilOrAgo(NOW.minusMillis(1), NOW)).isEqualTo(" (expired 0s ago)");
  }
}
