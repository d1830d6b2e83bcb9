package dev.lanyard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MutableClockTest {
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void instantWhenFixedThenStandsStillUntilMoved() {
    MutableClock clock = new MutableClock(START);

    assertThat(clock.instant()).isEqualTo(START);
    clock.advance(Duration.ofSeconds(90));
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(90));
    clock.advance(Duration.ofSeconds(-30));
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(60));
    clock.set(START.minusSeconds(5));
    assertThat(clock.instant()).isEqualTo(START.minusSeconds(5));
    assertThat(clock.offset()).isEqualTo(Duration.ofSeconds(-5));
    assertThat(clock.millis()).isEqualTo(START.minusSeconds(5).toEpochMilli());
  }

  @Test
  void instantWhenSystemUtcThenFollowsTheSystemClockShiftedByTheOffset() {
    MutableClock clock = MutableClock.systemUtc();
    clock.setOffset(Duration.ofHours(-1));

    Instant before = Instant.now();
    Instant read = clock.instant();
    Instant after = Instant.now();

    assertThat(read).isBetween(before.minus(Duration.ofHours(1)), after.minus(Duration.ofHours(1)));
  }

  @Test
  void atWhenActionRunsThenShiftedDuringItAndBackToZeroAfter() {
    MutableClock clock = new MutableClock(START);

    Instant during = clock.at(Duration.ofMinutes(-10), clock::instant);

    assertThat(during).isEqualTo(START.minus(Duration.ofMinutes(10)));
    assertThat(clock.offset()).isEqualTo(Duration.ZERO);
    assertThat(clock.instant()).isEqualTo(START);
  }

  @Test
  void atWhenActionThrowsThenShiftedBackAnyway() {
    MutableClock clock = new MutableClock(START);

    assertThatThrownBy(() -> clock.at(Duration.ofMinutes(5), () -> {
      throw new IllegalStateException("boom");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(clock.instant()).isEqualTo(START);
  }

  @Test
  void zoneThenUtcOnly() {
    MutableClock clock = new MutableClock(START);

    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    assertThatThrownBy(() -> clock.withZone(ZoneOffset.ofHours(2)))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
