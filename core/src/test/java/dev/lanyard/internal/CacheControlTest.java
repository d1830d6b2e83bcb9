package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CacheControlTest {
  static Stream<Arguments> headers() {
    return Stream.of(
        // hostile and useless first
        Arguments.of(List.of(), List.of(), null),
        Arguments.of(List.of("max-age"), List.of(), null),
        Arguments.of(List.of("max-age="), List.of(), null),
        Arguments.of(List.of("max-age=-5"), List.of(), null),
        Arguments.of(List.of("max-age=1.5"), List.of(), null),
        Arguments.of(List.of("max-age=0x10"), List.of(), null),
        Arguments.of(List.of("max-age=99999999999999999999999"), List.of(), Duration.ofDays(36_500)),
        Arguments.of(List.of("no-cache, no-store, max-age=0, must-revalidate"), List.of(), null),
        Arguments.of(List.of("max-age=60", "no-store"), List.of(), null),
        Arguments.of(List.of("NO-CACHE=\"set-cookie\", max-age=60"), List.of(), null),
        Arguments.of(List.of("s-maxage=30"), List.of(), null),
        // usable
        Arguments.of(List.of("max-age=0"), List.of(), Duration.ZERO),
        Arguments.of(List.of("public, max-age=300"), List.of(), Duration.ofSeconds(300)),
        Arguments.of(List.of("Max-Age = \"120\""), List.of(), Duration.ofSeconds(120)),
        Arguments.of(List.of("max-age=300", "max-age=60"), List.of(), Duration.ofSeconds(60)),
        Arguments.of(List.of("max-age=300, max-age=bad"), List.of(), Duration.ofSeconds(300)),
        Arguments.of(List.of("max-age=300"), List.of("100"), Duration.ofSeconds(200)),
        Arguments.of(List.of("max-age=300"), List.of("900"), Duration.ZERO),
        Arguments.of(List.of("max-age=300"), List.of("garbage"), Duration.ofSeconds(300)));
  }

  @ParameterizedTest
  @MethodSource("headers")
  void freshnessWhenHeadersThenMaxAgeLessAgeOrNothing(List<String> cacheControl, List<String> age,
      Duration expected) {
    assertThat(CacheControl.freshness(cacheControl, age)).isEqualTo(Optional.ofNullable(expected));
  }
}
