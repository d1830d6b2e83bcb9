package dev.lanyard.spiffe;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes SPIFFE ID and trust domain parsing. Allowed outcomes: a value that round-trips, or
 * {@link InvalidSpiffeIdException} (the documented rejection); anything else is a finding. The normal build replays
 * the corpus in {@code SpiffeIdFuzzTestInputs/}; {@code mvn -Pfuzz} fuzzes (README "Fuzzing").
 */
class SpiffeIdFuzzTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");

  /** The input as UTF-8 text, parsed as a SPIFFE ID, as a trust domain, and as a path of example.org. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parse(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);

    SpiffeId id = parsedOrNull(text);
    if (id != null) {
      assertThat(id.toString()).isEqualTo(text);
      assertThat(text.length()).isLessThanOrEqualTo(SpiffeId.MAX_LENGTH);
      assertThat(id.trustDomain().name()).matches("[a-z0-9._-]{1,255}");
      assertThat(id.path()).matches("(/[a-zA-Z0-9._-]+)*");
      assertThat(id.isMemberOf(id.trustDomain())).isTrue();
      assertThat(SpiffeId.of(id.trustDomain(), id.path())).isEqualTo(id);
      assertThat(SpiffeId.fromSegments(id.trustDomain(), id.segments().toArray(new String[0]))).isEqualTo(id);
      assertThat(TrustDomain.of(id.trustDomain().name())).isEqualTo(id.trustDomain());
      assertThat(TrustDomain.of(text)).isEqualTo(id.trustDomain());
    }

    try {
      TrustDomain trustDomain = TrustDomain.of(text);
      assertThat(trustDomain.name()).matches("[a-z0-9._-]{1,255}");
      assertThat(TrustDomain.of(trustDomain.name())).isEqualTo(trustDomain);
      assertThat(trustDomain.spiffeId().isTrustDomainId()).isTrue();
      assertThat(trustDomain.spiffeId().trustDomain()).isEqualTo(trustDomain);
    } catch (InvalidSpiffeIdException rejected) {
      assertThat(rejected.getMessage()).isNotBlank();
    }

    try {
      SpiffeId member = SpiffeId.of(EXAMPLE, text);
      assertThat(member.toString()).isEqualTo("spiffe://example.org" + text);
      assertThat(SpiffeId.parse(member.toString())).isEqualTo(member);
    } catch (InvalidSpiffeIdException rejected) {
      assertThat(rejected.getMessage()).isNotBlank();
    }
  }

  private static SpiffeId parsedOrNull(String text) {
    try {
      return SpiffeId.parse(text);
    } catch (InvalidSpiffeIdException rejected) {
      // The message repeats at most a short, sanitised part of the input.
      assertThat(rejected.getMessage()).isNotBlank().doesNotContain(text.length() > 80 ? text : "\u0000\u0000");
      return null;
    }
  }
}
