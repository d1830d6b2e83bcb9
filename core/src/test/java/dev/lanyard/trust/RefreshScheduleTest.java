package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The refresh interval as a pure function of the settings, the hint and max-age: no server, no clock. */
class RefreshScheduleTest {
  private static final Duration STALENESS = HttpBundleSource.DEFAULT_MAX_STALENESS;

  @Test
  void fetchedWhenMaxAgeSoonerThanHintThenMaxAgeWithBothNamed() {
    RefreshSchedule.Interval chosen =
        RefreshSchedule.fetched(Duration.ofMinutes(10), Duration.ofMinutes(2), STALENESS);

    assertThat(chosen.interval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(chosen.reason()).isEqualTo("Cache-Control max-age 2m, sooner than spiffe_refresh_hint 10m");
  }

  @Test
  void fetchedWhenHintSoonerThanMaxAgeThenHint() {
    RefreshSchedule.Interval chosen =
        RefreshSchedule.fetched(Duration.ofSeconds(90), Duration.ofMinutes(5), STALENESS);

    assertThat(chosen.interval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(chosen.reason()).isEqualTo("spiffe_refresh_hint 1m30s");
  }

  @Test
  void fetchedWhenNeitherThenDefaultFiveMinutes() {
    RefreshSchedule.Interval chosen = RefreshSchedule.fetched(null, null, STALENESS);

    assertThat(chosen.interval()).isEqualTo(HttpBundleSource.DEFAULT_REFRESH_INTERVAL);
    assertThat(chosen.reason()).isEqualTo("default: no spiffe_refresh_hint or Cache-Control max-age");
  }

  @Test
  void fetchedWhenHintBelowOneSecondOrAboveOneHourThenBoundedAndSaid() {
    RefreshSchedule.Interval low = RefreshSchedule.fetched(Duration.ofMillis(200), null, STALENESS);
    RefreshSchedule.Interval high = RefreshSchedule.fetched(Duration.ofHours(5), null, Duration.ofHours(24));

    assertThat(low.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(low.reason()).isEqualTo("spiffe_refresh_hint 200ms, raised to the 1s minimum");
    assertThat(high.interval()).isEqualTo(Duration.ofHours(1));
    assertThat(high.reason()).isEqualTo("spiffe_refresh_hint 5h, lowered to the 1h maximum");
  }

  @Test
  void fetchedWhenHintAboveHalfTheStalenessBoundThenHalfOfIt() {
    RefreshSchedule.Interval chosen = RefreshSchedule.fetched(Duration.ofMinutes(30), null, Duration.ofMinutes(20));

    assertThat(chosen.interval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(chosen.reason()).endsWith(", lowered to half the staleness bound");
  }

  @Test
  void initialWhenConfiguredThenItBoundedElseTheDefault() {
    assertThat(RefreshSchedule.initial(Duration.ofSeconds(30), STALENESS))
        .isEqualTo(new RefreshSchedule.Interval(Duration.ofSeconds(30), "configured 30s"));
    assertThat(RefreshSchedule.initial(null, STALENESS)).isEqualTo(
        new RefreshSchedule.Interval(Duration.ofMinutes(5), "default until a bundle is fetched"));
  }

  @Test
  void nextRetryWhenDoubledPastTheIntervalThenTheInterval() {
    Duration first = Duration.ofSeconds(1);

    assertThat(RefreshSchedule.nextRetry(first, Duration.ofMinutes(5), first)).isEqualTo(Duration.ofSeconds(2));
    assertThat(RefreshSchedule.nextRetry(Duration.ofMinutes(4), Duration.ofMinutes(5), first))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(RefreshSchedule.nextRetry(first, Duration.ofMillis(1), first)).isEqualTo(first);
  }

  @Test
  void jitteredWhenAnyIntervalThenWithinTenPercentBelowAndNeverUnderTheMinimum() {
    for (int i = 0; i < 1000; i++) {
      assertThat(RefreshSchedule.jittered(Duration.ofSeconds(100)))
          .isBetween(Duration.ofSeconds(90), Duration.ofSeconds(100));
      assertThat(RefreshSchedule.jittered(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @ParameterizedTest
  @CsvSource({"250, 250ms", "1000, 1s", "90000, 1m30s", "5400000, 1h30m", "90061000, 1d1h1m1s", "-2000, -2s"})
  void humanWhenAnyDurationThenCompactText(long millis, String expected) {
    assertThat(RefreshSchedule.human(Duration.ofMillis(millis))).isEqualTo(expected);
  }
}
